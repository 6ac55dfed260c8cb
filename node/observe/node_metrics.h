// The node's Prometheus metrics: the fixed strata_node_* series (clients, keys, memory, keyspace
// hits, per-command calls and latency, network bytes) and the API through which the node's other
// subsystems (cluster, replication, AOF) publish their own gauges and counters. Served over HTTP
// (/metrics, /healthz) by common/observe's MetricsServer on metrics-bind:metrics-port when
// metrics-port != 0.
//
//   event-loop thread                                   civetweb threads
//   ─────────────────                                   ────────────────
//   commands bump plain counters (Stats,
//   CommandStats: no lock, no atomic)
//   Server cron ──> NodeMetrics::collect() ──copies──> prometheus::Registry ──> GET /metrics
//                   (runs every collector, then the
//                    node's own figures)
//
// Nothing on the scrape path touches loop-thread state: the registry's metrics are atomics that
// collect() sets, at most every 100 ms and only while the endpoint is on (metrics-port != 0).
//
// API for other subsystems (event-loop thread only), e.g. in the cluster's constructor:
//
//   NodeMetrics& m = server.metrics();
//   auto& state = m.gauge("strata_node_cluster_state", "1 when the cluster state is ok");
//   auto& sent = m.total("strata_node_cluster_bus_messages_sent_total", "Bus messages sent",
//                        {{"type", "ping"}});
//   m.addCollector([this, &state, &sent] {     // runs on the loop thread before each export
//     state.Set(ok_ ? 1 : 0);
//     sent.set(pingsSent_);                      // a plain uint64_t the subsystem counts
//   });
//
// gauge()/total()/counter() register the series once and return a reference that stays valid
// for the server's life (asking again with the same name and labels returns the same series).
// Prefer total() + a collector over counter().Increment() on a hot path: the loop thread then
// never touches an atomic per event. Registration may throw std::invalid_argument for an invalid
// name or a name reused with another type (a programming error found at start-up).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/labels.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace strata::observe {
class MetricsServer;
}  // namespace strata::observe

namespace strata::node {

class Server;

class NodeMetrics {
 public:
  // A Prometheus counter that mirrors a running total kept by a subsystem on the loop thread.
  // set() adds the growth since the previous set(); a total that went down (CONFIG RESETSTAT,
  // a reconnect) is taken as counting again from 0, so the exported counter never decreases.
  class Total {
   public:
    explicit Total(prometheus::Counter& counter) : counter_(counter) {}
    void set(uint64_t total);
    prometheus::Counter& counter() { return counter_; }

   private:
    prometheus::Counter& counter_;
    uint64_t last_ = 0;
  };
  using Collector = std::function<void()>;

  explicit NodeMetrics(Server& server);
  ~NodeMetrics();
  NodeMetrics(const NodeMetrics&) = delete;
  NodeMetrics& operator=(const NodeMetrics&) = delete;

  // Starts the HTTP endpoint when metrics-port != 0 (true when off). False, with a logged reason,
  // if the address cannot be bound. Called by Server::listen().
  bool start();
  bool enabled() const { return http_ != nullptr; }
  // The bound port (0 when off).
  uint16_t port() const;

  // ---- Publishing API (event-loop thread) ----
  prometheus::Gauge& gauge(const std::string& name, const std::string& help,
                           const prometheus::Labels& labels = {});
  Total& total(const std::string& name, const std::string& help,
               const prometheus::Labels& labels = {});
  prometheus::Counter& counter(const std::string& name, const std::string& help,
                               const prometheus::Labels& labels = {});
  // Runs `collector` on the loop thread before each export (in registration order).
  void addCollector(Collector collector);

  // Server cron: when the endpoint is on and 100 ms have passed since the last export, runs the
  // collectors and copies the node's own figures into the registry. `force` skips both checks
  // (tests).
  void collect(bool force = false);

  prometheus::Registry& registry() { return *registry_; }

 private:
  struct CommandSeries;
  void collectNode();
  void collectCommands();

  Server& server_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<observe::MetricsServer> http_;
  std::vector<Collector> collectors_;
  std::deque<Total> totals_;
  std::vector<CommandSeries> commands_;  // per CommandStats index, created on first call
  int64_t lastCollectMs_ = 0;
  int64_t lastRssMs_ = 0;

  // The fixed node series.
  prometheus::Gauge& up_;
  prometheus::Gauge& connectedClients_;
  prometheus::Gauge& blockedClients_;
  prometheus::Gauge& keys_;
  prometheus::Gauge& expires_;
  prometheus::Gauge& memoryUsed_;
  prometheus::Gauge& memoryRss_;
  prometheus::Gauge& memoryMax_;
  Total& evicted_;
  Total& expired_;
  Total& hits_;
  Total& misses_;
  Total& netInput_;
  Total& netOutput_;
  Total& rejectedConnections_;
  Total& authFailures_;
};

}  // namespace strata::node
