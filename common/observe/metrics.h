// Metric declaration helpers on prometheus-cpp, for node/ and proxy/: counters, gauges and
// latency histograms with Redis-appropriate default buckets, a scoped latency timer, and the
// X-macro pattern each component uses to declare all its metrics once (name, type, help text),
// in the manner of Envoy's ALL_..._STATS:
//
//   // proxy/proxy_metrics.h (one entry per line, lines joined by backslashes)
//   #define STRATA_PROXY_METRICS(COUNTER, GAUGE, HISTOGRAM) ...
//     COUNTER(strata_proxy_connections_accepted_total, "Client connections accepted") ...
//     GAUGE(strata_proxy_connections_open, "Client connections open now") ...
//     HISTOGRAM(strata_proxy_command_duration_seconds, "Command latency, in seconds")
//   STRATA_DEFINE_METRICS_STRUCT(ProxyMetrics, STRATA_PROXY_METRICS);
//
//   // at start-up, once per worker (variable labels tell instances apart):
//   ProxyMetrics metrics(registry, {{"worker", "3"}});
//   metrics.strata_proxy_connections_accepted_total.Increment();
//   ProxyMetrics::kSpecs  // the table: {name, MetricType, help} for each metric
//
// Each metric is its own family, named exactly as listed (counters should end in _total,
// histograms in _seconds); HISTOGRAM means a latency histogram with kLatencyBuckets. Declaring
// the same struct twice with the same labels yields the same time series.
//
// Owns nothing: metrics live in the prometheus::Registry passed in, which must outlive the
// references. Registering may throw std::invalid_argument for an invalid name or a name reused
// with another type (a programming error, found at start-up). Updating a metric (Increment,
// Set, Observe) is thread-safe and lock-free.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/labels.h>
#include <prometheus/registry.h>

#include <chrono>
#include <string>
#include <string_view>

namespace strata::observe {

// Latency histogram bucket bounds in seconds, from 10 µs (an in-memory command on a warm
// connection) to 10 s (timeouts, slow scripts): 1-2.5-5 steps per decade.
const prometheus::Histogram::BucketBoundaries& latencyBuckets();

prometheus::Counter& addCounter(prometheus::Registry& registry, const std::string& name,
                                const std::string& help, const prometheus::Labels& labels = {});
prometheus::Gauge& addGauge(prometheus::Registry& registry, const std::string& name,
                            const std::string& help, const prometheus::Labels& labels = {});
// A histogram with latencyBuckets(); observe values in seconds.
prometheus::Histogram& addLatencyHistogram(prometheus::Registry& registry, const std::string& name,
                                           const std::string& help,
                                           const prometheus::Labels& labels = {});

// Observes the time from construction to destruction, in seconds, into a histogram.
class LatencyTimer {
 public:
  explicit LatencyTimer(prometheus::Histogram& histogram)
      : histogram_(histogram), start_(std::chrono::steady_clock::now()) {}
  ~LatencyTimer() {
    histogram_.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }
  LatencyTimer(const LatencyTimer&) = delete;
  LatencyTimer& operator=(const LatencyTimer&) = delete;

 private:
  prometheus::Histogram& histogram_;
  std::chrono::steady_clock::time_point start_;
};

enum class MetricType { kCounter, kGauge, kHistogram };

struct MetricSpec {
  std::string_view name;
  MetricType type;
  std::string_view help;
};

namespace detail {
struct MetricsEnd {};  // closes the generated initializer list (see STRATA_DEFINE_METRICS_STRUCT)
}  // namespace detail

}  // namespace strata::observe

// Per-entry expansions used by STRATA_DEFINE_METRICS_STRUCT.
#define STRATA_METRIC_MEMBER_COUNTER_(name, help) ::prometheus::Counter& name;
#define STRATA_METRIC_MEMBER_GAUGE_(name, help) ::prometheus::Gauge& name;
#define STRATA_METRIC_MEMBER_HISTOGRAM_(name, help) ::prometheus::Histogram& name;
#define STRATA_METRIC_INIT_COUNTER_(name, help) \
  name(::strata::observe::addCounter(registry, #name, help, labels)),
#define STRATA_METRIC_INIT_GAUGE_(name, help) \
  name(::strata::observe::addGauge(registry, #name, help, labels)),
#define STRATA_METRIC_INIT_HISTOGRAM_(name, help) \
  name(::strata::observe::addLatencyHistogram(registry, #name, help, labels)),
#define STRATA_METRIC_SPEC_COUNTER_(name, help) \
  ::strata::observe::MetricSpec{#name, ::strata::observe::MetricType::kCounter, help},
#define STRATA_METRIC_SPEC_GAUGE_(name, help) \
  ::strata::observe::MetricSpec{#name, ::strata::observe::MetricType::kGauge, help},
#define STRATA_METRIC_SPEC_HISTOGRAM_(name, help) \
  ::strata::observe::MetricSpec{#name, ::strata::observe::MetricType::kHistogram, help},

// Defines `struct Name` with one reference member per entry of LIST (an X-macro taking
// COUNTER, GAUGE and HISTOGRAM callbacks, each called as X(name, "help")), a constructor
// `Name(prometheus::Registry&, const prometheus::Labels& labels = {})` registering them, and the
// table `static constexpr MetricSpec kSpecs[]`. Use at namespace scope.
#define STRATA_DEFINE_METRICS_STRUCT(Name, LIST)                                                 \
  struct Name {                                                                                  \
    LIST(STRATA_METRIC_MEMBER_COUNTER_, STRATA_METRIC_MEMBER_GAUGE_,                             \
         STRATA_METRIC_MEMBER_HISTOGRAM_)                                                        \
    static constexpr ::strata::observe::MetricSpec kSpecs[] = {LIST(                             \
        STRATA_METRIC_SPEC_COUNTER_, STRATA_METRIC_SPEC_GAUGE_, STRATA_METRIC_SPEC_HISTOGRAM_)}; \
    explicit Name(::prometheus::Registry& registry, const ::prometheus::Labels& labels = {})     \
        : LIST(STRATA_METRIC_INIT_COUNTER_, STRATA_METRIC_INIT_GAUGE_,                           \
               STRATA_METRIC_INIT_HISTOGRAM_) end_() {}                                          \
                                                                                                 \
   private:                                                                                      \
    [[no_unique_address]] ::strata::observe::detail::MetricsEnd end_;                            \
  }
