// HTTP endpoint of common/observe/metrics_server.h, over real loopback sockets: /metrics shows a
// counter's value, /healthz and custom handlers answer, a busy port is an error, not a crash.
#include "common/observe/metrics_server.h"

#include <doctest/doctest.h>
#include <prometheus/counter.h>

#include <atomic>
#include <stdexcept>
#include <string>

#include "common/observe/metrics.h"
#include "tests/common/observe/http_get.h"

using namespace strata::observe;
using strata::testing::httpGet;

namespace {

MetricsStartResult startEphemeral(std::shared_ptr<prometheus::Registry> registry) {
  MetricsOptions options;
  options.address = "127.0.0.1:0";
  return MetricsServer::start(options, std::move(registry));
}

}  // namespace

TEST_SUITE("common.observe") {
  TEST_CASE("/metrics serves the registry on an ephemeral port") {
    auto registry = std::make_shared<prometheus::Registry>();
    auto& counter = addCounter(*registry, "strata_test_hits_total", "Hits", {{"kind", "get"}});
    MetricsStartResult started = startEphemeral(registry);
    INFO(started.error);
    REQUIRE(started);
    MetricsServer& server = *started.server;
    CHECK(server.port() != 0);
    CHECK(&server.registry() == registry.get());

    counter.Increment(7);
    auto resp = httpGet(server.port(), "/metrics");
    CHECK(resp.status == 200);
    INFO(resp.body);
    CHECK(resp.body.find("\nstrata_test_hits_total{kind=\"get\"} 7\n") != std::string::npos);

    counter.Increment();
    resp = httpGet(server.port(), "/metrics");
    CHECK(resp.body.find("\nstrata_test_hits_total{kind=\"get\"} 8\n") != std::string::npos);
  }

  TEST_CASE("/healthz and custom text handlers") {
    MetricsStartResult started = startEphemeral(std::make_shared<prometheus::Registry>());
    REQUIRE(started);
    MetricsServer& server = *started.server;

    auto health = httpGet(server.port(), "/healthz");
    CHECK(health.status == 200);
    CHECK(health.body == "ok\n");
    CHECK(health.headers.find("Content-Type: text/plain") != std::string::npos);

    CHECK(httpGet(server.port(), "/readyz").status == 404);  // not registered yet

    std::atomic<bool> ready{false};
    server.setHandler("/readyz", [&ready] {
      HttpTextReply reply;
      reply.status = ready ? 200 : 503;
      reply.body = ready ? "ready\n" : "loading cluster topology\n";
      return reply;
    });
    auto r = httpGet(server.port(), "/readyz");
    CHECK(r.status == 503);
    CHECK(r.body == "loading cluster topology\n");
    ready = true;
    r = httpGet(server.port(), "/readyz");
    CHECK(r.status == 200);
    CHECK(r.body == "ready\n");

    auto head = httpGet(server.port(), "/readyz", "HEAD");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(httpGet(server.port(), "/readyz", "POST").status == 405);

    server.setHandler("/boom", []() -> HttpTextReply { throw std::runtime_error("kaput"); });
    auto boom = httpGet(server.port(), "/boom");
    CHECK(boom.status == 500);
    CHECK(boom.body.find("kaput") != std::string::npos);

    server.setHandler("/readyz", nullptr);
    CHECK(httpGet(server.port(), "/readyz").status == 404);
    CHECK(httpGet(server.port(), "/metrics").status == 200);  // still served by the Exposer
  }

  TEST_CASE("two servers each serve their own handlers") {
    auto a = startEphemeral(std::make_shared<prometheus::Registry>());
    auto b = startEphemeral(std::make_shared<prometheus::Registry>());
    REQUIRE(a);
    REQUIRE(b);
    a.server->setHandler("/who", [] { return HttpTextReply{200, "a"}; });
    b.server->setHandler("/who", [] { return HttpTextReply{200, "b"}; });
    CHECK(httpGet(a.server->port(), "/who").body == "a");
    CHECK(httpGet(b.server->port(), "/who").body == "b");
    a.server.reset();
    CHECK(httpGet(b.server->port(), "/who").body == "b");
  }

  TEST_CASE("a busy port is an error, not an exception") {
    auto first = startEphemeral(std::make_shared<prometheus::Registry>());
    REQUIRE(first);
    MetricsOptions options;
    options.address = "127.0.0.1:" + std::to_string(first.server->port());
    MetricsStartResult second;
    CHECK_NOTHROW(second = MetricsServer::start(options, std::make_shared<prometheus::Registry>()));
    CHECK_FALSE(second);
    CHECK(second.error.find(options.address) != std::string::npos);
    // The first server is unaffected.
    CHECK(httpGet(first.server->port(), "/healthz").status == 200);

    options.address = "not-an-address:xyz";
    CHECK_FALSE(MetricsServer::start(options, std::make_shared<prometheus::Registry>()));
    CHECK_FALSE(MetricsServer::start(MetricsOptions{}, nullptr));
  }
}
