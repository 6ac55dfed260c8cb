// NodeMetrics: registration of the fixed strata_node_* series and of other subsystems' series,
// the HTTP endpoint's start, and collect(), which the Server cron calls on the loop thread to
// copy loop-thread counters (Stats, CommandStats, Eviction) into the registry's atomics.
#include "node/observe/node_metrics.h"

#include <spdlog/spdlog.h>

#include <iterator>

#include "common/observe/metrics.h"
#include "common/observe/metrics_server.h"
#include "node/observe/resident_memory.h"
#include "node/server/command_stats.h"
#include "node/server/eviction.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

const prometheus::Histogram::BucketBoundaries& commandBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBounds = [] {
    prometheus::Histogram::BucketBoundaries b;
    for (int64_t us : kCommandLatencyBoundsUs) b.push_back(static_cast<double>(us) / 1e6);
    return b;
  }();
  return kBounds;
}

}  // namespace

void NodeMetrics::Total::set(uint64_t total) {
  const uint64_t delta = total >= last_ ? total - last_ : total;
  if (delta) counter_.Increment(static_cast<double>(delta));
  last_ = total;
}

// One command's exported series, created on its first call.
struct NodeMetrics::CommandSeries {
  prometheus::Counter* calls = nullptr;
  prometheus::Histogram* duration = nullptr;
  uint64_t lastCalls = 0;
  uint64_t lastUsec = 0;
  uint64_t lastBuckets[kCommandLatencyBuckets] = {};
};

NodeMetrics::NodeMetrics(Server& server)
    : server_(server),
      registry_(std::make_shared<prometheus::Registry>()),
      up_(gauge("strata_node_up", "1 while the node serves")),
      connectedClients_(gauge("strata_node_connected_clients", "Client connections open")),
      blockedClients_(
          gauge("strata_node_blocked_clients", "Clients blocked in BLPOP, BZPOPMIN, ... now")),
      keys_(gauge("strata_node_keys", "Keys in the dataset")),
      expires_(gauge("strata_node_expires", "Keys with an expiry")),
      memoryUsed_(gauge("strata_node_memory_used_bytes",
                        "Memory counted against maxmemory (INFO used_memory)")),
      memoryRss_(gauge("strata_node_memory_rss_bytes", "Resident set size of the process")),
      memoryMax_(gauge("strata_node_memory_max_bytes", "maxmemory (0: no limit)")),
      evicted_(total("strata_node_evicted_keys_total", "Keys evicted by maxmemory-policy")),
      expired_(total("strata_node_expired_keys_total", "Keys removed because they expired")),
      hits_(total("strata_node_keyspace_hits_total", "Key lookups that found the key")),
      misses_(total("strata_node_keyspace_misses_total", "Key lookups that missed")),
      netInput_(total("strata_node_net_input_bytes_total", "Bytes read from clients")),
      netOutput_(total("strata_node_net_output_bytes_total", "Bytes written to clients")),
      rejectedConnections_(
          total("strata_node_rejected_connections_total", "Connections refused (maxclients)")),
      authFailures_(total("strata_node_auth_failures_total",
                          "Failed AUTH / HELLO AUTH (wrong password or unknown user)")) {
  up_.Set(1);
}

NodeMetrics::~NodeMetrics() = default;

bool NodeMetrics::start() {
  const auto& s = server_.settings();
  if (s.metricsPort == 0) return true;
  observe::MetricsOptions options;
  const std::string& host = s.metricsBind;
  options.address = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                    std::to_string(s.metricsPort);
  auto started = observe::MetricsServer::start(options, registry_);
  if (!started) {
    spdlog::error("Could not start the metrics endpoint on {}: {}", options.address, started.error);
    return false;
  }
  http_ = std::move(started.server);
  spdlog::info("Metrics on http://{}/metrics", options.address);
  collect(true);
  return true;
}

uint16_t NodeMetrics::port() const {
  return http_ ? http_->port() : 0;
}

