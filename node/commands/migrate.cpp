// DUMP, RESTORE, RESTORE-ASKING and MIGRATE, as Redis 7.0's cluster.c: DUMP serializes a value
// as Redis's DUMP payload (keyspace/value_codec.h: RDB object + version + CRC64, so payloads move
// between us and redis-server both ways), RESTORE checks and loads one, and MIGRATE
// moves keys to another node through a cached link (migrate/migrate_sockets.h):
//
//   source MIGRATE host port "" 0 timeout [COPY] [REPLACE] [AUTH..] KEYS k1 k2
//     -> [AUTH] [SELECT db] RESTORE-ASKING k1 ttl payload [REPLACE] ... (one pipelined write)
//     <- +OK per command (within timeout each); then local DEL of every acknowledged key
//
// RESTORE-ASKING is RESTORE with the ASKING flag (the cluster gate admits it on an importing
// slot). Event-loop thread; MIGRATE blocks the loop up to its timeout per step, like Redis.
#include <cctype>
#include <string>
#include <vector>

#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "node/commands/handlers.h"
#include "node/keyspace/value_codec.h"
#include "node/migrate/migrate_sockets.h"
#include "node/server/node_tls.h"
#include "node/server/server.h"

namespace strata::node {

MigrateSockets& Server::migrateSockets() {
  if (!migrateSockets_) migrateSockets_ = std::make_unique<MigrateSockets>(base_.get());
  return *migrateSockets_;
}

namespace {

constexpr std::string_view kBusyKey = "BUSYKEY Target key name already exists.";
constexpr std::string_view kBadPayload = "ERR DUMP payload version or checksum are wrong";
constexpr std::string_view kBadFormat = "ERR Bad data format";

// Redis's getLongFromObject for MIGRATE's db and timeout (string2ll, then the range of long).
bool parseLong(std::string_view s, int64_t& out) {
  return parseInt64(s, out);
}

void restoreImpl(CommandContext& ctx) {
  int64_t lfuFreq = -1, lruIdle = -1;
  bool replace = false, absTtl = false;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    const size_t additional = ctx.argc() - j - 1;
    std::string_view opt = ctx.arg(j);
    if (config::equalsNoCase(opt, "replace")) {
      replace = true;
    } else if (config::equalsNoCase(opt, "absttl")) {
      absTtl = true;
    } else if (config::equalsNoCase(opt, "idletime") && additional >= 1 && lfuFreq == -1) {
      if (!intArgOrReply(ctx, ctx.arg(j + 1), lruIdle)) return;
      if (lruIdle < 0) {
        ctx.w.error("ERR Invalid IDLETIME value, must be >= 0");
        return;
      }
      ++j;
    } else if (config::equalsNoCase(opt, "freq") && additional >= 1 && lruIdle == -1) {
      if (!intArgOrReply(ctx, ctx.arg(j + 1), lfuFreq)) return;
      if (lfuFreq < 0 || lfuFreq > 255) {
        ctx.w.error("ERR Invalid FREQ value, must be >= 0 and <= 255");
        return;
      }
      ++j;
    } else {
      ctx.w.error(errors::kSyntax);
      return;
    }
  }
  const std::string_view key = ctx.arg(1);
  if (!replace && ctx.ks.find(key) != nullptr) {
    ctx.w.error(kBusyKey);
    return;
  }
  int64_t ttl = 0;
  if (!intArgOrReply(ctx, ctx.arg(2), ttl)) return;
  if (ttl < 0) {
    ctx.w.error("ERR Invalid TTL value, must be >= 0");
    return;
  }
  Value value;
  std::string scratch;  // LZF-compressed and int-encoded string values are decoded here
  switch (codec::decode(ctx.arg(3), value, scratch, rdb::loadLimits(ctx.server.settings()))) {
    case codec::DecodeStatus::kOk:
      break;
    case codec::DecodeStatus::kBadChecksum:
      ctx.w.error(kBadPayload);
      return;
    case codec::DecodeStatus::kBadFormat:
      ctx.w.error(kBadFormat);
      return;
  }
  const bool deleted = replace && ctx.ks.erase(key);
  const Millis now = ctx.ks.now();
  if (ttl != 0 && !absTtl) ttl += now;
  // checkAlreadyExpired: a master drops a key restored already expired (a replica keeps it and
  // waits for its master's DEL); a replaced key then propagates as DEL.
  if (ttl != 0 && ttl <= now && !ctx.server.isReplica()) {
    if (deleted && ctx.server.propagationActive()) ctx.server.propagateAs({"DEL", key});
    if (deleted) ctx.server.notifyKeyspaceEvent(notify::kGeneric, "del", key);
    ctx.w.ok();
    return;
  }
  Entry* e = ctx.ks.set(key, std::move(value));
  // As dbAdd: clients blocked on this key (BLPOP, BZPOPMIN, ...) get a chance to be served.
  if (e->type() == ValueType::kList || e->type() == ValueType::kZSet) {
    ctx.server.signalKeyReady(key);
  }
  if (ttl != 0) {
    ctx.ks.setExpireAt(e, ttl);
    // A relative TTL propagates as an absolute one: argv[2] rewritten, ABSTTL appended.
    if (!absTtl && ctx.server.propagationActive()) {
      const std::string at = std::to_string(ttl);
      std::vector<std::string_view> argv(ctx.argv.begin(), ctx.argv.end());
      argv[2] = at;
      argv.emplace_back("ABSTTL");
      ctx.server.propagateAs(argv);
    }
  }
  ctx.ks.setLruOrLfu(e, lfuFreq, lruIdle);  // IDLETIME / FREQ
  ctx.server.notifyKeyspaceEvent(notify::kGeneric, "restore", key);
  ctx.w.ok();
}

}  // namespace

