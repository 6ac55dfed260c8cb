// Pausing listeners on descriptor exhaustion (see accept_backoff.h).
#include "common/net/accept_backoff.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/net/callback.h"

namespace strata::net {

namespace {
constexpr auto kLogInterval = std::chrono::seconds(1);
}  // namespace

bool isAcceptResourceShortage(int err) {
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

AcceptBackoff::AcceptBackoff(event_base* base, std::string what, Toggle toggle,
                             std::chrono::milliseconds pause)
    : what_(std::move(what)),
      toggle_(std::move(toggle)),
      pause_(pause),
      timer_(evtimer_new(base, callback<&AcceptBackoff::onResume>, this)) {}

bool AcceptBackoff::onAcceptError(int err) {
  const bool shortage = isAcceptResourceShortage(err);
  log(err, shortage);
  if (!shortage) return false;
  if (!paused_) {
    paused_ = true;
    ++pauses_;
    toggle_(false);
    timeval tv{static_cast<time_t>(pause_.count() / 1000),
               static_cast<suseconds_t>(pause_.count() % 1000 * 1000)};
    evtimer_add(timer_.get(), &tv);
  }
  return true;
}

void AcceptBackoff::cancel() {
  evtimer_del(timer_.get());
  paused_ = false;
}

void AcceptBackoff::onResume(evutil_socket_t, short) {
  paused_ = false;
  toggle_(true);
}

void AcceptBackoff::log(int err, bool shortage) {
  const auto now = std::chrono::steady_clock::now();
  if (lastLog_ != std::chrono::steady_clock::time_point{} && now - lastLog_ < kLogInterval) {
    ++unlogged_;
    return;
  }
  lastLog_ = now;
  const uint64_t more = std::exchange(unlogged_, 0);
  const std::string since =
      more ? " (" + std::to_string(more) + " more accept() errors since the last line)" : "";
  if (shortage) {
    spdlog::warn("Accepting {} connection: {}; pausing accepts for {} ms{}", what_,
                 std::strerror(err), pause_.count(), since);
  } else {
    spdlog::warn("Accepting {} connection: {}{}", what_, std::strerror(err), since);
  }
}

}  // namespace strata::net
