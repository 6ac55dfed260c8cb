// A worker's connections to the cluster nodes: a few shared, pipelined connections per node
// (settings.backendConnections, chosen round-robin) and exclusive connections leased to one
// client at a time for blocking commands, transactions and pub/sub. Remembers which nodes failed
// recently (exponential backoff) so a dead node costs one failed connect per backoff window, not
// one per request. Closed connections are deleted at the end of the loop turn (collect()), never
// under a caller's feet. Worker thread only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "proxy/backend_conn.h"

namespace strata::proxy {

class BackendPool {
 public:
  explicit BackendPool(Worker& worker) : worker_(worker) {}
  ~BackendPool();

  // A shared connection to `address` (connecting if needed), or nullptr if it can't be made now.
  BackendConn* shared(const Address& address, bool resp3);
  // The shared connection with BackendConn::id() `id` if it is still open, else nullptr (never
  // connects). A scan of every shared link: for WAIT, not the request path.
  BackendConn* findShared(uint64_t id);
  // A dedicated connection (from the idle cache or new). Give it back with release(). nullptr
  // when none can be opened now (the node failed recently, or socket()/connect() failed, e.g.
  // EMFILE): leaseFailure() then says why, and the caller answers its client at once.
  BackendConn* lease(const Address& address, bool resp3);
  // The error for the client whose lease() just failed (no '-', no CRLF): "ERR proxy: cannot
  // open a dedicated connection to <node> (<why>)".
  const std::string& leaseFailure() const { return leaseFailure_; }
  // Ends a lease: a clean connection returns to the idle cache, otherwise it is closed.
  void release(BackendConn* conn, bool clean);

  // Backoff bookkeeping, fed by the worker when connections fail or succeed.
  void noteFailure(const Address& address);
  void noteSuccess(const Address& address);
  bool isDown(const Address& address) const;
  bool anyDown() const;

  // Deletes connections closed since the last call (cheap when none closed).
  void collect();
  void noteClosed() { needsCollect_ = true; }
  // Closes shared connections idle for longer than `idle` and connections to nodes that are no
  // longer in the slot map. Calls `visit` on every live connection (deadline checks).
  template <typename F>
  void forEach(F&& visit) {
    for (auto& [addr, list] : shared_) {
      for (auto& c : list) {
        if (!c->closed()) visit(*c);
      }
    }
    for (auto& c : leased_) {
      if (!c->closed()) visit(*c);
    }
  }
  void closeAll(std::string_view why);
  size_t connectionCount() const;

 private:
  struct Backoff {
    Clock::time_point until;
    int failures = 0;
  };

  using Key = std::pair<Address, bool>;  // node, RESP3
  BackendConn* fresh(const Address& address, BackendConn::Mode mode, bool resp3);
  // Moves the closed connections of `list` to the graveyard (deleted by collect()).
  void buryClosed(std::vector<std::unique_ptr<BackendConn>>& list);

  Worker& worker_;
  std::map<Key, std::vector<std::unique_ptr<BackendConn>>> shared_;
  std::map<Key, size_t> roundRobin_;
  std::vector<std::unique_ptr<BackendConn>> leased_;
  std::map<Key, std::vector<std::unique_ptr<BackendConn>>> idle_;
  std::vector<std::unique_ptr<BackendConn>> graveyard_;
  std::map<Address, Backoff> down_;
  bool needsCollect_ = false;
  size_t idleCount_ = 0;  // connections in idle_ (kMaxIdleLeases bounds it: reserved descriptors)
  std::string leaseFailure_;
  std::string connectFailure_;  // why the latest fresh() connect failed at once
};

}  // namespace strata::proxy
