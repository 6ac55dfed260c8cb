// The Server's side of scripting: Server::scripting() (created on first use) and the restricted
// event processing a script does once it runs past busy-reply-threshold (Redis's
// processEventsWhileBlocked): libevent cannot be re-entered from inside its own callback, so the
// Lua hook polls the connected clients' sockets itself and lets each readable one read and run
// its pending requests; Server::execute then answers -BUSY to everything but the commands flagged
// allow-busy (SCRIPT KILL, FUNCTION KILL/STATS, SHUTDOWN NOSAVE, AUTH, ...). New connections are
// accepted too, as Redis does (the operator's SCRIPT KILL comes on one), and the cluster bus is
// answered (Cluster::serveWhileBusy), so a long script does not get a master failed over; the
// timers wait for the script's end. Event-loop thread only.
#include <event2/event.h>
#include <poll.h>

#include <vector>

#include "node/cluster/cluster.h"
#include "node/scripting/scripting.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

Scripting& Server::scripting() {
  if (!scripting_) scripting_ = std::make_unique<Scripting>(*this);
  return *scripting_;
}

void Server::serveWhileBusy(Client& running) {
  // Replies made before the script started wait in pendingFlush_ for beforeSleep, which does
  // not run until the script ends: a client served earlier in the script's own loop round would
  // wait for its reply (and send nothing more to poll for). As Redis's beforeSleep while blocked:
  // the AOF first (its buffer only holds whole commands: the script's own propagate at its
  // end), then the replies, the script's caller excepted.
  flushPendingWhileBusy(running);
  if (cluster_) cluster_->serveWhileBusy();
  std::vector<pollfd> fds;
  std::vector<event*> listeners;  // the first fds: the listeners not paused by AcceptBackoff
  std::vector<uint64_t> ids;      // then the clients
  fds.reserve(listenEvents_.size() + clients_.size());
  for (const net::EventPtr& ev : listenEvents_) {
    if (event_pending(ev.get(), EV_READ, nullptr) == 0) continue;
    fds.push_back(pollfd{event_get_fd(ev.get()), POLLIN, 0});
    listeners.push_back(ev.get());
  }
  for (const auto& [id, c] : clients_) {
    if (c == &running || c->closed()) continue;
    fds.push_back(pollfd{c->fd(), POLLIN, 0});
    ids.push_back(id);
  }
  if (fds.empty() || ::poll(fds.data(), fds.size(), 0) <= 0) return;
  // A connection made now (an operator's redis-cli for SCRIPT KILL) is accepted through the
  // listener's own callback (onAccept / onAcceptTls) and served from the next round on.
  for (size_t i = 0; i < listeners.size(); ++i) {
    if ((fds[i].revents & POLLIN) == 0) continue;
    event_callback_fn accept = event_get_callback(listeners[i]);
    accept(fds[i].fd, EV_READ, event_get_callback_arg(listeners[i]));
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    const pollfd& p = fds[listeners.size() + i];
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    auto it = clients_.find(ids[i]);  // an earlier one's command may have closed it
    if (it == clients_.end() || it->second->closed()) continue;
    it->second->serveWhileBusy();
  }
}

void Server::flushPendingWhileBusy(Client& running) {
  if (pendingFlush_.empty()) return;
  persistenceFlushWhileBusy();
  size_t kept = 0;
  for (size_t i = 0; i < pendingFlush_.size(); ++i) {
    Client* c = pendingFlush_[i];
    if (c == &running) {
      pendingFlush_[kept++] = c;
      continue;
    }
    c->inPendingList = false;
    if (!c->closed()) c->flush();
  }
  pendingFlush_.resize(kept);
}

void Client::serveWhileBusy() {
  onReadable();
  if (!closed_) flush();
}

}  // namespace strata::node
