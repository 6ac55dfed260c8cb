// Connection-level features shaped like Redis 7.0's multi.c, pubsub.c, slowlog.c and the
// CLIENT PAUSE/REPLY machinery of networking.c: the per-client state (ClientSession, one member
// of Client) and the server-wide registries (TxPubSub, one member of Server).
//
//   MULTI ──> transactionGate queues ──> EXEC: each queued command through Server::call()
//   WATCH ──> watched_[key] ──(Keyspace ModifiedHook: touchWatchedKey; FlushedHook:
//        touchAllWatchedKeys)──> session.dirtyCas
//   SUBSCRIBE ──> channels_[ch] ──PUBLISH──> publishLocal(): one encoding, appended to each
//                                             subscriber's output buffer
//   CLIENT PAUSE ──> transactionGate postpones the request (pipeline stops) ──> unpause: re-run
//   every call() ──> slowlogRecord (one comparison unless the command was slow)
//
// Owned by the event loop; every function runs on its thread. The code lives in
// server/transactions.cpp, server/pubsub.cpp, server/slowlog.cpp and server/client_pause.cpp;
// the commands in commands/transactions.cpp, pubsub.cpp, slowlog.cpp and client_control.cpp.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/net/handles.h"

namespace strata::node {

class Client;
class Server;
struct CommandDef;

// Heterogeneous lookup (find(std::string_view) without building a std::string).
struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringViewHash, std::equal_to<>>;
using StringSet = std::unordered_set<std::string, StringViewHash, std::equal_to<>>;

// One client's transaction, subscriptions and reply/pause state.
struct ClientSession {
  // MULTI / WATCH.
  struct Queued {
    const CommandDef* def;
    std::vector<std::string> argv;
  };
  struct Watched {
    std::string key;
    bool existed;  // live when WATCHed: gone at EXEC without a touch means it expired
  };
  bool multi = false;        // CLIENT_MULTI
  bool execAbort = false;    // CLIENT_DIRTY_EXEC: a command was rejected while queueing
  bool dirtyCas = false;     // CLIENT_DIRTY_CAS: a watched key was touched
  bool queuedWrite = false;  // a queued command may write/replicate (CLIENT PAUSE WRITE, gates)
  size_t queuedBytes = 0;    // multi-mem of CLIENT LIST
  std::vector<Queued> queued;
  std::vector<Watched> watched;

  // Pub/sub. Patterns keep subscription order (PUNSUBSCRIBE without arguments), as 7.0's list.
  StringSet channels;
  StringSet shardChannels;
  std::vector<std::string> patterns;
  bool pubsub = false;  // CLIENT_PUBSUB: RESP2 restricts the commands; pubsub output limits

  // CLIENT REPLY: OFF drops every reply; SKIP drops the next command's. Pub/sub pushes are sent
  // regardless (7.0's CLIENT_PUSHING). While a command runs, replyMark is the output size at its
  // start and pushKeep the end of the last push written since (bytes before it stay).
  bool replyOff = false;
  bool replySkip = false;
  bool replySkipNext = false;
  size_t replyMark = 0;
  size_t pushKeep = 0;
  bool running = false;

  bool noEvict = false;  // CLIENT NO-EVICT (flag 'e')

  // CLIENT PAUSE: the request held back until the pause ends (its pipeline waits behind it).
  bool postponed = false;
  std::vector<std::string> postponedArgv;

  size_t subscriptionCount() const { return channels.size() + patterns.size(); }
  bool suppressing() const { return replyOff || replySkip; }
  // Client::processInput brackets every request with these (CLIENT REPLY OFF/SKIP).
  void beforeCommand(size_t outSize) {
    running = true;
    replyMark = pushKeep = outSize;
  }
  void afterCommand(std::string& out);
  // Around a pub/sub push written to this client (subscribe confirmations, messages): pushes go
  // out even under CLIENT REPLY OFF/SKIP, so the running command's reply bytes before one are
  // dropped first and the push is kept.
  void beginPush(std::string& out);
  void endPush(size_t outSize) {
    if (running) pushKeep = outSize;
  }
};

// The slow log's entries, newest first.
struct SlowlogEntry {
  int64_t id;
  int64_t time;      // Unix seconds
  int64_t duration;  // microseconds
  std::vector<std::string> argv;
  std::string peer;
  std::string name;
};

enum class PauseType : uint8_t { kOff = 0, kWrite = 1, kAll = 2 };

// The server-wide registries.
struct TxPubSub {
  // WATCH: key -> clients watching it (a client appears once per key).
  StringMap<std::vector<Client*>> watched;
  bool inExec = false;  // EXEC is running its queued commands

  // Pub/sub: channel / shard channel / pattern -> subscribers, in subscription order.
  StringMap<std::vector<Client*>> channels;
  StringMap<std::vector<Client*>> shardChannels;
  StringMap<std::vector<Client*>> patterns;
  std::vector<Client*> deliveredScratch;  // publishLocal's receivers (capacity kept)

  // Slow log.
  std::deque<SlowlogEntry> slowlog;
  int64_t slowlogNextId = 0;

  // CLIENT PAUSE: the strictest type and latest end asked for; postponed clients in order.
  PauseType pauseType = PauseType::kOff;
  int64_t pauseEndMs = 0;
  std::vector<Client*> postponed;
  net::EventPtr pauseTimer;   // fires at pauseEndMs
  net::EventPtr resumeEvent;  // one-shot, next loop round: re-runs postponed requests
};

// Shared by the commands and the server side (transactions.cpp, pubsub.cpp, client_pause.cpp).
// A command that may write or replicate (CLIENT PAUSE WRITE holds it back).
bool mayReplicate(const CommandDef& def);
void watchKey(Server& server, Client& client, std::string_view key);
void unwatchAllKeys(Server& server, Client& client);
// EXEC: a key live when WATCHed is gone or expired now.
bool watchedKeyExpired(Server& server, Client& client);
// Leaves MULTI: drops the queue, the error/dirty flags and every WATCH.
void discardTransaction(Server& server, Client& client);
enum class PubsubKind : uint8_t { kChannel, kPattern, kShard };
// Adds / removes one subscription in the client and the registry; false if it was already
// there / was not there.
bool subscribe(Server& server, Client& client, std::string_view name, PubsubKind kind);
bool unsubscribe(Server& server, Client& client, std::string_view name, PubsubKind kind);
// Drops every channel, pattern and shard channel subscription, without replies.
void unsubscribeAll(Server& server, Client& client);
// Cluster: a slot this node or its master served was reassigned. Every shard channel of the slot
// is dropped and each of its subscribers gets a "sunsubscribe" push (Redis 7.0's
// removeChannelsInSlot), so clients resubscribe at the new owner.
void unsubscribeShardSlot(Server& server, uint16_t slot);
// CLIENT PAUSE: holds the request back (true) when a pause applies to it.
bool postponeIfPaused(Server& server, Client& client, const CommandDef& def,
                      const std::vector<std::string_view>& argv);
// RESP2 subscribed clients answer PING with ["pong", arg] (connection.cpp).
bool inPubsubContext(const Client& client);

}  // namespace strata::node
