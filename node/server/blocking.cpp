// Blocking list and zset pops, the server side (Redis 7.0's blocked.c, BLOCKED_LIST/ZSET):
//
//   BLPOP finds nothing ──blockClient──> blockedOnKey_[key] (FIFO) + blocked_ ── pipeline paused
//   LPUSH ──signalKeyReady──> readyKeys_ ──(after the command completes) handleReadyKeys():
//        for each ready key, for each client parked on it, in order: re-run its command
//        (Client::reprocessing); served → unblock, reply queued, pipeline resumed in beforeSleep
//   cron: deadline passed → null reply, unblock          disconnect → unblock (clientClosed)
//
// Re-running the parked command (rather than a per-command serve routine) keeps one code path
// for the pop semantics; pushes made while serving (BLMOVE's destination) are served in the same
// round. Event-loop thread only.
#include <sys/time.h>

#include <algorithm>

#include "common/config/value_parsers.h"
#include "common/net/callback.h"

#include "node/commands/handlers.h"
#include "node/keyspace/entry.h"
#include "node/persistence/persistence.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

// The value type a parked command waits for: BZPOPMIN/BZPOPMAX/BZMPOP a zset, XREAD/XREADGROUP
// a stream, the rest a list.
ValueType blockedOnType(const Client& c) {
  if (c.block.argv.empty()) return ValueType::kList;
  const std::string& name = c.block.argv[0];
  if (!name.empty() && (name[0] == 'x' || name[0] == 'X')) return ValueType::kStream;
  if (name.size() >= 2 && (name[0] == 'b' || name[0] == 'B') &&
      (name[1] == 'z' || name[1] == 'Z')) {
    return ValueType::kZSet;
  }
  return ValueType::kList;
}

}  // namespace

void Server::blockClient(Client& client, const std::vector<std::string_view>& argv,
                         std::vector<std::string> keys, int64_t deadline) {
  if (txps_.inExec) {
    // Inside EXEC (7.0's CLIENT_DENY_BLOCKING) a blocking command answers as if it timed out at
    // once: BLMOVE/BRPOPLPUSH a null bulk, the others a null array.
    const std::string_view name = argv[0];
    if (config::equalsNoCase(name, "blmove") || config::equalsNoCase(name, "brpoplpush")) {
      client.writer().null();
    } else {
      client.writer().nullArray();
    }
    return;
  }
  auto& b = client.block;
  b.blocked = true;
  b.argv.assign(argv.begin(), argv.end());
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  b.keys = std::move(keys);
  b.deadline = deadline;
  for (const auto& k : b.keys) blockedOnKey_[k].push_back(&client);
  blocked_.insert(&client);
  if (deadline > 0) armBlockTimer();
}

// Timeouts fire on time (as Redis's event loop waits for the nearest one), not at the next cron.
void Server::armBlockTimer() {
  if (base_ == nullptr) return;
  int64_t earliest = 0;
  for (const Client* c : blocked_) {
    int64_t d = c->block.deadline;
    if (d > 0 && (earliest == 0 || d < earliest)) earliest = d;
  }
  if (!blockTimer_) {
    blockTimer_.reset(event_new(base_.get(), -1, 0, net::callback<&Server::onBlockTimer>, this));
  }
  event_del(blockTimer_.get());
  if (earliest == 0) return;
  int64_t wait = std::max<int64_t>(0, earliest - nowMs());
  timeval tv{static_cast<time_t>(wait / 1000), static_cast<suseconds_t>((wait % 1000) * 1000)};
  event_add(blockTimer_.get(), &tv);
}

void Server::onBlockTimer(evutil_socket_t, short) {
  updateClock();
  checkBlockedTimeouts();
  armBlockTimer();
}

void Server::signalKeyReady(std::string_view key) {
  std::string k(key);
  if (blockedOnKey_.find(k) == blockedOnKey_.end()) return;
  if (readySet_.insert(k).second) readyKeys_.push_back(std::move(k));
}

bool Server::unblockFromCommand(Client& target, bool error) {
  if (!target.block.blocked) return false;
  unblock(target);
  if (error) {
    const size_t before = target.out().size();
    target.writer().error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
    countIfErrorReply(target, before);  // total_error_replies, errorstat_UNBLOCKED
  } else {
    target.writer().nullArray();  // as a timeout
  }
  unblocked_.push_back(&target);
  wantFlush(target);
  return true;
}

void Server::unblock(Client& client) {
  for (const auto& k : client.block.keys) {
    auto it = blockedOnKey_.find(k);
    if (it == blockedOnKey_.end()) continue;
    it->second.remove(&client);
    if (it->second.empty()) blockedOnKey_.erase(it);
  }
  client.block = Client::BlockState{};
  blocked_.erase(&client);
}

void Server::reprocessBlocked(Client& client) {
  std::vector<std::string> owned = client.block.argv;
  std::vector<std::string_view> argv(owned.begin(), owned.end());
  const CommandDef* def = commands_.find(argv[0]);
  if (def == nullptr) return;
  resp::Writer& w = client.writer();
  CommandContext ctx{*this, client, keyspace_, argv, w, *def};
  client.reprocessing = true;
  client.stillBlocked = false;
  const uint64_t dirtyBefore = keyspace_.dirty();
  const Propagator::Frame frame = persistence_->propagator().begin();
  try {
    def->handler(ctx);
  } catch (const std::exception& e) {
    w.error(std::string("ERR ") + e.what());
  }
  // A served pop propagates (as its non-blocking form, see lists.cpp) like any command.
  if (keyspace_.dirty() != dirtyBefore) propagateCommand(*def, argv);
  persistence_->propagator().end(frame);
  client.reprocessing = false;
  if (client.stillBlocked) return;
  unblock(client);
  unblocked_.push_back(&client);
  wantFlush(client);
}

void Server::handleReadyKeys() {
  servingBlocked_ = true;
  while (!readyKeys_.empty()) {
    std::vector<std::string> keys = std::move(readyKeys_);
    readyKeys_.clear();
    readySet_.clear();
    for (const auto& key : keys) {
      auto it = blockedOnKey_.find(key);
      if (it == blockedOnKey_.end()) continue;
      std::vector<Client*> waiting(it->second.begin(), it->second.end());
      for (Client* c : waiting) {
        Entry* e = keyspace_.peek(key);
        if (e == nullptr) break;
        if (!c->block.blocked || c->closed()) continue;
        // As Redis serves a ready key only to the clients blocked for its type (BLPOP stays
        // blocked on a key that became a zset).
        if (e->type() != blockedOnType(*c)) continue;
        reprocessBlocked(*c);
      }
    }
  }
  servingBlocked_ = false;
}

void Server::checkBlockedTimeouts() {
  std::vector<Client*> expired;
  for (Client* c : blocked_) {
    if (c->block.deadline > 0 && c->block.deadline <= nowCachedMs_) expired.push_back(c);
  }
  for (Client* c : expired) {
    unblock(*c);
    c->writer().nullArray();
    unblocked_.push_back(c);
    wantFlush(*c);
  }
}

void Server::resumeUnblocked() {
  for (size_t i = 0; i < unblocked_.size(); ++i) {
    Client* c = unblocked_[i];
    if (!c->closed() && !c->block.blocked) c->resume();
  }
  unblocked_.clear();
}

}  // namespace strata::node
