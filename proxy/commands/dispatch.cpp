// The command classifier: decides for each parsed request whether the proxy answers it, routes
// it to the one node owning its keys' slot, splits it across slots, fans it out to every
// master, or runs it on a dedicated connection (blocking, transactions, pub/sub).
//
//   auth? ─> local (PING, HELLO, CLIENT ...) ─> transaction state ─> pub/sub ─> fan-out
//        ─> split (MGET, MSET, DEL ...) ─> blocking ─> single slot by key specs / CROSSSLOT
#include <strings.h>

#include <algorithm>
#include <charconv>

#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "common/slots/key_slot.h"
#include "proxy/client_conn.h"
#include "proxy/command_table.h"
#include "proxy/commands/aggregators.h"
#include "proxy/worker.h"

namespace strata::proxy {

namespace {

// Commands a plain client must not run through the proxy: they would act on one random node
// or break the connection model.
bool refused(std::string_view name) {
  static constexpr std::string_view kRefused[] = {
      "monitor",  "sync",         "psync",   "replicaof",      "slaveof",
      "shutdown", "debug",        "cluster", "failover",       "save",
      "bgsave",   "bgrewriteaof", "migrate", "restore-asking", "readwrite"};
  for (auto r : kRefused) {
    if (r == name) return true;
  }
  return false;
}

constexpr std::string_view kWaitLinkGone =
    "ERR proxy: the connection that carried this client's last write is closed; WAIT cannot "
    "count the replicas that acknowledged it";

}  // namespace

void ClientConn::replyLocal(Request* r) {
  worker_.complete(r);
}

void ClientConn::replyError(Request* r, std::string_view error) {
  r->reply.clear();
  writer(r).error(error);
  worker_.complete(r);
}

void ClientConn::replySimple(Request* r, std::string_view text) {
  r->reply.clear();
  writer(r).simpleString(text);
  worker_.complete(r);
}

void ClientConn::dispatch(Request* r, const Args& args) {
  const CommandTable* table = worker_.commands();
  const CommandInfo* info = table ? table->lookup(args) : nullptr;
  r->commandName = info ? info->name.c_str() : "unknown";
  r->commandId = info ? info->id : 0;
  lastCommandId_ = r->commandId;
  lastCommand_ = r->commandName;
  if (replyMode_ != ReplyMode::kOn) [[unlikely]] {  // CLIENT REPLY OFF / SKIP
    r->silent = true;
    if (replyMode_ == ReplyMode::kSkipNext) replyMode_ = ReplyMode::kOn;
  }

  // Fast path: an ordinary keyed command on an ordinary connection.
  if (info && !info->special && authenticated_ && !inMulti_ && !isSubscribed()) {
    if (!info->arityOk(args.size())) {
      replyError(r, "ERR wrong number of arguments for '" + info->name + "' command");
      return;
    }
    routeByKeys(r, args, info);
    return;
  }
  std::string name = config::toLower(args[0]);

  // Like Redis, whether a client must authenticate follows the live settings: a reload that
  // removes every password lets in clients that never authenticated (and re-adding one locks
  // them out again). The parser's unauthenticated-request limits follow from the next request.
  bool mustAuth = !authenticated_ && worker_.settings().authRequired();
  parser_.setAuthenticated(!mustAuth);
  if (mustAuth && name != "auth" && name != "hello" && name != "quit" && name != "reset") {
    replyError(r, errors::kNoAuth);
    return;
  }
  if (handleLocal(r, args, name)) return;
  if (handlePubSub(r, args, name)) return;
  if (handleTransaction(r, args, name, info)) return;

  if (info && !info->arityOk(args.size())) {
    // info->name: a subcommand's full name, as Redis ("config|set").
    replyError(r, "ERR wrong number of arguments for '" + info->name + "' command");
    return;
  }
  if (refused(name)) {
    replyError(r, "ERR command '" + name + "' is not available through the proxy");
    return;
  }

  // Fan-out commands: every master answers, the proxy merges.
  if (name == "dbsize") return fanOut(r, args, aggregateSum);
  if (name == "keys") return fanOut(r, args, aggregateConcatArrays);
  if (name == "flushall" || name == "flushdb") return fanOut(r, args, aggregateAllOk);
  if (name == "randomkey") return fanOut(r, args, aggregateFirstNonNull);
  if (name == "scan") return cmdScan(r, args);
  if (name == "info") return cmdInfo(r, args);
  if (name == "script" && args.size() >= 2) {
    std::string sub = config::toLower(args[1]);
    if (sub == "load") return fanOut(r, args, aggregateFirstReply);
    if (sub == "flush") return fanOut(r, args, aggregateAllOk);
    if (sub == "exists") return fanOut(r, args, aggregateAndIntegers);
    if (sub == "kill") return fanOut(r, args, aggregateKill, FanOutTo::kMastersDedicated);
  }
  // Subscribers are spread over the masters (Redis Cluster broadcasts PUBLISH): PUBSUB counts and
  // lists them all.
  if (name == "pubsub" && args.size() >= 2) {
    std::string sub = config::toLower(args[1]);
    if (sub == "channels" || sub == "shardchannels") return fanOut(r, args, aggregateUnion);
    if (sub == "numsub" || sub == "shardnumsub") return fanOut(r, args, aggregateCountsByName);
    if (sub == "numpat") return fanOut(r, args, aggregateSum);
  }
  // Function libraries live on every master, as scripts do: FCALL runs on the master of its
  // keys. LIST, DUMP and STATS read one master (the libraries are the same everywhere).
  if (name == "function" && args.size() >= 2) {
    std::string sub = config::toLower(args[1]);
    if (sub == "load") return fanOut(r, args, aggregateFirstReply);
    if (sub == "delete" || sub == "flush" || sub == "restore") {
      return fanOut(r, args, aggregateAllOk);
    }
    if (sub == "kill") return fanOut(r, args, aggregateKill, FanOutTo::kMastersDedicated);
  }
  // Settings belong to every node: a replica promoted later must have them too. CONFIG GET
  // reads one master, HELP is the node's (Redis's text): keyless, below.
  if (name == "config" && args.size() >= 2) {
    std::string sub = config::toLower(args[1]);
    if (sub == "set" || sub == "resetstat" || sub == "rewrite") {
      return fanOut(r, args, aggregateAllOk, FanOutTo::kEveryNode);
    }
  }
  if (name == "wait") {
    // WAIT counts replicas that acknowledged the writes made on the connection it runs on, so it
    // runs on the shared link that carried this client's latest write (ClientConn::lastWriteLink_).
    // Its deadline is its own timeout, so a long WAIT is never taken for a stuck node.
    if (args.size() == 3) {
      int64_t ms = 0;
      auto [end, ec] = std::from_chars(args[2].data(), args[2].data() + args[2].size(), ms);
      if (ec == std::errc() && end == args[2].data() + args[2].size() && ms >= 0) {
        r->deadline = ms == 0 ? Clock::time_point::max()
                              : r->started + std::chrono::milliseconds(ms) +
                                    std::chrono::milliseconds(worker_.settings().requestTimeoutMs);
      }
    }
    if (lastWriteLink_ != 0) {
      // That link closed (node killed, stopped past the deadline, failed over, reconnected):
      // no connection can vouch for the write any more. Any other link would answer for other
      // bytes (a fresh one at once with every connected replica), so refuse instead of guessing.
      BackendConn* conn = worker_.backends().findShared(lastWriteLink_);
      if (!conn) {
        replyError(r, kWaitLinkGone);
        return;
      }
      r->routed = true;
      r->pinned = true;  // never retried or redirected onto another link
      conn->send(r);
      return;
    }
    // No write yet, or the latest one is still waiting to be sent (retry list): the node of its
    // slot, as before.
    r->slot = lastWriteSlot_;
    worker_.route(r);
    return;
  }

  if (trySplit(r, args, name, info)) return;
  if (!info) {
    // Unknown to the cluster's command table: let a node answer with its own error.
    worker_.route(r);
    return;
  }
  routeByKeys(r, args, info);
}

void ClientConn::routeByKeys(Request* r, const Args& args, const CommandInfo* info) {
  int slot = -1;
  keyScratch_.clear();
  if (info->oneKeyAt1) {
    if (args.size() > 1) slot = slots::keySlot(args[1]);  // GET, SET...: keyPositions' fast path
  } else {
    CommandTable::keyPositions(*info, args, keyScratch_);
  }
  for (uint32_t pos : keyScratch_) {
    int s = slots::keySlot(args[pos]);
    if (slot == -1) {
      slot = s;
    } else if (s != slot) {
      replyError(r, errors::kCrossSlot);
      return;
    }
  }
  // PUBLISH has no key, but every PUBLISH to a channel must enter the cluster through one node:
  // published on different nodes, a client's messages reach a subscriber out of order (the
  // subscriber's own node delivers at once, the others over the cluster bus). So the channel's
  // slot picks the node, as for SPUBLISH.
  if (slot == -1 && args.size() >= 2 && info->name == "publish") slot = slots::keySlot(args[1]);
  r->slot = slot;
  r->readonly = info->has(kFlagReadonly) && !info->has(kFlagWrite);
  if (info->has(kFlagWrite) && slot >= 0) markWrite(r, slot);
  if (info->has(kFlagBlocking)) {
    bool blocks = true;
    if (info->name == "xread" || info->name == "xreadgroup") {
      blocks = std::any_of(args.begin(), args.end(), [](std::string_view a) {
        return a.size() == 5 && strncasecmp(a.data(), "block", 5) == 0;
      });
    }
    if (blocks) {
      runBlocking(r, args, info, slot);
      return;
    }
  }
  worker_.route(r);
}

}  // namespace strata::proxy
