// Worker loop, routing, redirection handling (MOVED / ASK / TRYAGAIN), retries with backoff,
// deadlines and the end-of-turn batching of writes.
#include "proxy/worker.h"

#include <spdlog/spdlog.h>

#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "common/errors.h"
#include "common/net/callback.h"
#include "proxy/client_conn.h"

namespace strata::proxy {

namespace {
constexpr auto kTick = std::chrono::milliseconds(100);
constexpr auto kRetryTick = std::chrono::milliseconds(10);
constexpr int kMaxTryAgain = 20;
// The deadline sweep answers a request this long after its deadline: the retry timer (10 ms
// steps) and the stuck-link check normally answer it first, at the deadline itself.
constexpr auto kSweepGrace = std::chrono::milliseconds(20);

timeval toTimeval(std::chrono::microseconds d) {
  return timeval{static_cast<time_t>(d.count() / 1000000),
                 static_cast<suseconds_t>(d.count() % 1000000)};
}

// "MOVED 3999 127.0.0.1:6381" / "ASK 3999 127.0.0.1:6381" -> slot and address.
bool parseRedirect(std::string_view text, size_t prefix, uint16_t& slot, Address& to) {
  text.remove_prefix(prefix);
  size_t space = text.find(' ');
  if (space == std::string_view::npos) return false;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + space, value);
  if (ec != std::errc() || end != text.data() + space || value >= 16384) return false;
  slot = static_cast<uint16_t>(value);
  std::string_view addr = text.substr(space + 1);
  while (!addr.empty() && (addr.back() == '\r' || addr.back() == '\n')) addr.remove_suffix(1);
  return Address::parse(addr, to);
}
}  // namespace

Worker::Worker(int id, SharedState& shared)
    : id_(id),
      shared_(shared),
      base_(event_base_new()),
      settings_(shared.settings.load()),
      slotMap_(std::make_shared<SlotMap>()),
      commands_(shared.commands.load()),
      metrics_(*shared.metrics),
      backends_(*this) {
  if (auto map = shared.slotMap.load()) slotMap_ = map;
  // post() runs on other threads: it must not touch the event base (libevent is not set up for
  // threads, and event_active from another thread raced the loop's own queue updates, which could
  // lose the wake-up for good). It writes to an eventfd the loop watches instead.
  wakeFd_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  wakeup_.reset(event_new(base_.get(), wakeFd_.get(), EV_READ | EV_PERSIST,
                          net::callback<&Worker::onWakeup>, this));
  event_add(wakeup_.get(), nullptr);
  tick_.reset(event_new(base_.get(), -1, EV_PERSIST, net::callback<&Worker::onTick>, this));
  retryTimer_.reset(event_new(base_.get(), -1, 0, net::callback<&Worker::onRetryTimer>, this));
  timeval tv = toTimeval(kTick);
  event_add(tick_.get(), &tv);
}

Worker::~Worker() {
  for (ClientConn* c : clients_) delete c;
  clients_.clear();
  for (ClientConn* c : closedClients_) delete c;
}

