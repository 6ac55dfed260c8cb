// The Server's side of scripting: Server::scripting() (created on first use) and the restricted
// event processing a script does once it runs past busy-reply-threshold (Redis's
// processEventsWhileBlocked): libevent cannot be re-entered from inside its own callback, so the
// Lua hook polls the connected clients' sockets itself and lets each readable one read and run
// its pending requests; Server::execute then answers -BUSY to everything but the commands flagged
// allow-busy (SCRIPT KILL, FUNCTION KILL/STATS, SHUTDOWN NOSAVE, AUTH, ...). New connections wait
// for the script's end. Event-loop thread only.
#include <poll.h>

#include <vector>

#include "node/scripting/scripting.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

Scripting& Server::scripting() {
  if (!scripting_) scripting_ = std::make_unique<Scripting>(*this);
  return *scripting_;
}

void Server::serveWhileBusy(Client& running) {
  std::vector<pollfd> fds;
  std::vector<uint64_t> ids;
  fds.reserve(clients_.size());
  for (const auto& [id, c] : clients_) {
    if (c == &running || c->closed()) continue;
    fds.push_back(pollfd{c->fd(), POLLIN, 0});
    ids.push_back(id);
  }
  if (fds.empty() || ::poll(fds.data(), fds.size(), 0) <= 0) return;
  for (size_t i = 0; i < fds.size(); ++i) {
    if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    auto it = clients_.find(ids[i]);  // an earlier one's command may have closed it
    if (it == clients_.end() || it->second->closed()) continue;
    it->second->serveWhileBusy();
  }
}

void Client::serveWhileBusy() {
  onReadable();
  if (!closed_) flush();
}

}  // namespace strata::node