prometheus::Gauge& NodeMetrics::gauge(const std::string& name, const std::string& help,
                                      const prometheus::Labels& labels) {
  return observe::addGauge(*registry_, name, help, labels);
}

prometheus::Counter& NodeMetrics::counter(const std::string& name, const std::string& help,
                                          const prometheus::Labels& labels) {
  return observe::addCounter(*registry_, name, help, labels);
}

NodeMetrics::Total& NodeMetrics::total(const std::string& name, const std::string& help,
                                       const prometheus::Labels& labels) {
  prometheus::Counter& c = counter(name, help, labels);
  for (auto& t : totals_) {
    if (&t.counter() == &c) return t;
  }
  return totals_.emplace_back(c);
}

void NodeMetrics::addCollector(Collector collector) {
  collectors_.push_back(std::move(collector));
}

void NodeMetrics::collect(bool force) {
  if (!force && !enabled()) return;
  const int64_t now = server_.now();
  if (!force && now - lastCollectMs_ < 100) return;
  lastCollectMs_ = now;
  for (auto& c : collectors_) c();
  collectNode();
  collectCommands();
}

void NodeMetrics::collectNode() {
  Server& s = server_;
  const Stats& st = s.stats();
  connectedClients_.Set(static_cast<double>(s.clients().size()));
  blockedClients_.Set(static_cast<double>(s.blockedClients()));
  keys_.Set(static_cast<double>(s.keyspace().size()));
  expires_.Set(static_cast<double>(s.keyspace().volatileCount()));
  memoryUsed_.Set(static_cast<double>(s.eviction().usedMemory()));
  memoryMax_.Set(static_cast<double>(s.settings().maxmemory));
  if (s.now() - lastRssMs_ >= 1000 || lastRssMs_ == 0) {  // a file read: once a second
    lastRssMs_ = s.now();
    memoryRss_.Set(static_cast<double>(residentBytes()));
  }
  evicted_.set(st.evictedKeys);
  expired_.set(st.expiredKeys);
  hits_.set(st.keyspaceHits);
  misses_.set(st.keyspaceMisses);
  netInput_.set(st.netInputBytes);
  netOutput_.set(st.netOutputBytes);
  rejectedConnections_.set(st.rejectedConnections);
  authFailures_.set(st.authFailures);
}

void NodeMetrics::collectCommands() {
  const CommandStats& stats = server_.commandStats();
  if (commands_.size() < stats.size()) commands_.resize(stats.size());
  std::vector<double> increments(kCommandLatencyBuckets);
  for (size_t i = 0; i < stats.size(); ++i) {
    const CommandCounters& c = stats.counters(i);
    CommandSeries& series = commands_[i];
    if (c.calls == series.lastCalls) continue;
    if (series.calls == nullptr) {
      const prometheus::Labels labels{{"command", std::string(stats.def(i).name)}};
      series.calls = &counter("strata_node_commands_total", "Commands executed", labels);
      series.duration = &prometheus::BuildHistogram()
                             .Name("strata_node_command_duration_seconds")
                             .Help("Command execution time, in seconds")
                             .Register(*registry_)
                             .Add(labels, commandBuckets());
    }
    // A smaller total than last time means CONFIG RESETSTAT: count again from 0.
    const bool reset = c.calls < series.lastCalls;
    const uint64_t calls = reset ? c.calls : c.calls - series.lastCalls;
    const uint64_t usec = reset ? c.usec : c.usec - series.lastUsec;
    for (size_t b = 0; b < kCommandLatencyBuckets; ++b) {
      const uint64_t now = c.buckets[b];
      const uint64_t before = reset ? 0 : series.lastBuckets[b];
      increments[b] = static_cast<double>(now >= before ? now - before : now);
      series.lastBuckets[b] = now;
    }
    series.calls->Increment(static_cast<double>(calls));
    series.duration->ObserveMultiple(increments, static_cast<double>(usec) / 1e6);
    series.lastCalls = c.calls;
    series.lastUsec = c.usec;
  }
}

}  // namespace strata::node
