// AuthGuard (auth_guard.h): counts, logs (rate-limited) and delays failed AUTH / HELLO AUTH.
#include "node/server/auth_guard.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "common/net/callback.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

int64_t monotonicUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

AuthGuard& Server::authGuard() {
  if (!authGuard_) authGuard_ = std::make_unique<AuthGuard>(*this);
  return *authGuard_;
}

void AuthGuard::failed(Client& client) {
  server_.stats().authFailures++;
  const int64_t now = monotonicUs();
  // One line a second at most: a password-guessing client must not flood the log.
  if (now - lastLogUs_ >= 1000000 || lastLogUs_ == 0) {
    spdlog::warn("AUTH failed for client id={} addr={}{}", client.id(), client.peer(),
                 notLogged_ ? fmt::format(" ({} more failures since the last line)", notLogged_)
                            : std::string());
    lastLogUs_ = now;
    notLogged_ = 0;
  } else {
    ++notLogged_;
  }
  const int delayMs = server_.settings().authFailureDelayMs;
  if (delayMs <= 0) return;
  int64_t due = now;
  if (auto it = byClient_.find(client.id()); it != byClient_.end()) {  // held: wait behind it
    due = std::max(due, it->second->first);
    byDue_.erase(it->second);
  }
  due += int64_t{delayMs} * 1000;
  byClient_[client.id()] = byDue_.emplace(due, client.id());
  client.authHeld = true;
  arm();
}

void AuthGuard::arm() {
  if (byDue_.empty()) return;
  if (!timer_) timer_.reset(evtimer_new(server_.base(), net::callback<&AuthGuard::onTimer>, this));
  const int64_t us = std::max<int64_t>(0, byDue_.begin()->first - monotonicUs());
  timeval tv{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
  evtimer_add(timer_.get(), &tv);  // re-adding moves the one pending expiry
}

void AuthGuard::onTimer(evutil_socket_t, short) {
  const int64_t now = monotonicUs();
  const auto& clients = server_.clients();
  while (!byDue_.empty() && byDue_.begin()->first <= now) {
    const uint64_t id = byDue_.begin()->second;
    byDue_.erase(byDue_.begin());
    byClient_.erase(id);
    auto it = clients.find(id);
    if (it == clients.end() || it->second->closed()) continue;  // gone meanwhile
    it->second->authHeld = false;
    it->second->resume();  // the rest of its pipeline, in order; queues the flush of its output
  }
  arm();
}

}  // namespace strata::node
