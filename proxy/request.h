// One client command in flight through the proxy, and the per-worker pool that recycles them.
//
//   client ──parse──> Request{cmd bytes} ──> BackendConn (pipelined, shared) ──> node
//      ^                                                                         │
//      └── ClientConn writes replies in request order <── Request{reply bytes} <─┘
//
// A Request sits in its client's ordered queue from parse until its reply is written, and in at
// most one backend queue while it waits for a reply. Split and fan-out commands make a parent
// whose children go to different backends; the parent completes when all children have and its
// Aggregator merges their replies. A client that disconnects orphans its requests (client ==
// nullptr): backends still complete them, then they return to the pool. Worker thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace strata::proxy {

class BackendConn;
class ClientConn;
struct CommandInfo;
struct Request;

using Clock = std::chrono::steady_clock;

// Merges the children's replies into the parent's reply (called once, when all are done).
using Aggregator = void (*)(Request& parent);

struct Request {
  enum class State : uint8_t { kNew, kQueued, kSent, kDone };

  ClientConn* client = nullptr;  // null once orphaned or for internal requests
  Request* parent = nullptr;
  std::vector<Request*> children;
  int pendingChildren = 0;
  Aggregator aggregate = nullptr;

  std::string cmd;    // the command as RESP bytes, exactly what is sent to the backend
  std::string reply;  // the complete reply as RESP bytes, written to the client as is
  State state = State::kNew;
  bool inBackend = false;  // owned by a backend queue until its reply arrives
  bool asking = false;     // send ASKING first (after an -ASK redirection)
  bool readonly = false;   // may be served by a replica
  bool exclusive = false;  // runs on a dedicated backend connection (blocking, transaction)
  bool resp3 = false;      // the client speaks RESP3: use a RESP3 backend link
  bool pinned = false;     // bound to one connection: redirections reach the client as is
  bool inRetry = false;    // waiting in the worker's retry list (backoff before re-routing)
  bool routed = false;     // went through Worker::route on a shared link: the deadline sweep may
                           // answer it (exclusive, pub/sub and local requests have other owners)
  bool silent = false;     // CLIENT REPLY OFF / SKIP: its reply is dropped, not written
  uint8_t redirects = 0;
  uint8_t retries = 0;
  int slot = -1;          // -1: keyless
  int shardIndex = -1;    // fan-out children: the shard they target
  int replicaIndex = -1;  // with shardIndex: that shard's replica (-1: its master)
  int64_t tag = 0;        // command-specific scratch (e.g. SCAN shard index, key count)
  uint64_t writeSeq = 0;  // a write: its number among its client's writes (WAIT follows the
                          // shared link that carries the latest one); 0 for other requests
  size_t childBytes = 0;  // parent: reply bytes its children returned so far (fan-out bound)
  bool tooLarge = false;  // parent: the children\'s replies passed max-fanout-reply-bytes
  const char* commandName = "unknown";  // for metrics; points into the command table
  uint16_t commandId = 0;               // CommandInfo::id, 0 when unknown
  Clock::time_point started;
  Clock::time_point deadline;

  // The dedicated connection an exclusive request runs on (blocking commands).
  BackendConn* lease = nullptr;

  // Intrusive links: the client's ordered queue.
  Request* nextInClient = nullptr;

  bool done() const { return state == State::kDone; }
  // Nobody waits for it any more: whoever holds it last (backend, retry list) releases it.
  bool orphaned() const { return client == nullptr && parent == nullptr; }
  void resetForReuse();
};

// Recycles Requests (and the capacity of their strings) so the steady state allocates nothing.
class RequestPool {
 public:
  RequestPool() = default;
  RequestPool(const RequestPool&) = delete;
  ~RequestPool();

  Request* acquire();
  void release(Request* r);
  size_t live() const { return live_; }

 private:
  std::vector<Request*> free_;
  size_t live_ = 0;
};

}  // namespace strata::proxy
