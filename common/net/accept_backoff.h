// What a listener does when accept() fails. When the process or the system has run out of
// descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM), the connection stays in the backlog
// and the listening socket stays readable: a level-triggered loop would call accept() again at
// once and spin at 100% CPU until a descriptor frees. AcceptBackoff pauses the listener(s) for a
// short while instead (a one-shot timer) and resumes them, so the pending clients are accepted
// as soon as descriptors are back, and logs at most one line a second. Other errors (a peer that
// reset before accept(), EPERM from a firewall) only log, rate-limited the same way.
//
// Owned by each set of listeners: proxy/listener.cpp (the evconnlistener error callback), the
// node's client listeners (node/server/server.cpp) and its cluster bus (node/cluster/). Runs on
// the thread of its event_base. The owner keeps the listeners alive as long as this object.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "common/net/handles.h"

namespace strata::net {

// True for the accept() errors that leave the connection pending until resources free:
// EMFILE, ENFILE, ENOBUFS, ENOMEM.
bool isAcceptResourceShortage(int err);

class AcceptBackoff {
 public:
  // Pauses (enable=false) or resumes (enable=true) every listener of the owner.
  using Toggle = std::function<void(bool enable)>;
  static constexpr std::chrono::milliseconds kDefaultPause{100};

  // `what` names the listeners in the log line ("client", "cluster bus").
  AcceptBackoff(event_base* base, std::string what, Toggle toggle,
                std::chrono::milliseconds pause = kDefaultPause);
  AcceptBackoff(const AcceptBackoff&) = delete;
  AcceptBackoff& operator=(const AcceptBackoff&) = delete;

  // Handles accept()'s errno `err`. A resource shortage pauses the listeners until the timer
  // resumes them and returns true; anything else returns false (the caller carries on).
  bool onAcceptError(int err);
  // Stops a pending resume (the owner is closing its listeners).
  void cancel();
  bool paused() const { return paused_; }
  // Pauses so far (each one a resource shortage).
  uint64_t pauses() const { return pauses_; }

 private:
  void onResume(evutil_socket_t, short);
  void log(int err, bool shortage);

  std::string what_;
  Toggle toggle_;
  std::chrono::milliseconds pause_;
  EventPtr timer_;
  bool paused_ = false;
  uint64_t pauses_ = 0;
  std::chrono::steady_clock::time_point lastLog_{};
  uint64_t unlogged_ = 0;  // errors since the last line
};

}  // namespace strata::net
