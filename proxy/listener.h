// Accepts client connections on the main thread (plain and TLS ports side by side) and hands
// each socket to a worker, round-robin, so connections spread evenly over the workers. When
// accept() fails for want of descriptors (EMFILE...), both listeners pause briefly
// (net::AcceptBackoff) instead of spinning; every accept() error is reported to `onError`.
#pragma once

#include <functional>
#include <string>

#include "common/net/accept_backoff.h"
#include "common/net/handles.h"

namespace strata::proxy {

class Listener {
 public:
  using OnAccept = std::function<void(net::UniqueFd fd, bool tls)>;
  using OnError = std::function<void(int err)>;  // accept()'s errno (metrics)

  Listener(event_base* base, OnAccept onAccept, OnError onError);

  // Binds host:port (port 0 = ephemeral). False with `error` if the address can't be bound.
  bool listen(const std::string& host, int port, bool tls, std::string& error);
  // The bound port of the plain (tls=false) or TLS listener.
  int port(bool tls) const { return tls ? tlsPort_ : plainPort_; }
  void close();

 private:
  void onAccept(evconnlistener* listener, evutil_socket_t fd, sockaddr* addr, int len);
  void onTlsAccept(evconnlistener* listener, evutil_socket_t fd, sockaddr* addr, int len);
  void onAcceptError(evconnlistener* listener);
  void enable(bool on);

  event_base* base_;
  OnAccept onAccept_;
  OnError onError_;
  net::AcceptBackoff backoff_;  // before the listeners: they go first
  net::EvConnListenerPtr plain_;
  net::EvConnListenerPtr tls_;
  int plainPort_ = 0;
  int tlsPort_ = 0;
};

}  // namespace strata::proxy
