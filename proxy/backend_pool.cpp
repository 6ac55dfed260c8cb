// Backend connection bookkeeping: shared round-robin connections, leases, node backoff and
// deferred deletion.
#include "proxy/backend_pool.h"

#include <algorithm>

#include "proxy/open_files_reserve.h"
#include "proxy/worker.h"

namespace strata::proxy {

namespace {
constexpr size_t kMaxIdlePerNode = 8;
constexpr auto kBackoffBase = std::chrono::milliseconds(50);
constexpr auto kBackoffMax = std::chrono::milliseconds(1000);
}  // namespace

BackendPool::~BackendPool() {
  closeAll("proxy shutting down");
}

BackendConn* BackendPool::fresh(const Address& address, BackendConn::Mode mode, bool resp3) {
  auto conn = std::make_unique<BackendConn>(worker_, address, mode, resp3);
  BackendConn* raw = conn.get();
  if (mode == BackendConn::Mode::kShared) {
    shared_[Key(address, resp3)].push_back(std::move(conn));
  } else {
    leased_.push_back(std::move(conn));
  }
  // A connect that fails at once closes the connection: keep its reason for leaseFailure().
  raw->setCloseHandler([this](std::string_view why) { connectFailure_ = why; });
  const bool connecting = raw->connect();
  if (!raw->closed()) raw->setCloseHandler(nullptr);
  if (!connecting) {
    // Closed already: a shared link is swept by collect(); a lease must be ended here or it
    // would stay in leased_ for good.
    if (mode == BackendConn::Mode::kExclusive) release(raw, false);
    return nullptr;
  }
  return raw;
}

BackendConn* BackendPool::shared(const Address& address, bool resp3) {
  Key key(address, resp3);
  auto& list = shared_[key];
  buryClosed(list);  // closed ones first, so they are neither counted nor picked
  size_t wanted = static_cast<size_t>(std::max(1, worker_.settings().backendConnections));
  if (list.size() < wanted) {
    if (isDown(address)) return list.empty() ? nullptr : list.front().get();
    return fresh(address, BackendConn::Mode::kShared, resp3);
  }
  size_t& rr = roundRobin_[key];
  return list[rr++ % list.size()].get();
}

BackendConn* BackendPool::findShared(uint64_t id) {
  for (auto& [key, list] : shared_) {
    for (auto& c : list) {
      if (c->id() == id) return c->closed() ? nullptr : c.get();
    }
  }
  return nullptr;
}

BackendConn* BackendPool::lease(const Address& address, bool resp3) {
  auto it = idle_.find(Key(address, resp3));
  if (it != idle_.end()) {
    while (!it->second.empty()) {
      auto conn = std::move(it->second.back());
      it->second.pop_back();
      --idleCount_;
      if (conn->closed()) {
        graveyard_.push_back(std::move(conn));
        continue;
      }
      BackendConn* raw = conn.get();
      leased_.push_back(std::move(conn));
      return raw;
    }
  }
  if (isDown(address)) {
    leaseFailure_ = "ERR proxy: cannot open a dedicated connection to " + address.str() +
                    " (the node failed recently; retrying it after a backoff)";
    return nullptr;
  }
  connectFailure_.clear();
  BackendConn* conn = fresh(address, BackendConn::Mode::kExclusive, resp3);
  if (!conn) {
    leaseFailure_ = "ERR proxy: cannot open a dedicated connection to " + address.str() + " (" +
                    (connectFailure_.empty() ? "connect failed" : connectFailure_) + ")";
  }
  return conn;
}

void BackendPool::release(BackendConn* conn, bool clean) {
  auto it =
      std::find_if(leased_.begin(), leased_.end(), [&](const auto& p) { return p.get() == conn; });
  if (it == leased_.end()) return;
  std::unique_ptr<BackendConn> owned = std::move(*it);
  leased_.erase(it);
  conn->setPushHandler(nullptr);
  conn->setCloseHandler(nullptr);
  auto& idle = idle_[Key(conn->address(), conn->resp3())];
  if (clean && !conn->closed() && conn->pendingCount() == 0 && idle.size() < kMaxIdlePerNode &&
      idleCount_ < static_cast<size_t>(kMaxIdleLeasesPerWorker)) {
    idle.push_back(std::move(owned));
    ++idleCount_;
  } else {
    if (!conn->closed()) conn->close("lease ended", false);
    graveyard_.push_back(std::move(owned));
  }
}

void BackendPool::noteFailure(const Address& address) {
  Backoff& b = down_[address];
  b.failures = std::min(b.failures + 1, 10);
  auto delay = std::min<Clock::duration>(kBackoffBase * (1 << (b.failures - 1)), kBackoffMax);
  b.until = Clock::now() + delay;
}

void BackendPool::noteSuccess(const Address& address) {
  if (down_.empty()) return;  // every reply calls this: skip the map lookup in the usual case
  down_.erase(address);
}

bool BackendPool::isDown(const Address& address) const {
  auto it = down_.find(address);
  return it != down_.end() && Clock::now() < it->second.until;
}

bool BackendPool::anyDown() const {
  for (const auto& [addr, b] : down_) {
    if (b.failures > 0) return true;
  }
  return false;
}

void BackendPool::buryClosed(std::vector<std::unique_ptr<BackendConn>>& list) {
  for (auto it = list.begin(); it != list.end();) {
    if ((*it)->closed()) {
      graveyard_.push_back(std::move(*it));
      it = list.erase(it);
    } else {
      ++it;
    }
  }
}

void BackendPool::collect() {
  if (!needsCollect_ && graveyard_.empty()) return;
  needsCollect_ = false;
  // Closed connections, shared or idle, move to the graveyard.
  for (auto* pool : {&shared_, &idle_}) {
    for (auto& [addr, list] : *pool) buryClosed(list);
  }
  idleCount_ = 0;
  for (const auto& [addr, list] : idle_) idleCount_ += list.size();
  graveyard_.clear();
}

void BackendPool::closeAll(std::string_view why) {
  for (auto& [addr, list] : shared_) {
    for (auto& c : list) c->close(why, false);
  }
  for (auto& c : leased_) c->close(why, false);
  for (auto& [addr, list] : idle_) {
    for (auto& c : list) c->close(why, false);
  }
}

size_t BackendPool::connectionCount() const {
  size_t n = leased_.size();
  for (const auto& [addr, list] : shared_) n += list.size();
  for (const auto& [addr, list] : idle_) n += list.size();
  return n;
}

}  // namespace strata::proxy
