// The proxy's Prometheus metrics. ProxyMetrics declares every family once (names and help texts
// in one table, metrics.cpp); WorkerMetrics is each worker's lock-free front: the data path bumps
// plain integers and per-command latency buckets, and the worker's 100 ms tick flushes the deltas
// into the shared prometheus-cpp series, so no atomic or mutex is touched per command.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace strata::proxy {

struct Address;

class ProxyMetrics {
 public:
  explicit ProxyMetrics(std::shared_ptr<prometheus::Registry> registry);

  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> registryPtr() { return registry_; }

  prometheus::Family<prometheus::Counter>& commands;
  prometheus::Family<prometheus::Counter>& commandErrors;
  prometheus::Family<prometheus::Histogram>& commandDuration;
  prometheus::Family<prometheus::Counter>& errors;            // {kind}
  prometheus::Family<prometheus::Counter>& redirections;      // {kind}
  prometheus::Family<prometheus::Counter>& bytes;             // {direction, peer}
  prometheus::Family<prometheus::Gauge>& connections;         // {peer}
  prometheus::Family<prometheus::Counter>& connectionsTotal;  // {peer}
  prometheus::Family<prometheus::Gauge>& backendUp;           // {node}
  prometheus::Counter& slotMapRefreshes;
  prometheus::Counter& slotMapChanges;
  prometheus::Gauge& slotsCovered;
  prometheus::Gauge& mastersKnown;
  prometheus::Gauge& requestsInFlight;
  // accept() failures of the client listeners (main thread; EMFILE pauses them, listener.h).
  prometheus::Counter& acceptErrors;

  std::mutex mutex;  // guards Add() on families from several workers

 private:
  std::shared_ptr<prometheus::Registry> registry_;
};

class WorkerMetrics {
 public:
  explicit WorkerMetrics(ProxyMetrics& shared);

  void commandReceived() {}
  void commandDone(uint16_t id, const char* command, std::chrono::steady_clock::duration latency,
                   bool error);
  void requestFailed() { ++local_.failed; }
  void protocolError() { ++local_.protocolErrors; }
  void authFailure() { ++local_.authFailures; }
  void clientLimitClose() { ++local_.limitCloses; }
  void clientRejected() { ++local_.rejected; }
  void clientPaused() { ++local_.paused; }
  void moved() { ++local_.moved; }
  void ask() { ++local_.ask; }
  void tryAgain() { ++local_.tryAgain; }
  void slotMapUpdated() {}
  void clientConnected(bool tls) {
    ++local_.clientsAccepted;
    ++local_.clientsOpen;
    (void)tls;
  }
  void clientDisconnected(bool) { --local_.clientsOpen; }
  void backendConnected(const Address& node);
  void backendDisconnected(const Address& node);
  void clientBytesIn(size_t n) { local_.clientIn += n; }
  void clientBytesOut(size_t n) { local_.clientOut += n; }
  void backendBytesIn(size_t n) { local_.backendIn += n; }
  void backendBytesOut(size_t n) { local_.backendOut += n; }

  // Called by the worker's tick: publishes everything accumulated since the last call.
  void flush(size_t clients, size_t backendConnections, size_t requestsLive);

 private:
  static constexpr size_t kBuckets = 16;
  struct CommandStats {
    uint64_t calls = 0;
    uint64_t errors = 0;
    int64_t sumNanos = 0;
    std::array<uint64_t, kBuckets + 1> buckets{};  // last: +Inf
    prometheus::Counter* callsSeries = nullptr;
    prometheus::Counter* errorsSeries = nullptr;
    prometheus::Histogram* durationSeries = nullptr;
    const char* name = nullptr;
  };
  struct Counters {
    uint64_t failed = 0, protocolErrors = 0, authFailures = 0, limitCloses = 0, rejected = 0,
             paused = 0, moved = 0, ask = 0, tryAgain = 0, clientsAccepted = 0;
    int64_t clientsOpen = 0;
    uint64_t clientIn = 0, clientOut = 0, backendIn = 0, backendOut = 0;
  };

  ProxyMetrics& shared_;
  // The latency buckets' upper bounds in nanoseconds: commandDone compares integers.
  std::array<int64_t, kBuckets> boundNanos_{};
  // By bit width w: the first bucket whose bound is >= 2^w (commandDone starts its search there).
  std::array<uint8_t, 64> firstBucketAtLeast_{};
  std::vector<CommandStats> commands_;  // indexed by CommandInfo::id (0: unknown commands)
  Counters local_;
  std::map<std::string, int> backendOpen_;  // node -> connections opened minus closed
  std::map<std::string, int> backendPublished_;
  int64_t clientsPublished_ = 0;
  size_t backendsPublished_ = 0;
  size_t inFlightPublished_ = 0;
};

}  // namespace strata::proxy
