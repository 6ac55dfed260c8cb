// Accepts client connections on the main thread (plain and TLS ports side by side) and hands
// each socket to a worker, round-robin, so connections spread evenly over the workers.
#pragma once

#include <functional>
#include <string>

#include "common/net/handles.h"

namespace strata::proxy {

class Listener {
 public:
  using OnAccept = std::function<void(net::UniqueFd fd, bool tls)>;

  Listener(event_base* base, OnAccept onAccept) : base_(base), onAccept_(std::move(onAccept)) {}

  // Binds host:port (port 0 = ephemeral). False with `error` if the address can't be bound.
  bool listen(const std::string& host, int port, bool tls, std::string& error);
  // The bound port of the plain (tls=false) or TLS listener.
  int port(bool tls) const { return tls ? tlsPort_ : plainPort_; }
  void close();

 private:
  void onAccept(evconnlistener* listener, evutil_socket_t fd, sockaddr* addr, int len);
  void onTlsAccept(evconnlistener* listener, evutil_socket_t fd, sockaddr* addr, int len);

  event_base* base_;
  OnAccept onAccept_;
  net::EvConnListenerPtr plain_;
  net::EvConnListenerPtr tls_;
  int plainPort_ = 0;
  int tlsPort_ = 0;
};

}  // namespace strata::proxy
