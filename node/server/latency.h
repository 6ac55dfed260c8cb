// The latency monitor (Redis 7.0's latency.c): named events ("command", "fast-command") each
// keep the last 160 samples, at most one per second (the worst of that second), plus their
// all-time maximum. Server::latencyRecord adds a sample when a call took at least
// latency-monitor-threshold ms. LATENCY LATEST / HISTORY / RESET / GRAPH / DOCTOR read it
// (commands/latency.cpp); GRAPH is Redis's sparkline. Event-loop thread only.
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <string>
#include <string_view>

namespace strata::node {

class LatencyMonitor {
 public:
  static constexpr int kSamples = 160;
  struct Sample {
    int64_t time = 0;  // Unix seconds; 0 = unused
    int64_t latency = 0;
  };
  struct Series {
    Sample samples[kSamples];
    int idx = 0;  // next slot to write
    int64_t max = 0;
    const Sample& latest() const { return samples[(idx + kSamples - 1) % kSamples]; }
  };

  void add(std::string_view event, int64_t latencyMs, int64_t now = std::time(nullptr));
  // The series of `event`, nullptr if none.
  const Series* find(std::string_view event) const;
  const std::map<std::string, Series, std::less<>>& events() const { return events_; }
  // Drops one event (true if it existed) / all of them (how many).
  bool reset(std::string_view event);
  size_t resetAll();

  // LATENCY GRAPH's text: the header, a rule and Redis's 4-row sparkline with age labels.
  static std::string graph(std::string_view event, const Series& s, int64_t now);

 private:
  std::map<std::string, Series, std::less<>> events_;
};

}  // namespace strata::node
