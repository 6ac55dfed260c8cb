// Metric families of the proxy (one table of names and help texts) and the per-worker flush.
#include "proxy/metrics.h"

#include <bit>
#include <cmath>
#include <cstdint>

#include "common/observe/metrics.h"
#include "proxy/slot_map.h"

namespace strata::proxy {

namespace {

// Latency bucket bounds, seconds (the histogram's own buckets are observe::latencyBuckets()).
const std::vector<double>& bounds() {
  return observe::latencyBuckets();
}

template <typename T>
prometheus::Family<T>& family(prometheus::Registry& r, const char* name, const char* help);

template <>
prometheus::Family<prometheus::Counter>& family(prometheus::Registry& r, const char* name,
                                                const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}
template <>
prometheus::Family<prometheus::Gauge>& family(prometheus::Registry& r, const char* name,
                                              const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}
template <>
prometheus::Family<prometheus::Histogram>& family(prometheus::Registry& r, const char* name,
                                                  const char* help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(r);
}

}  // namespace

ProxyMetrics::ProxyMetrics(std::shared_ptr<prometheus::Registry> registry)
    : commands(family<prometheus::Counter>(*registry, "strata_proxy_commands_total",
                                           "Commands answered, by command")),
      commandErrors(family<prometheus::Counter>(*registry, "strata_proxy_command_errors_total",
                                                "Commands answered with an error, by command")),
      commandDuration(family<prometheus::Histogram>(
          *registry, "strata_proxy_command_duration_seconds",
          "Time from parsing a command to its reply being ready, by command")),
      errors(family<prometheus::Counter>(
          *registry, "strata_proxy_errors_total",
          "Errors by kind: protocol, auth, request_failed, client_limit, maxclients, "
          "client_paused, accept")),
      redirections(family<prometheus::Counter>(*registry, "strata_proxy_redirections_total",
                                               "MOVED, ASK and TRYAGAIN replies handled")),
      bytes(family<prometheus::Counter>(*registry, "strata_proxy_bytes_total",
                                        "Bytes read and written, by direction and peer")),
      connections(family<prometheus::Gauge>(*registry, "strata_proxy_connections",
                                            "Open connections, by peer (client or backend)")),
      connectionsTotal(family<prometheus::Counter>(*registry, "strata_proxy_connections_total",
                                                   "Connections opened, by peer")),
      backendUp(family<prometheus::Gauge>(
          *registry, "strata_proxy_backend_up",
          "1 while the proxy holds at least one open connection to the node")),
      slotMapRefreshes(family<prometheus::Counter>(*registry,
                                                   "strata_proxy_slot_map_refreshes_total",
                                                   "Slot map reads from the cluster")
                           .Add({})),
      slotMapChanges(family<prometheus::Counter>(*registry, "strata_proxy_slot_map_changes_total",
                                                 "Slot map reads that changed the topology")
                         .Add({})),
      slotsCovered(family<prometheus::Gauge>(*registry, "strata_proxy_slots_covered",
                                             "Hash slots with a known master (16384 when healthy)")
                       .Add({})),
      mastersKnown(family<prometheus::Gauge>(*registry, "strata_proxy_masters",
                                             "Masters serving slots in the current slot map")
                       .Add({})),
      requestsInFlight(family<prometheus::Gauge>(*registry, "strata_proxy_requests_in_flight",
                                                 "Requests parsed and not yet answered")
                           .Add({})),
      acceptErrors(errors.Add({{"kind", "accept"}})),
      registry_(std::move(registry)) {}

WorkerMetrics::WorkerMetrics(ProxyMetrics& shared) : shared_(shared) {
  const auto& b = bounds();
  for (size_t i = 0; i < kBuckets; ++i) {
    boundNanos_[i] = i < b.size() ? std::llround(b[i] * 1e9) : INT64_MAX;
  }
  for (size_t w = 0; w < firstBucketAtLeast_.size(); ++w) {
    const int64_t floor = w < 63 ? int64_t{1} << w : INT64_MAX;
    size_t i = 0;
    while (i < kBuckets && floor > boundNanos_[i]) ++i;
    firstBucketAtLeast_[w] = static_cast<uint8_t>(i);
  }
}

void WorkerMetrics::commandDone(uint16_t id, const char* command,
                                std::chrono::steady_clock::duration latency, bool error) {
  if (id >= commands_.size()) commands_.resize(id + 64);
  CommandStats& s = commands_[id];
  s.name = command;
  ++s.calls;
  s.errors += error;
  int64_t nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(latency).count();
  s.sumNanos += nanos;
  // The first bound >= nanos (kBuckets: +Inf). Start at the first bound >= the power of two
  // just below nanos: the bounds are at least 2x apart, so at most two steps remain.
  const int width = nanos > 0 ? std::bit_width(static_cast<uint64_t>(nanos)) - 1 : 0;
  size_t i = firstBucketAtLeast_[static_cast<size_t>(width)];
  while (i < kBuckets && nanos > boundNanos_[i]) ++i;
  ++s.buckets[i];
}

void WorkerMetrics::backendConnected(const Address& node) {
  ++backendOpen_[node.str()];
}
void WorkerMetrics::backendDisconnected(const Address& node) {
  --backendOpen_[node.str()];
}

void WorkerMetrics::flush(size_t clients, size_t backendConnections, size_t requestsLive) {
  std::lock_guard lock(shared_.mutex);
  const auto& b = bounds();
  for (auto& s : commands_) {
    if (s.calls == 0) continue;
    if (!s.callsSeries) {
      prometheus::Labels labels{{"command", s.name}};
      s.callsSeries = &shared_.commands.Add(labels);
      s.errorsSeries = &shared_.commandErrors.Add(labels);
      s.durationSeries = &shared_.commandDuration.Add(labels, b);
    }
    s.callsSeries->Increment(static_cast<double>(s.calls));
    if (s.errors) s.errorsSeries->Increment(static_cast<double>(s.errors));
    std::vector<double> increments(b.size() + 1, 0.0);
    for (size_t i = 0; i <= kBuckets && i < increments.size(); ++i) {
      size_t target = i == kBuckets ? b.size() : i;
      increments[target] += static_cast<double>(s.buckets[i]);
    }
    s.durationSeries->ObserveMultiple(increments, static_cast<double>(s.sumNanos) / 1e9);
    s.calls = s.errors = 0;
    s.sumNanos = 0;
    s.buckets.fill(0);
  }
  auto bump = [](prometheus::Counter& c, uint64_t& v) {
    if (v) c.Increment(static_cast<double>(v));
    v = 0;
  };
  bump(shared_.errors.Add({{"kind", "request_failed"}}), local_.failed);
  bump(shared_.errors.Add({{"kind", "protocol"}}), local_.protocolErrors);
  bump(shared_.errors.Add({{"kind", "auth"}}), local_.authFailures);
  bump(shared_.errors.Add({{"kind", "client_limit"}}), local_.limitCloses);
  bump(shared_.errors.Add({{"kind", "maxclients"}}), local_.rejected);
  bump(shared_.errors.Add({{"kind", "client_paused"}}), local_.paused);
  bump(shared_.redirections.Add({{"kind", "moved"}}), local_.moved);
  bump(shared_.redirections.Add({{"kind", "ask"}}), local_.ask);
  bump(shared_.redirections.Add({{"kind", "tryagain"}}), local_.tryAgain);
  bump(shared_.connectionsTotal.Add({{"peer", "client"}}), local_.clientsAccepted);
  bump(shared_.bytes.Add({{"direction", "in"}, {"peer", "client"}}), local_.clientIn);
  bump(shared_.bytes.Add({{"direction", "out"}, {"peer", "client"}}), local_.clientOut);
  bump(shared_.bytes.Add({{"direction", "in"}, {"peer", "backend"}}), local_.backendIn);
  bump(shared_.bytes.Add({{"direction", "out"}, {"peer", "backend"}}), local_.backendOut);
  // Gauges: publish this worker's change since the last flush.
  auto& clientGauge = shared_.connections.Add({{"peer", "client"}});
  clientGauge.Increment(static_cast<double>(static_cast<int64_t>(clients) - clientsPublished_));
  clientsPublished_ = static_cast<int64_t>(clients);
  auto& backendGauge = shared_.connections.Add({{"peer", "backend"}});
  backendGauge.Increment(static_cast<double>(backendConnections) -
                         static_cast<double>(backendsPublished_));
  backendsPublished_ = backendConnections;
  shared_.requestsInFlight.Increment(static_cast<double>(requestsLive) -
                                     static_cast<double>(inFlightPublished_));
  inFlightPublished_ = requestsLive;
  for (auto& [node, open] : backendOpen_) {
    int& published = backendPublished_[node];
    int now = open > 0 ? 1 : 0;
    if (now != published) {
      shared_.backendUp.Add({{"node", node}}).Increment(now - published);
      published = now;
    }
  }
}

}  // namespace strata::proxy
