// Client-side caching: CLIENT TRACKING as Redis 7.0's tracking.c. The Server creates one
// Tracking the first time a client turns tracking on (Redis's TrackingTable == NULL test); until
// then a key change costs one null-pointer test.
//
//   read command of a tracking client ──Server::call──> rememberKeys ──> TrackingTable
//   Keyspace ModifiedHook / ExpiredHook ──> invalidateKey ──> "invalidate" message (or pending
//        for the running client: sent after its reply, flushPending) + PrefixTable keys
//   Keyspace FlushedHook (FLUSHALL/FLUSHDB) ──> invalidateOnFlush: a null invalidation to
//        every tracking client
//   beforeSleep ──> broadcast(): one message per BCAST prefix with its modified keys
//
// A message goes to the client itself as a RESP3 push (>2 "invalidate" [keys]), or to its
// REDIRECT client: a RESP3 push too, or for a RESP2 client subscribed to __redis__:invalidate a
// pub/sub message. Event-loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "node/server/tracking_table.h"

namespace strata::node {

class Client;
class Server;
struct CommandDef;

// One client's tracking state (Redis's CLIENT_TRACKING_* flags, redirection and prefixes).
struct ClientTracking {
  bool on = false;
  bool bcast = false;
  bool optin = false;
  bool optout = false;
  bool noloop = false;
  bool caching = false;            // CLIENT CACHING yes/no given for the next command
  bool brokenRedirect = false;     // the REDIRECT client is gone (flag R)
  uint64_t redirect = 0;           // 0: none
  std::set<std::string> prefixes;  // BCAST prefixes, byte order (kept until tracking goes off)
};

// CLIENT TRACKING's parsed options.
struct TrackingOptions {
  uint64_t redirect = 0;
  bool bcast = false;
  bool optin = false;
  bool optout = false;
  bool noloop = false;
  std::vector<std::string_view> prefixes;
};

class Tracking {
 public:
  explicit Tracking(Server& server) : server_(server) {}

  // enableTracking / disableTracking (the options were checked by CLIENT TRACKING).
  void enable(Client& client, const TrackingOptions& options);
  void disable(Client& client);
  // A read command ran with `current` (the client whose request it is) tracking: remember the
  // keys of `def`/`argv` for it, unless OPTIN/OPTOUT and CLIENT CACHING say otherwise.
  void rememberKeys(Client& current, const CommandDef& def,
                    const std::vector<std::string_view>& argv);
  // A key changed: invalidate it for the clients that read it; with `bcast`, record it for the
  // BCAST prefixes too. `by` is the client that changed it (nullptr: expiry, eviction) and
  // `current` the one whose request is running (nullptr: none), for NOLOOP and for deferring
  // the running client's own message until after its reply.
  void invalidateKey(std::string_view key, bool bcast, const Client* by, Client* current);
  // FLUSHALL / FLUSHDB: a null invalidation to every tracking client; the key table is emptied.
  void invalidateOnFlush(Client* current);
  // After the outermost command: the running client's deferred messages (its own invalidations).
  bool hasPending() const { return !pending_.empty(); }
  void flushPending(Client& current);
  // beforeSleep: each BCAST prefix's modified keys to its clients, then forgotten.
  void broadcast();
  // tracking-table-max-keys: invalidates keys until the table is within `maxKeys` (0: no
  // limit), with Redis's growing effort per call while it stays over.
  void limitKeys(size_t maxKeys);

  size_t clients() const { return clients_; }  // INFO tracking_clients
  size_t totalKeys() const { return table_.keys(); }
  size_t totalItems() const { return table_.items(); }
  size_t totalPrefixes() const { return prefixes_.size(); }

 private:
  // sendTrackingMessage: `payload` is the RESP value after the "invalidate" header (an array of
  // keys or a null).
  void send(Client& tracking, std::string_view payload);
  Client* clientById(uint64_t id) const;

  Server& server_;
  TrackingTable table_;
  PrefixTable prefixes_;
  size_t clients_ = 0;
  // The running client's own invalidations: keys, or nullopt-like `flush` entries for a flush.
  struct Pending {
    std::string key;
    bool flush;
  };
  std::vector<Pending> pending_;
  unsigned limitTimeouts_ = 0;  // Redis's timeout_counter: calls that ended still over the limit
};

}  // namespace strata::node
