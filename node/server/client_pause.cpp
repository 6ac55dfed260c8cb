// CLIENT PAUSE, the server side (Redis 7.0's pauseClients/unpauseClients): while a pause is on,
// Server::transactionGate hands each request it applies to (every one for ALL; for WRITE those
// that may write or replicate: write commands, PUBLISH, EXEC of a queue holding one) to
// postponeIfPaused(), which parks the client with its request; its pipeline waits behind it,
// never failing. When the pause ends (its timer, CLIENT UNPAUSE) the parked requests run again
// from the top of Server::execute, in arrival order, on the next loop round.
//
//   CLIENT PAUSE ──> txps.pauseType/pauseEndMs + pauseTimer
//   request ──transactionGate──> postponed (Client::session.postponed stops processInput)
//   timer / UNPAUSE ──> resumeEvent (next round) ──> execute(saved argv), pipeline resumes
//
// Event-loop thread only.
#include <spdlog/spdlog.h>

#include <exception>

#include "node/commands/handlers.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

// Runs the postponed requests (the resume event, one loop round after the pause ended).
void resumePostponed(Server& server) {
  std::vector<Client*> clients = std::move(server.txps().postponed);
  server.txps().postponed.clear();
  server.updateClock();
  for (Client* c : clients) {
    if (c->closed() || !c->session.postponed) continue;
    ClientSession& s = c->session;
    s.postponed = false;
    std::vector<std::string> owned = std::move(s.postponedArgv);
    s.postponedArgv.clear();
    std::vector<std::string_view> argv(owned.begin(), owned.end());
    s.beforeCommand(c->out().size());
    server.execute(*c, argv);  // may be postponed again by a new pause
    s.afterCommand(c->out());
    if (c->closed()) continue;
    server.wantFlush(*c);
    if (!s.postponed && !c->block.blocked) c->resume();
  }
}

void onResume(evutil_socket_t, short, void* arg) noexcept {
  try {
    resumePostponed(*static_cast<Server*>(arg));
  } catch (const std::exception& e) {
    spdlog::error("resuming paused clients: {}", e.what());
  }
}

void armTimer(Server& server);

void onPauseTimer(evutil_socket_t, short, void* arg) noexcept {
  auto* server = static_cast<Server*>(arg);
  server->updateClock();
  if (server->txps().pauseType == PauseType::kOff) return;
  if (server->txps().pauseEndMs <= server->now()) {
    server->unpauseClients();
  } else {
    // The timer can fire a little before the pause's end in wall-clock milliseconds (libevent
    // runs on the monotonic clock; the end is rounded to ms): wait again, never stay paused.
    armTimer(*server);
  }
}

void armTimer(Server& server) {
  TxPubSub& tx = server.txps();
  if (!tx.pauseTimer) {
    tx.pauseTimer.reset(event_new(server.base(), -1, 0, &onPauseTimer, &server));
  }
  event_del(tx.pauseTimer.get());
  const int64_t wait = std::max<int64_t>(0, tx.pauseEndMs - nowMs());
  timeval tv{static_cast<time_t>(wait / 1000), static_cast<suseconds_t>((wait % 1000) * 1000)};
  event_add(tx.pauseTimer.get(), &tv);
}

}  // namespace

bool postponeIfPaused(Server& server, Client& client, const CommandDef& def,
                      const std::vector<std::string_view>& argv) {
  TxPubSub& tx = server.txps();
  if (tx.pauseEndMs <= server.now()) {  // ended; the timer has not fired yet
    server.unpauseClients();
    return false;
  }
  const bool applies = tx.pauseType == PauseType::kAll || mayReplicate(def) ||
                       (def.handler == &cmd::exec && client.session.queuedWrite);
  if (!applies) return false;
  ClientSession& s = client.session;
  client.lastCommand = def.name;  // CLIENT LIST shows the held command
  s.postponed = true;
  s.postponedArgv.assign(argv.begin(), argv.end());
  tx.postponed.push_back(&client);
  return true;
}

void Server::pauseClients(PauseType type, int64_t endMs) {
  // The strictest type and the latest end asked for win, as Redis.
  if (type > txps_.pauseType) txps_.pauseType = type;
  if (endMs > txps_.pauseEndMs) txps_.pauseEndMs = endMs;
  if (base_) armTimer(*this);
}

void Server::unpauseClients() {
  txps_.pauseType = PauseType::kOff;
  txps_.pauseEndMs = 0;
  if (txps_.pauseTimer) event_del(txps_.pauseTimer.get());
  if (txps_.postponed.empty() || !base_) return;
  if (!txps_.resumeEvent) txps_.resumeEvent.reset(event_new(base_.get(), -1, 0, &onResume, this));
  event_active(txps_.resumeEvent.get(), EV_TIMEOUT, 0);
}

}  // namespace strata::node
