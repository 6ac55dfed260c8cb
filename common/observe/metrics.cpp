// Implementation of common/observe/metrics.h.
#include "common/observe/metrics.h"

#include <prometheus/family.h>

namespace strata::observe {

const prometheus::Histogram::BucketBoundaries& latencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.00001, 0.000025, 0.00005,  // 10 µs .. 50 µs
      0.0001,  0.00025,  0.0005,   // 100 µs .. 500 µs
      0.001,   0.0025,   0.005,    // 1 ms .. 5 ms
      0.01,    0.025,    0.05,     // 10 ms .. 50 ms
      0.1,     0.25,     0.5,      // 100 ms .. 500 ms
      1.0,     2.5,      5.0,      // 1 s .. 5 s
      10.0,
  };
  return kBuckets;
}

prometheus::Counter& addCounter(prometheus::Registry& registry, const std::string& name,
                                const std::string& help, const prometheus::Labels& labels) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add(labels);
}

prometheus::Gauge& addGauge(prometheus::Registry& registry, const std::string& name,
                            const std::string& help, const prometheus::Labels& labels) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add(labels);
}

prometheus::Histogram& addLatencyHistogram(prometheus::Registry& registry, const std::string& name,
                                           const std::string& help,
                                           const prometheus::Labels& labels) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry).Add(
      labels, latencyBuckets());
}

}  // namespace strata::observe