namespace cmd {

void dump(CommandContext& ctx) {
  Entry* e = lookupRead(ctx, ctx.arg(1));
  if (e == nullptr) {
    ctx.w.null();
    return;
  }
  std::string payload;
  codec::encode(*e, payload);
  ctx.w.bulk(payload);
}

void restore(CommandContext& ctx) {
  restoreImpl(ctx);
}

void restoreAsking(CommandContext& ctx) {
  restoreImpl(ctx);
}

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw]
// [KEYS key ...]: Redis 7.0's migrateCommand step by step, including its one retry on a fresh
// connection when the cached one fails before anything was processed (not after a timeout).
void migrate(CommandContext& ctx) {
  bool copy = false, replace = false;
  size_t firstKey = 3, numKeys = 1;
  std::string_view password, username;
  bool hasPassword = false, hasUsername = false;
  for (size_t j = 6; j < ctx.argc(); ++j) {
    const size_t moreArgs = ctx.argc() - 1 - j;
    std::string_view opt = ctx.arg(j);
    if (config::equalsNoCase(opt, "copy")) {
      copy = true;
    } else if (config::equalsNoCase(opt, "replace")) {
      replace = true;
    } else if (config::equalsNoCase(opt, "auth")) {
      if (moreArgs == 0) {
        ctx.w.error(errors::kSyntax);
        return;
      }
      password = ctx.arg(++j);
      hasPassword = true;
    } else if (config::equalsNoCase(opt, "auth2")) {
      if (moreArgs < 2) {
        ctx.w.error(errors::kSyntax);
        return;
      }
      username = ctx.arg(++j);
      password = ctx.arg(++j);
      hasUsername = hasPassword = true;
    } else if (config::equalsNoCase(opt, "keys")) {
      if (!ctx.arg(3).empty()) {
        ctx.w.error(
            "ERR When using MIGRATE KEYS option, the key argument must be set to the empty "
            "string");
        return;
      }
      firstKey = j + 1;
      numKeys = ctx.argc() - j - 1;
      break;
    } else {
      ctx.w.error(errors::kSyntax);
      return;
    }
  }
  int64_t timeout = 0, dbid = 0;
  if (!parseLong(ctx.arg(5), timeout) || !parseLong(ctx.arg(4), dbid)) {
    ctx.w.error(errors::kNotInteger);
    return;
  }
  if (timeout <= 0) timeout = 1000;

  // The keys that are here; none at all is +NOKEY (often a key that just expired).
  std::vector<std::string_view> keys;
  keys.reserve(numKeys);
  for (size_t j = 0; j < numKeys; ++j) {
    if (lookupRead(ctx, ctx.arg(firstKey + j)) != nullptr) keys.push_back(ctx.arg(firstKey + j));
  }
  if (keys.empty()) {
    ctx.w.simpleString("NOKEY");
    return;
  }

  const std::string_view host = ctx.arg(1), port = ctx.arg(2);
  const bool cluster = ctx.server.settings().clusterEnabled;
  MigrateSockets& sockets = ctx.server.migrateSockets();
  std::string cmd, payload, dbText = std::to_string(dbid), ttlText;
  std::vector<std::string_view> sent;  // keys with a RESTORE in this attempt
  bool mayRetry = true;
  for (;;) {
    // tls-cluster yes: MIGRATE speaks TLS to the other nodes (Redis's connTypeOfCluster()).
    const net::TlsContext* tls =
        ctx.server.settings().tlsCluster ? ctx.server.tls().client().get() : nullptr;
    MigrateLink* link = sockets.get(host, port, timeout, tls);
    if (link == nullptr) {
      ctx.w.error("IOERR error or timeout connecting to the client");
      return;
    }
    cmd.clear();
    sent.clear();
    resp::Writer out(cmd);
    if (hasPassword) {
      if (hasUsername) {
        out.command({"AUTH", username, password});
      } else {
        out.command({"AUTH", password});
      }
    }
    const bool select = link->lastDbid != dbid;
    if (select) out.command({"SELECT", dbText});
    for (std::string_view key : keys) {
      Entry* e = ctx.ks.peek(key);
      if (e == nullptr) continue;  // expired since the first lookup
      int64_t ttl = 0;
      const Millis at = ctx.ks.expireAt(e);
      if (at != -1) {
        ttl = at - ctx.ks.now();
        if (ttl < 0) continue;
        if (ttl < 1) ttl = 1;
      }
      payload.clear();
      codec::encode(*e, payload);
      ttlText = std::to_string(ttl);
      std::string_view name = cluster ? "RESTORE-ASKING" : "RESTORE";
      if (replace) {
        out.command({name, key, ttlText, payload, "REPLACE"});
      } else {
        out.command({name, key, ttlText, payload});
      }
      sent.push_back(key);
    }

    bool writeError = false, socketError = false, timedOut = false;
    resp::Value authReply, selectReply, reply;
    size_t acked = 0, answered = 0;
    bool errorFromTarget = false;
    std::vector<std::string_view> deleted;  // views of argv
    if (!link->writeAll(cmd, timeout)) {
      writeError = socketError = true;
    } else if ((hasPassword && !link->readReply(authReply, timeout)) ||
               (select && !link->readReply(selectReply, timeout))) {
      socketError = true;
    } else {
      for (; answered < sent.size(); ++answered) {
        if (!link->readReply(reply, timeout)) {
          socketError = true;
          break;
        }
        const resp::Value* err = nullptr;
        if (hasPassword && authReply.isError()) {
          err = &authReply;
        } else if (select && selectReply.isError()) {
          err = &selectReply;
        } else if (reply.isError()) {
          err = &reply;
        }
        if (err != nullptr) {
          if (!errorFromTarget) {
            link->lastDbid = -1;  // on error assume the selected db is no longer known
            errorFromTarget = true;
            ctx.w.error("ERR Target instance replied with error: " + err->str);
          }
        } else if (!copy) {
          // No COPY: remove the local key (propagated as DEL, see below).
          ctx.ks.erase(sent[answered]);
          ctx.server.notifyKeyspaceEvent(notify::kGeneric, "del", sent[answered]);
          deleted.push_back(sent[answered]);
          ++acked;
        }
      }
    }
    if (socketError) timedOut = link->timedOut();
    // A failure before any reply on a cached link that simply went away: one retry on a new
    // connection (never after a timeout).
    if (socketError && !errorFromTarget && answered == 0 && mayRetry && !timedOut) {
      sockets.close(host, port);
      mayRetry = false;
      continue;
    }
    if (socketError) sockets.close(host, port);
    // Replicas and the AOF see a DEL of the acknowledged keys, never the MIGRATE itself.
    if (acked > 0 && ctx.server.propagationActive()) {
      std::vector<std::string_view> del{"DEL"};
      del.insert(del.end(), deleted.begin(), deleted.end());
      ctx.server.propagateAs(del);
    }
    if (socketError && !errorFromTarget) {
      ctx.w.error(std::string("IOERR error or timeout ") + (writeError ? "writing" : "reading") +
                  " to target instance");
      return;
    }
    if (!errorFromTarget) {
      link->lastDbid = dbid;
      ctx.w.ok();
    }
    return;
  }
}

}  // namespace cmd
}  // namespace strata::node
