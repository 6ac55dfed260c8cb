// MULTI queueing and WATCH, the server side (Redis 7.0's multi.c): the transaction gate (the last
// admission step: CLIENT PAUSE postponement, then queueing with +QUEUED), the WATCH registry fed
// by the Keyspace ModifiedHook, and the per-client cleanup used by EXEC, DISCARD, RESET and
// disconnection. The commands are in commands/transactions.cpp. Event-loop thread only.
//
// WATCH and expiry, as 7.0: a key live when WATCHed that is gone (or expired) at EXEC aborts it;
// a key already expired when WATCHed is "absent", so only a later write touches it. A flush
// touches only the watched keys that exist at that moment.
#include <algorithm>

#include "node/commands/handlers.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

// Commands processCommand runs at once inside MULTI instead of queueing them.
bool runsInsideMulti(const CommandDef& def) {
  const Handler h = def.handler;
  return h == &cmd::exec || h == &cmd::discard || h == &cmd::multi || h == &cmd::watch ||
         h == &cmd::quit || h == &cmd::reset;
}

void removeClient(std::vector<Client*>& list, Client* c) {
  auto it = std::find(list.begin(), list.end(), c);
  if (it != list.end()) list.erase(it);
}

}  // namespace

bool mayReplicate(const CommandDef& def) {
  if (def.hasFlag("write")) return true;
  // 7.0's CMD_MAY_REPLICATE, which COMMAND INFO does not show (so the table has no flag for it).
  static constexpr std::string_view kMayReplicate[] = {"publish", "spublish", "pfcount",
                                                       "eval",    "evalsha",  "fcall"};
  return std::find(std::begin(kMayReplicate), std::end(kMayReplicate), def.name) !=
         std::end(kMayReplicate);
}

bool Server::transactionGate(Client& client, const CommandDef& def,
                             const std::vector<std::string_view>& argv) {
  ClientSession& s = client.session;
  // CLIENT PAUSE comes right before queueing in processCommand: a write queued inside MULTI
  // waits for a WRITE pause too.
  if (txps_.pauseType != PauseType::kOff && postponeIfPaused(*this, client, def, argv)) {
    return false;
  }
  if (!s.multi || runsInsideMulti(def)) return true;
  if (def.hasFlag("no_multi")) {
    client.writer().error("ERR Command not allowed inside a transaction");
    s.execAbort = true;
    return false;
  }
  ClientSession::Queued& q = s.queued.emplace_back();
  q.def = &def;
  q.argv.reserve(argv.size());
  for (std::string_view a : argv) {
    q.argv.emplace_back(a);
    s.queuedBytes += a.size() + sizeof(std::string);
  }
  if (!s.queuedWrite && mayReplicate(def)) s.queuedWrite = true;
  client.writer().simpleString("QUEUED");
  return false;
}

uint32_t Server::queuedAdmissionFlags(const Client& client, bool complement) {
  uint32_t bits = 0;
  std::vector<std::string_view> args;
  for (const auto& q : client.session.queued) {
    args.assign(q.argv.begin(), q.argv.end());
    const uint32_t flags = admissionFlags(*q.def, args);
    bits |= complement ? ~flags : flags;
  }
  return bits;
}

void Server::flagTransaction(Client& client, const CommandDef* def, size_t replyStart) {
  if (def == nullptr || def->handler != &cmd::exec) {
    if (client.session.multi) client.session.execAbort = true;
    return;
  }
  // EXEC itself refused (processCommand's rejectCommand -> execCommandAbort): the error is
  // wrapped and the transaction dropped. Cluster redirections stay as they are.
  std::string& out = client.out();
  if (out.size() <= replyStart || out[replyStart] != '-') return;
  std::string_view err(out.data() + replyStart + 1, out.size() - replyStart - 3);  // no -, CRLF
  static constexpr std::string_view kRedirects[] = {"MOVED ", "ASK ", "TRYAGAIN ", "CROSSSLOT ",
                                                    "CLUSTERDOWN "};
  for (std::string_view r : kRedirects) {
    if (err.starts_with(r)) {
      discardTransaction(*this, client);
      return;
    }
  }
  if (err.starts_with("ERR ")) err.remove_prefix(4);
  std::string text = "EXECABORT Transaction discarded because of: " + std::string(err);
  out.resize(replyStart);
  client.writer().error(text);
  discardTransaction(*this, client);
}

void Server::touchWatchedKey(std::string_view key) {
  if (txps_.watched.empty()) return;  // the common case: one branch per key change
  auto it = txps_.watched.find(key);
  if (it == txps_.watched.end()) return;
  for (Client* c : it->second) c->session.dirtyCas = true;
}

void Server::touchAllWatchedKeys() {
  // A flush (the hook runs before the keys go): only keys that exist now count as touched.
  for (auto& [k, clients] : txps_.watched) {
    if (keyspace_.peek(k) == nullptr) continue;
    for (Client* c : clients) c->session.dirtyCas = true;
  }
}

void watchKey(Server& server, Client& client, std::string_view key) {
  ClientSession& s = client.session;
  for (const auto& w : s.watched) {
    if (w.key == key) return;
  }
  const bool existed = server.keyspace().peek(key) != nullptr;
  s.watched.push_back({std::string(key), existed});
  auto& map = server.txps().watched;
  auto it = map.find(key);
  if (it == map.end()) it = map.emplace(std::string(key), std::vector<Client*>{}).first;
  it->second.push_back(&client);
}

void unwatchAllKeys(Server& server, Client& client) {
  ClientSession& s = client.session;
  auto& map = server.txps().watched;
  for (const auto& w : s.watched) {
    auto it = map.find(w.key);
    if (it == map.end()) continue;
    removeClient(it->second, &client);
    if (it->second.empty()) map.erase(it);
  }
  s.watched.clear();
}

bool watchedKeyExpired(Server& server, Client& client) {
  for (const auto& w : client.session.watched) {
    if (w.existed && server.keyspace().peek(w.key) == nullptr) return true;
  }
  return false;
}

void discardTransaction(Server& server, Client& client) {
  ClientSession& s = client.session;
  s.queued.clear();
  s.queuedBytes = 0;
  s.queuedWrite = false;
  s.multi = s.execAbort = s.dirtyCas = false;
  unwatchAllKeys(server, client);
}

void Server::resetSession(Client& client) {
  discardTransaction(*this, client);
  unsubscribeAll(*this, client);
  stopMonitoring(client);
  if (tracking_ && client.tracking.on) tracking_->disable(client);  // CLIENT TRACKING
  ClientSession& s = client.session;
  s.replyOff = s.replySkipNext = false;  // NO-EVICT survives RESET in 7.0
  if (s.postponed) {
    removeClient(txps_.postponed, &client);
    s.postponed = false;
    s.postponedArgv.clear();
  }
}

void ClientSession::afterCommand(std::string& out) {
  running = false;
  if (postponed) return;  // CLIENT PAUSE: the request runs (and is answered) later
  if (suppressing()) {
    const size_t keep = std::max(replyMark, pushKeep);
    if (out.size() > keep) out.resize(keep);
  }
  replySkip = false;
  if (replySkipNext) {
    replySkip = true;
    replySkipNext = false;
  }
}

void ClientSession::beginPush(std::string& out) {
  if (!running || !suppressing()) return;
  const size_t keep = std::max(replyMark, pushKeep);
  if (out.size() > keep) out.resize(keep);
}

}  // namespace strata::node
