// A worker thread: one libevent loop that owns a share of the client connections, its own
// backend connections (BackendPool), its own copy of the slot map and its own request pool, so
// the data path shares nothing with other workers and takes no locks. Other threads talk to a
// worker only through post() (new clients from the listener, new slot maps from the topology
// thread, reloads and shutdown from the server).
//
// Each epoll round (event_base_loop with EVLOOP_ONCE: every ready callback) ends with endOfTurn():
// writes queued during the round go out in one batch per connection (clients and backends), then
// closed connections are deleted, as Redis's beforeSleep.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/net/handles.h"
#include "common/net/tls_context.h"
#include "proxy/backend_pool.h"
#include "proxy/command_table.h"
#include "proxy/metrics.h"
#include "proxy/request.h"
#include "proxy/settings.h"
#include "proxy/slot_map.h"

namespace strata::proxy {

class ClientConn;

// State shared by all workers; each member is either immutable after start or thread-safe.
struct SharedState {
  std::atomic<std::shared_ptr<const ProxySettings>> settings;
  std::atomic<std::shared_ptr<const CommandTable>> commands;
  net::TlsContextSlot clientTls;
  net::TlsContextSlot backendTls;
  std::unique_ptr<ProxyMetrics> metrics;
  std::function<void()> requestTopologyRefresh;  // thread-safe, rate-limited by the topology
  std::atomic<uint64_t> nextClientId{1};
  std::atomic<int> clients{0};
  std::atomic<bool> draining{false};
  Clock::time_point startTime = Clock::now();
  std::atomic<std::shared_ptr<const SlotMap>> slotMap;  // latest published map (for INFO, readyz)
  std::vector<Worker*> workers;  // every worker, set before any starts (CLIENT LIST / KILL)
};

class Worker {
 public:
  Worker(int id, SharedState& shared);
  ~Worker();
  Worker(const Worker&) = delete;

  void start();
  void join();
  // Runs `fn` on the worker thread (thread-safe).
  void post(std::function<void()> fn);

  // Thread-safe entry points.
  void adoptClient(net::UniqueFd fd, bool tls);
  void setSlotMap(std::shared_ptr<const SlotMap> map);
  void reloadSettings();
  void stop();   // closes everything now
  void drain();  // stops reading from clients; exits once every in-flight request is answered
  bool finished() const { return finished_.load(); }  // the loop has exited (any thread)

  // Worker-thread API used by connections and command handlers.
  int id() const { return id_; }
  event_base* base() { return base_.get(); }
  const ProxySettings& settings() const { return *settings_; }
  std::shared_ptr<const net::TlsContext> backendTls() const { return shared_.backendTls.load(); }
  SharedState& shared() { return shared_; }
  WorkerMetrics& metrics() { return metrics_; }
  const SlotMap& slotMap() const { return *slotMap_; }
  bool hasSlotMap() const { return slotMap_->coveredSlots() > 0; }
  const CommandTable* commands() const { return commands_.get(); }
  RequestPool& requests() { return requests_; }
  BackendPool& backends() { return backends_; }

  // Routing: sends `r` to the master of r->slot (keyless: any master), or retries later if the
  // node is down or unknown, until r->deadline.
  void route(Request* r);
  void sendTo(Request* r, const Address& address);
  // Runs `r` on a dedicated connection (blocking commands).
  void sendExclusive(Request* r, const Address& address);
  // `r`'s reply is in r->reply: hands it to its parent or client.
  void complete(Request* r);
  // A parent whose last child just completed: merges (or reports an oversized merge), completes.
  void finishParent(Request* parent);
  // Completes `r` with an error reply (text without '-' and CRLF).
  void fail(Request* r, std::string_view error);
  // The caller no longer needs `r` (client gone, or reply written): frees it now or, if a
  // backend or the retry list still holds it, lets them free it.
  void discard(Request* r);
  void retryLater(Request* r);
  // Answers a routed client request that is still unanswered past its deadline with a timeout
  // error, detaching its children (whoever still holds them frees them; late replies are
  // dropped). The tick's safety net behind the per-link and retry-list deadline checks.
  void expire(Request* r, Clock::time_point now);

  // Backend callbacks.
  void onBackendReply(BackendConn& conn, Request* r, const char* data, size_t len);
  void onBackendFailed(BackendConn& conn, Request* r, bool written, std::string_view why);
  void onBackendClosed(BackendConn& conn, std::string_view why, bool failure);

  void markDirty(BackendConn* conn);
  void markDirty(ClientConn* client);
  void endOfTurn();
  void removeClient(ClientConn* client);
  size_t clientCount() const { return clients_.size(); }
  template <typename F>
  void forEachClient(F&& f) {
    for (ClientConn* c : clients_) f(*c);
  }
  // The client with this id if it is still connected to this worker (a scan: admin paths only).
  ClientConn* findClient(uint64_t id) const;
  // Runs `collect` on every worker's thread (this one included), then `done` on this worker's
  // thread with their results in worker order: what one server's CLIENT LIST / CLIENT KILL see
  // of all its clients. `done` must look its client up again (findClient): it may be gone.
  void onEveryWorker(std::function<std::string(Worker&)> collect,
                     std::function<void(std::vector<std::string>)> done);

  // Request deadline from now.
  Clock::time_point deadlineFromNow() const;
  // The time, read once per loop round (cheap on the request path).
  Clock::time_point now() {
    if (!nowValid_) {
      now_ = Clock::now();
      nowValid_ = true;
    }
    return now_;
  }

 private:
  void run();
  void onWakeup(evutil_socket_t, short);
  void onTick(evutil_socket_t, short);
  void onRetryTimer(evutil_socket_t, short);
  void armRetryTimer();
  void applyMoved(uint16_t slot, const Address& to);
  void maybeFinishDrain();

  int id_;
  SharedState& shared_;
  net::EventBasePtr base_;
  net::UniqueFd wakeFd_;  // eventfd: post() from any thread wakes the loop through it
  net::EventPtr wakeup_;
  net::EventPtr tick_;
  net::EventPtr retryTimer_;
  bool retryArmed_ = false;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::function<void()>> inbox_;

  std::shared_ptr<const ProxySettings> settings_;
  std::shared_ptr<const SlotMap> slotMap_;
  std::shared_ptr<const CommandTable> commands_;
  WorkerMetrics metrics_;
  RequestPool requests_;
  BackendPool backends_;
  std::unordered_set<ClientConn*> clients_;
  std::vector<ClientConn*> dirtyClients_;
  std::vector<BackendConn*> dirtyBackends_;
  std::vector<BackendConn*> flushingBackends_;  // scratch: keeps its capacity between turns
  std::vector<ClientConn*> flushingClients_;
  std::vector<ClientConn*> closedClients_;
  std::vector<std::pair<Clock::time_point, Request*>> retries_;
  size_t keylessRoundRobin_ = 0;
  std::atomic<bool> finished_{false};
  bool draining_ = false;
  bool stopping_ = false;
  bool exit_ = false;  // leave the loop after this round
  Clock::time_point now_{};
  bool nowValid_ = false;
  // Shared backend link per shard index of slotMap_, RESP2 and RESP3: skips the pool's lookup
  // on the request path. Cleared whenever the map changes or any backend link closes.
  std::vector<BackendConn*> shardLinks_[2];
  void clearShardLinks() {
    shardLinks_[0].clear();
    shardLinks_[1].clear();
  }
  Clock::time_point lastRefreshRequest_{};
  Clock::time_point lastSweepLog_{};
  std::vector<Request*> sweepScratch_;  // the deadline sweep's overdue requests of one client
};

}  // namespace strata::proxy
