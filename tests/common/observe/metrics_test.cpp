// Metric helpers of common/observe/metrics.h: latency buckets, the timer, and the X-macro
// declaration pattern (members, spec table, shared series), read back through the text format.
#include "common/observe/metrics.h"

#include <doctest/doctest.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <thread>

using namespace strata::observe;

// The pattern a component follows: one list, one struct.
#define STRATA_TEST_METRICS(COUNTER, GAUGE, HISTOGRAM)        \
  COUNTER(strata_test_requests_total, "Requests handled")     \
  COUNTER(strata_test_errors_total, "Requests that failed")   \
  GAUGE(strata_test_connections_open, "Connections open now") \
  HISTOGRAM(strata_test_request_duration_seconds, "Request latency, in seconds")

STRATA_DEFINE_METRICS_STRUCT(TestMetrics, STRATA_TEST_METRICS);

namespace {

std::string scrape(const prometheus::Registry& registry) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry.Collect());
  return out.str();
}

bool hasLine(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_SUITE("common.observe") {
  TEST_CASE("latency buckets span 10 us to 10 s, increasing") {
    const auto& b = latencyBuckets();
    REQUIRE(b.size() == 19);
    CHECK(b.front() == doctest::Approx(10e-6));
    CHECK(b.back() == doctest::Approx(10.0));
    CHECK(std::is_sorted(b.begin(), b.end()));
    CHECK(std::adjacent_find(b.begin(), b.end()) == b.end());
  }

  TEST_CASE("the metrics struct registers every listed metric") {
    prometheus::Registry registry;
    TestMetrics m(registry, {{"worker", "0"}});
    m.strata_test_requests_total.Increment();
    m.strata_test_requests_total.Increment(2);
    m.strata_test_connections_open.Set(5);
    m.strata_test_request_duration_seconds.Observe(0.0003);  // 300 us

    std::string text = scrape(registry);
    INFO(text);
    CHECK(hasLine(text, "# HELP strata_test_requests_total Requests handled"));
    CHECK(hasLine(text, "# TYPE strata_test_requests_total counter"));
    CHECK(hasLine(text, "strata_test_requests_total{worker=\"0\"} 3"));
    CHECK(hasLine(text, "strata_test_errors_total{worker=\"0\"} 0"));
    CHECK(hasLine(text, "# TYPE strata_test_connections_open gauge"));
    CHECK(hasLine(text, "strata_test_connections_open{worker=\"0\"} 5"));
    CHECK(hasLine(text, "# TYPE strata_test_request_duration_seconds histogram"));
    CHECK(hasLine(text,
                  "strata_test_request_duration_seconds_bucket{worker=\"0\",le=\"0.00025\"} 0"));
    CHECK(
        hasLine(text, "strata_test_request_duration_seconds_bucket{worker=\"0\",le=\"0.0005\"} 1"));
    CHECK(hasLine(text, "strata_test_request_duration_seconds_count{worker=\"0\"} 1"));
  }

  TEST_CASE("the spec table mirrors the list") {
    static_assert(std::size(TestMetrics::kSpecs) == 4);
    CHECK(TestMetrics::kSpecs[0].name == "strata_test_requests_total");
    CHECK(TestMetrics::kSpecs[0].type == MetricType::kCounter);
    CHECK(TestMetrics::kSpecs[0].help == "Requests handled");
    CHECK(TestMetrics::kSpecs[2].type == MetricType::kGauge);
    CHECK(TestMetrics::kSpecs[3].type == MetricType::kHistogram);
    for (const MetricSpec& spec : TestMetrics::kSpecs) {
      CHECK(spec.name.starts_with("strata_"));
      if (spec.type == MetricType::kCounter) CHECK(spec.name.ends_with("_total"));
      if (spec.type == MetricType::kHistogram) CHECK(spec.name.ends_with("_seconds"));
    }
  }

  TEST_CASE("instances share families; equal labels share series") {
    prometheus::Registry registry;
    TestMetrics w0(registry, {{"worker", "0"}});
    TestMetrics w1(registry, {{"worker", "1"}});
    TestMetrics w1again(registry, {{"worker", "1"}});
    CHECK(&w1.strata_test_requests_total == &w1again.strata_test_requests_total);
    CHECK(&w0.strata_test_requests_total != &w1.strata_test_requests_total);
    w1.strata_test_requests_total.Increment();
    w1again.strata_test_requests_total.Increment();
    std::string text = scrape(registry);
    CHECK(hasLine(text, "strata_test_requests_total{worker=\"1\"} 2"));
    CHECK(hasLine(text, "strata_test_requests_total{worker=\"0\"} 0"));
    // One family: HELP appears once.
    CHECK(text.find("# HELP strata_test_requests_total") ==
          text.rfind("# HELP strata_test_requests_total"));
  }

  TEST_CASE("LatencyTimer observes elapsed seconds") {
    prometheus::Registry registry;
    auto& h = addLatencyHistogram(registry, "strata_test_timer_seconds", "timer");
    {
      LatencyTimer timer(h);
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
    std::string text = scrape(registry);
    INFO(text);
    CHECK(hasLine(text, "strata_test_timer_seconds_count 1"));
    CHECK(hasLine(text, "strata_test_timer_seconds_bucket{le=\"0.0025\"} 0"));
    CHECK(hasLine(text, "strata_test_timer_seconds_bucket{le=\"10\"} 1"));
  }

  TEST_CASE("a name reused with another type is refused") {
    prometheus::Registry registry;
    addCounter(registry, "strata_test_x_total", "x");
    CHECK_THROWS_AS(addGauge(registry, "strata_test_x_total", "x"), std::invalid_argument);
  }
}
