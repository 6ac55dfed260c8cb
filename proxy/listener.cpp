// Listener sockets via evconnlistener (non-blocking, close-on-exec, SO_REUSEADDR), paused by
// net::AcceptBackoff when accept() runs out of descriptors.
#include "proxy/listener.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <string.h>

#include "common/net/callback.h"
#include "common/net/stream.h"

namespace strata::proxy {

namespace {
int boundPort(evconnlistener* l) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(evconnlistener_get_fd(l), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}
}  // namespace

Listener::Listener(event_base* base, OnAccept onAccept, OnError onError)
    : base_(base),
      onAccept_(std::move(onAccept)),
      onError_(std::move(onError)),
      backoff_(base, "client", [this](bool on) { enable(on); }) {}

bool Listener::listen(const std::string& host, int port, bool tls, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string portText = std::to_string(port);
  int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), portText.c_str(), &hints, &res);
  if (rc != 0 || !res) {
    error = "cannot resolve bind address '" + host + "': " + gai_strerror(rc);
    return false;
  }
  auto cb = tls ? net::callback<&Listener::onTlsAccept> : net::callback<&Listener::onAccept>;
  evconnlistener* l = evconnlistener_new_bind(
      base_, cb, this, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 511,
      res->ai_addr, static_cast<int>(res->ai_addrlen));
  int err = errno;
  freeaddrinfo(res);
  if (!l) {
    error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + strerror(err);
    return false;
  }
  evconnlistener_set_error_cb(l, net::callback<&Listener::onAcceptError>);
  if (backoff_.paused()) evconnlistener_disable(l);
  if (tls) {
    tls_.reset(l);
    tlsPort_ = boundPort(l);
  } else {
    plain_.reset(l);
    plainPort_ = boundPort(l);
  }
  return true;
}

void Listener::close() {
  backoff_.cancel();
  plain_.reset();
  tls_.reset();
}

void Listener::enable(bool on) {
  for (evconnlistener* l : {plain_.get(), tls_.get()}) {
    if (l == nullptr) continue;
    if (on) {
      evconnlistener_enable(l);
    } else {
      evconnlistener_disable(l);
    }
  }
}

// libevent calls this for accept() errors other than EAGAIN, EINTR and ECONNABORTED, with errno
// still set; without it, it logs "Error from accept() call" and returns to a readable socket.
void Listener::onAcceptError(evconnlistener*) {
  const int err = EVUTIL_SOCKET_ERROR();
  backoff_.onAcceptError(err);
  if (onError_) onError_(err);
}

void Listener::onAccept(evconnlistener*, evutil_socket_t fd, sockaddr*, int) {
  net::setNonBlocking(fd);
  onAccept_(net::UniqueFd(fd), false);
}

void Listener::onTlsAccept(evconnlistener*, evutil_socket_t fd, sockaddr*, int) {
  net::setNonBlocking(fd);
  onAccept_(net::UniqueFd(fd), true);
}

}  // namespace strata::proxy