void Worker::start() {
  thread_ = std::thread([this] { run(); });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::run() {
  // One epoll round runs every ready callback; then all output queued by those callbacks goes
  // out in one write per connection (Redis's beforeSleep). Callbacks never write themselves.
  while (!exit_) {
    if (event_base_loop(base_.get(), EVLOOP_ONCE) < 0) break;
    endOfTurn();
  }
  // Leaving the loop: close every client and backend before the thread ends.
  for (ClientConn* c : std::vector<ClientConn*>(clients_.begin(), clients_.end())) {
    c->close("proxy stopping");
  }
  backends_.closeAll("proxy stopping");
  endOfTurn();
  finished_.store(true);
}

void Worker::post(std::function<void()> fn) {
  {
    std::lock_guard lock(mutex_);
    inbox_.push_back(std::move(fn));
  }
  // Any thread: wakes the loop at once (a pending write that makes the counter non-zero keeps
  // the fd readable until the loop drains it, so no job waits for another event).
  uint64_t one = 1;
  while (::write(wakeFd_.get(), &one, sizeof(one)) < 0 && errno == EINTR) {
  }
}

ClientConn* Worker::findClient(uint64_t id) const {
  for (ClientConn* c : clients_) {
    if (c->id() == id) return c;
  }
  return nullptr;
}

void Worker::onEveryWorker(std::function<std::string(Worker&)> collect,
                           std::function<void(std::vector<std::string>)> done) {
  struct Gather {
    std::mutex mutex;
    std::vector<std::string> results;
    size_t remaining = 0;
  };
  std::vector<Worker*> all = shared_.workers;
  if (all.empty()) all.push_back(this);  // a worker outside a Server (unit tests)
  auto gather = std::make_shared<Gather>();
  gather->results.resize(all.size());
  gather->remaining = all.size();
  auto shared = std::make_shared<std::function<std::string(Worker&)>>(std::move(collect));
  auto finish = std::make_shared<std::function<void(std::vector<std::string>)>>(std::move(done));
  for (size_t i = 0; i < all.size(); ++i) {
    Worker* w = all[i];
    w->post([gather, shared, finish, w, i, origin = this] {
      std::string result = (*shared)(*w);
      bool last = false;
      {
        std::lock_guard lock(gather->mutex);
        gather->results[i] = std::move(result);
        last = --gather->remaining == 0;
      }
      if (last) origin->post([gather, finish] { (*finish)(std::move(gather->results)); });
    });
  }
}

void Worker::onWakeup(evutil_socket_t, short) {
  // Drain the counter before taking the jobs: a post() after this read writes again.
  uint64_t count = 0;
  while (::read(wakeFd_.get(), &count, sizeof(count)) < 0 && errno == EINTR) {
  }
  std::vector<std::function<void()>> jobs;
  {
    std::lock_guard lock(mutex_);
    jobs.swap(inbox_);
  }
  for (auto& job : jobs) job();
}

void Worker::adoptClient(net::UniqueFd fd, bool tls) {
  int raw = fd.release();
  post([this, raw, tls] {
    net::UniqueFd owned(raw);
    if (draining_ || stopping_) return;
    auto* client = ClientConn::create(*this, std::move(owned), tls);
    if (client) clients_.insert(client);
  });
}

void Worker::setSlotMap(std::shared_ptr<const SlotMap> map) {
  post([this, map = std::move(map)] {
    // A changed map (a promotion, a moved slot) may give the requests backing off in the retry
    // list a reachable owner: retry them now, not after their backoff (up to 500 ms).
    if (!slotMap_->sameAs(*map)) {
      auto now = Clock::now();
      for (auto& entry : retries_) entry.first = std::min(entry.first, now);
    }
    const bool changed = !slotMap_->sameAs(*map);
    slotMap_ = map;
    clearShardLinks();
    metrics_.slotMapUpdated();
    if (changed) {
      for (ClientConn* c : clients_) c->onMastersChanged();
    }
  });
}

void Worker::reloadSettings() {
  post([this] {
    settings_ = shared_.settings.load();
    if (auto cmds = shared_.commands.load()) commands_ = cmds;
  });
}

void Worker::stop() {
  post([this] {
    stopping_ = true;
    exit_ = true;
  });
}

void Worker::drain() {
  post([this] {
    draining_ = true;
    for (ClientConn* c : clients_) c->stopReading();
    maybeFinishDrain();
  });
}

void Worker::maybeFinishDrain() {
  if (!draining_) return;
  for (ClientConn* c : clients_) {
    if (c->hasInFlight()) return;
  }
  for (ClientConn* c : std::vector<ClientConn*>(clients_.begin(), clients_.end())) {
    c->close("proxy shutting down");
  }
  exit_ = true;
}

Clock::time_point Worker::deadlineFromNow() const {
  return Clock::now() + std::chrono::milliseconds(settings_->requestTimeoutMs);
}

// ---------------------------------------------------------------------------------------------
// Routing

void Worker::route(Request* r) {
  if (!r->exclusive) r->routed = true;
  const Address* target = nullptr;
  if (r->slot >= 0 && !r->exclusive && settings_->backendConnections == 1) {
    int shard = slotMap_->shardIndexFor(static_cast<uint16_t>(r->slot));
    auto& links = shardLinks_[r->resp3 ? 1 : 0];
    if (shard >= 0 && static_cast<size_t>(shard) < links.size() && links[shard] &&
        !links[shard]->closed()) {
      links[shard]->send(r);
      return;
    }
    if (shard >= 0) {
      BackendConn* conn = backends_.shared(slotMap_->shards()[shard].master, r->resp3);
      if (!conn) {
        retryLater(r);
        return;
      }
      if (links.size() <= static_cast<size_t>(shard)) links.resize(shard + 1, nullptr);
      links[shard] = conn;
      conn->send(r);
      return;
    }
  }
  if (r->slot >= 0) {
    target = slotMap_->masterFor(static_cast<uint16_t>(r->slot));
  } else if (r->shardIndex >= 0) {
    // A fan-out child targets one node of a shard, its master or one of its replicas (if the
    // map shrank meanwhile, the node is gone: retried, then failed at the deadline).
    if (static_cast<size_t>(r->shardIndex) < slotMap_->shards().size()) {
      const Shard& shard = slotMap_->shards()[r->shardIndex];
      if (r->replicaIndex < 0) {
        target = &shard.master;
      } else if (static_cast<size_t>(r->replicaIndex) < shard.replicas.size()) {
        target = &shard.replicas[r->replicaIndex];
      }
    }
  } else if (!slotMap_->shards().empty()) {
    const auto& shards = slotMap_->shards();
    target = &shards[keylessRoundRobin_++ % shards.size()].master;
  }
  if (!target) {
    // No owner known (no map yet, or the slot is unassigned): ask for a fresh map and retry.
    if (Clock::now() < r->deadline) {
      shared_.requestTopologyRefresh();
      retryLater(r);
    } else {
      fail(r, slotMap_->coveredSlots() == 0 ? errors::kClusterDown : errors::kClusterDownUnbound);
    }
    return;
  }
  if (r->exclusive) {
    sendExclusive(r, *target);
  } else {
    sendTo(r, *target);
  }
}

void Worker::sendTo(Request* r, const Address& address) {
  BackendConn* conn = backends_.shared(address, r->resp3);
  if (!conn) {
    retryLater(r);
    return;
  }
  conn->send(r);
}

void Worker::sendExclusive(Request* r, const Address& address) {
  BackendConn* conn = backends_.lease(address, r->resp3);
  if (!conn) {
    // No descriptor (EMFILE), a refused connect, a node that failed just now: say so at once.
    // Retrying would leave a BLPOP ... 0 (no deadline) waiting for good on a link it never gets.
    fail(r, backends_.leaseFailure());
    return;
  }
  r->lease = conn;
  conn->send(r);
}

void Worker::retryLater(Request* r) {
  if (Clock::now() >= r->deadline) {
    fail(r, "ERR proxy: no node could serve the request before its deadline");
    return;
  }
  ++r->retries;
  auto delay =
      std::min<Clock::duration>(std::chrono::milliseconds(10) * (1 << std::min<int>(r->retries, 6)),
                                std::chrono::milliseconds(500));
  // Never sleep past the deadline: the last retry runs at it, so the client gets its error
  // within request-timeout instead of up to one back-off step (500 ms) later.
  delay = std::min<Clock::duration>(delay, r->deadline - Clock::now());
  r->inRetry = true;
  retries_.emplace_back(Clock::now() + delay, r);
  armRetryTimer();
}

void Worker::armRetryTimer() {
  if (retryArmed_ || retries_.empty()) return;
  timeval tv = toTimeval(kRetryTick);
  event_add(retryTimer_.get(), &tv);
  retryArmed_ = true;
}

void Worker::onRetryTimer(evutil_socket_t, short) {
  retryArmed_ = false;
  auto now = Clock::now();
  std::vector<Request*> due;
  auto it = std::partition(retries_.begin(), retries_.end(),
                           [&](const auto& e) { return e.first > now; });
  for (auto i = it; i != retries_.end(); ++i) due.push_back(i->second);
  retries_.erase(it, retries_.end());
  for (Request* r : due) {
    r->inRetry = false;
    if (r->orphaned()) {
      requests_.release(r);
      continue;
    }
    if (r->done()) continue;  // answered by the deadline sweep: its client frees it
    route(r);
  }
  armRetryTimer();
}

void Worker::complete(Request* r) {
  r->state = Request::State::kDone;
  if (r->parent) {
    // Fan-outs and splits are bounded: past max-fanout-reply-bytes the children's replies are
    // dropped as they arrive and the client gets one error instead of an unbounded merge.
    Request* parent = r->parent;
    parent->childBytes += r->reply.size();
    if (parent->childBytes > static_cast<size_t>(settings_->maxFanoutReplyBytes)) {
      parent->tooLarge = true;
      std::string().swap(r->reply);
    }
    if (--parent->pendingChildren == 0) finishParent(parent);
    return;
  }
  if (r->client) {
    r->client->onRequestDone(r);
    return;
  }
  if (r->orphaned()) discard(r);
}

void Worker::finishParent(Request* parent) {
  if (parent->tooLarge) {
    parent->reply = "-ERR proxy: the merged reply would exceed max-fanout-reply-bytes (" +
                    std::to_string(settings_->maxFanoutReplyBytes) + ")\r\n";
  } else if (parent->aggregate) {
    parent->aggregate(*parent);
  }
  complete(parent);
}

void Worker::fail(Request* r, std::string_view error) {
  r->reply.clear();
  r->reply.reserve(error.size() + 3);
  r->reply.push_back('-');
  for (char c : error) r->reply.push_back(c == '\r' || c == '\n' ? ' ' : c);
  r->reply.append("\r\n");
  metrics_.requestFailed();
  complete(r);
}

void Worker::expire(Request* r, Clock::time_point now) {
  // Where the request is stuck, for the log: a sweep that fires means some path lost track of a
  // request (the stuck-link check and the retry list answer at the deadline itself).
  int childrenInBackend = 0, childrenInRetry = 0, childrenLost = 0, childrenDone = 0;
  for (Request* c : r->children) {
    if (c->done()) {
      ++childrenDone;
    } else if (c->inBackend) {
      ++childrenInBackend;
    } else if (c->inRetry) {
      ++childrenInRetry;
    } else {
      ++childrenLost;
    }
    // Detach: a child still queued somewhere is orphaned and freed by whoever holds it (its late
    // reply is dropped). A child that is neither done nor held is leaked rather than recycled,
    // as something may still point at it.
    c->parent = nullptr;
    c->client = nullptr;
    if (c->done() && !c->inBackend && !c->inRetry) requests_.release(c);
  }
  auto late = std::chrono::duration_cast<std::chrono::milliseconds>(now - r->deadline).count();
  if (now - lastSweepLog_ > std::chrono::seconds(1)) {
    lastSweepLog_ = now;
    spdlog::warn(
        "worker {}: {} unanswered {} ms past its deadline (in a backend queue: {}, in the retry "
        "list: {}; children: {} done, {} in backend queues, {} in the retry list, {} lost): "
        "answered with a timeout error",
        id_, r->commandName, late, r->inBackend, r->inRetry, childrenDone, childrenInBackend,
        childrenInRetry, childrenLost);
  }
  r->children.clear();
  r->pendingChildren = 0;
  r->aggregate = nullptr;
  r->tooLarge = false;
  fail(r, "ERR proxy: request timed out (no reply before its deadline)");
}

void Worker::discard(Request* r) {
  for (Request* child : r->children) {
    child->parent = nullptr;
    child->client = nullptr;
    discard(child);
  }
  r->children.clear();
  r->client = nullptr;
  r->parent = nullptr;
  if (r->inBackend || r->inRetry) return;  // the backend / retry list frees it
  requests_.release(r);
}

// ---------------------------------------------------------------------------------------------
// Backend callbacks

void Worker::onBackendReply(BackendConn& conn, Request* r, const char* data, size_t len) {
  backends_.noteSuccess(conn.address());
  if (r->lease == &conn) {
    // A blocking command finished: the connection is clean and can serve the next one.
    r->lease = nullptr;
    backends_.release(&conn, true);
  }
  if (r->orphaned()) {
    requests_.release(r);
    return;
  }
  if (r->done()) return;  // answered by the deadline sweep: the late reply is dropped
  if (len > 6 && data[0] == '-' && !r->pinned) {
    std::string_view text(data + 1, len - 3);
    uint16_t slot = 0;
    Address to;
    if (text.starts_with("MOVED ") && parseRedirect(text, 6, slot, to)) {
      metrics_.moved();
      applyMoved(slot, to);
      if (r->redirects++ < settings_->maxRedirects) {
        r->asking = false;
        if (r->exclusive) {
          sendExclusive(r, to);
        } else {
          sendTo(r, to);
        }
        return;
      }
    } else if (text.starts_with("ASK ") && parseRedirect(text, 4, slot, to)) {
      metrics_.ask();
      if (r->redirects++ < settings_->maxRedirects) {
        r->asking = true;
        if (r->exclusive) {
          sendExclusive(r, to);
        } else {
          sendTo(r, to);
        }
        return;
      }
    } else if (text.starts_with("TRYAGAIN")) {
      metrics_.tryAgain();
      if (r->retries < kMaxTryAgain && Clock::now() < r->deadline) {
        r->asking = false;
        retryLater(r);
        return;
      }
    } else if (text.starts_with("CLUSTERDOWN")) {
      shared_.requestTopologyRefresh();
    }
  }
  // The usual case: the client's first unanswered request; its reply goes straight to the
  // client's output. Otherwise (a split's child, a reply that overtook an earlier one) it waits
  // in r->reply.
  if (!r->parent && r->client && r->client->takeReply(r, data, len)) return;
  r->reply.clear();
  r->reply.append(data, len);  // a plain copy (assign() goes through the general replace)
  complete(r);
}

void Worker::applyMoved(uint16_t slot, const Address& to) {
  const Address* current = slotMap_->masterFor(slot);
  if (!current || !(*current == to)) {
    slotMap_ = slotMap_->withSlotOwner(slot, to);
    clearShardLinks();
  }
  shared_.requestTopologyRefresh();
}

void Worker::onBackendFailed(BackendConn& conn, Request* r, bool written, std::string_view why) {
  if (r->lease == &conn) {
    r->lease = nullptr;
    backends_.release(&conn, false);
  }
  if (r->orphaned()) {
    requests_.release(r);
    return;
  }
  if (r->done()) return;  // answered by the deadline sweep
  bool timedOut = Clock::now() >= r->deadline;
  if (!timedOut && (!written || r->readonly) && !r->exclusive && !r->pinned) {
    retryLater(r);
    return;
  }
  if (timedOut) {
    fail(r, "ERR proxy: request timed out waiting for " + conn.address().str());
  } else {
    fail(r, "ERR proxy: lost the connection to " + conn.address().str() + " (" + std::string(why) +
                ")");
  }
}

void Worker::onBackendClosed(BackendConn& conn, std::string_view why, bool failure) {
  backends_.noteClosed();
  clearShardLinks();
  if (failure && !stopping_ && !draining_) {
    if (!conn.connected()) backends_.noteFailure(conn.address());
    spdlog::warn("worker {}: backend {} closed: {}", id_, conn.address().str(), why);
    shared_.requestTopologyRefresh();
  }
}

// ---------------------------------------------------------------------------------------------
// Turn bookkeeping

void Worker::markDirty(BackendConn* conn) {
  if (conn->flushQueued()) return;
  conn->setFlushQueued(true);
  dirtyBackends_.push_back(conn);
}
void Worker::markDirty(ClientConn* client) {
  if (client->flushQueued()) return;
  client->setFlushQueued(true);
  dirtyClients_.push_back(client);
}

void Worker::endOfTurn() {
  // Flushing a backend can complete requests (on failure), which dirties clients, and flushing a
  // client can parse buffered input (after a pause), which dirties backends: repeat until quiet.
  // Each connection is listed once per round (its flushQueued flag), so no sort or dedup here.
  for (int round = 0; round < 1000 && (!dirtyBackends_.empty() || !dirtyClients_.empty());
       ++round) {
    flushingBackends_.swap(dirtyBackends_);
    for (BackendConn* b : flushingBackends_) {
      b->setFlushQueued(false);
      if (!b->closed()) b->flush();
    }
    flushingBackends_.clear();
    flushingClients_.swap(dirtyClients_);
    for (ClientConn* c : flushingClients_) {
      c->setFlushQueued(false);
      if (!c->closed()) c->flush();
    }
    flushingClients_.clear();
  }
  if (!closedClients_.empty()) {
    for (ClientConn* c : closedClients_) delete c;
    closedClients_.clear();
  }
  backends_.collect();
  if (draining_) maybeFinishDrain();
  nowValid_ = false;
}

void Worker::removeClient(ClientConn* client) {
  if (clients_.erase(client)) closedClients_.push_back(client);
}

void Worker::onTick(evutil_socket_t, short) {
  auto now = Clock::now();
  // Deadlines: a node that leaves its oldest request unanswered past the deadline is stuck;
  // closing the link fails (or retries) everything queued on it.
  std::vector<BackendConn*> stuck;
  backends_.forEach([&](BackendConn& c) {
    Request* oldest = c.oldestPending();
    if (oldest && oldest->deadline < now) stuck.push_back(&c);
  });
  for (BackendConn* c : stuck) c->close("request deadline exceeded");
  // The invariant, whatever state a request's children are in (a backend queue behind a request
  // with a longer deadline, the retry list, a link that is still connecting, or lost): every
  // routed client request is answered by its deadline plus one tick.
  auto cutoff = now - kSweepGrace;
  for (ClientConn* c : clients_) {
    if (c->hasInFlight()) c->expireOverdue(cutoff, now, sweepScratch_);
  }
  // Idle clients.
  if (settings_->timeout > 0) {
    auto limit = std::chrono::seconds(settings_->timeout);
    std::vector<ClientConn*> idle;
    for (ClientConn* c : clients_) {
      if (!c->hasInFlight() && !c->isSubscribed() && now - c->lastActive() > limit) {
        idle.push_back(c);
      }
    }
    for (ClientConn* c : idle) c->close("idle timeout");
  }
  // While a node is unreachable, keep the slot map fresh so a promotion is seen quickly.
  if (backends_.anyDown() && now - lastRefreshRequest_ > std::chrono::milliseconds(200)) {
    lastRefreshRequest_ = now;
    shared_.requestTopologyRefresh();
  }
  metrics_.flush(clients_.size(), backends_.connectionCount(), requests_.live());
}

}  // namespace strata::proxy
