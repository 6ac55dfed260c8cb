// The cluster bus while a script runs past busy-reply-threshold. Redis keeps answering the bus
// then (processEventsWhileBlocked runs the file events, the bus's included), so the other nodes
// keep getting PONGs and do not fail a master over because one script is long. Our scripts run
// inside a libevent callback, and libevent's loop cannot be re-entered, so Server::serveWhileBusy
// calls Cluster::serveWhileBusy, which polls the bus sockets and moves their bytes itself:
// accept() on the bus listeners (the same onAccept), evbuffer_read() into a link's input buffer
// and then the same linkRead() and process(), evbuffer_write() of what is queued for sending
// (the buffers thawed for that one call, as libevent's socket bufferevent does itself).
// The tick does not run meanwhile (no PINGs of ours, no timeouts, no failover step); it goes on
// when the script ends, and so does a role change the bus brings (followMaster: replication is
// not re-pointed under the running script). Links still connecting wait for the loop, and so does
// everything with tls-cluster yes (the TLS state lives inside libevent's OpenSSL bufferevent).
// Event-loop thread only.
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <vector>

#include "node/cluster/cluster.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

constexpr int kReadChunk = 64 * 1024;
constexpr int kMaxAcceptsPerCall = 16;

}  // namespace

void Cluster::serveWhileBusy() {
  if (server_.settings().tlsCluster) return;
  servingWhileBusy_ = true;
  struct Done {
    bool& flag;
    ~Done() { flag = false; }
  } done{servingWhileBusy_};
  std::vector<pollfd> fds;
  std::vector<evconnlistener*> listening;
  std::vector<ClusterLink*> polled;
  fds.reserve(listeners_.size() + links_.size());
  for (const net::EvConnListenerPtr& l : listeners_) {
    fds.push_back(pollfd{evconnlistener_get_fd(l.get()), POLLIN, 0});
    listening.push_back(l.get());
  }
  for (const std::unique_ptr<ClusterLink>& l : links_) {
    if (l->dead || !l->connected) continue;
    const evutil_socket_t fd = bufferevent_getfd(l->bev.get());
    if (fd < 0) continue;
    const bool sending = evbuffer_get_length(bufferevent_get_output(l->bev.get())) > 0;
    fds.push_back(pollfd{fd, static_cast<short>(POLLIN | (sending ? POLLOUT : 0)), 0});
    polled.push_back(l.get());
  }
  if (fds.empty() || ::poll(fds.data(), fds.size(), 0) <= 0) return;
  for (size_t i = 0; i < polled.size(); ++i) {
    ClusterLink* link = polled[i];
    const short revents = fds[listening.size() + i].revents;
    if (link->dead || (revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    evbuffer* in = bufferevent_get_input(link->bev.get());
    // A socket bufferevent keeps its input's end frozen for all but itself (and its output's
    // front): thawed around the one read, as its own read callback does.
    evbuffer_unfreeze(in, 0);
    const int got = evbuffer_read(in, bufferevent_getfd(link->bev.get()), kReadChunk);
    evbuffer_freeze(in, 0);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
      freeLink(link);  // EOF or error: the tick reconnects once the script ends
      continue;
    }
    if (got > 0) linkRead(link);
  }
  // Replies (PONGs) just queued, and whatever waited from before the script.
  for (const std::unique_ptr<ClusterLink>& l : links_) {
    if (l->dead || !l->connected) continue;
    evbuffer* out = bufferevent_get_output(l->bev.get());
    if (evbuffer_get_length(out) == 0) continue;
    evbuffer_unfreeze(out, 1);
    const int wrote = evbuffer_write(out, bufferevent_getfd(l->bev.get()));
    evbuffer_freeze(out, 1);
    if (wrote < 0 && errno != EAGAIN && errno != EINTR) {
      freeLink(l.get());
    }
  }
  // New links (a node that dropped its link to us reconnects): accepted as the listener would,
  // read from the next call on.
  for (size_t i = 0; i < listening.size(); ++i) {
    if ((fds[i].revents & POLLIN) == 0) continue;
    for (int n = 0; n < kMaxAcceptsPerCall; ++n) {
      sockaddr_storage ss{};
      socklen_t len = sizeof(ss);
      const int fd = ::accept4(fds[i].fd, reinterpret_cast<sockaddr*>(&ss), &len,
                               SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) break;  // EAGAIN, or out of descriptors: the listener retries after the script
      onAccept(listening[i], fd, reinterpret_cast<sockaddr*>(&ss), static_cast<int>(len));
    }
  }
}

}  // namespace strata::node
