// Worker deadlines: every routed client request is answered by its deadline plus one tick,
// whatever state its children are in. A real Worker (its own thread and event loop) routes to a
// fake node that accepts and reads but never answers: one client parks `WAIT 1 0` (no deadline)
// at the head of the shared link, so the stuck-link check (which looks at the oldest request of
// a link) never fires; another client's split MGET queued behind it must still get its timeout
// error at its own deadline instead of hanging (as a 375-key MGET did in
// integration.proxy.failover_under_load).
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/proxy/worker_fixture.h"

using namespace strata;
using namespace strata::proxy;
using namespace strata::proxy::test;

TEST_SUITE("proxy.worker") {
  TEST_CASE("a split MGET behind a request without deadline on a silent node times out") {
    // A node that accepts connections and swallows every byte without answering.
    FakeNode<> node([](FakeNode<>::Conn& c) {
      c.in.clear();
      return true;
    });
    ProxySettings settings;
    settings.requestTimeoutMs = 300;
    WorkerHarness h(node.port(), settings);
    net::UniqueFd waiter = h.connectClient();
    net::UniqueFd reader = h.connectClient();

    // WAIT 1 0 blocks its link on a real node until a replica acknowledges: no deadline.
    sendBytes(waiter.get(), "*3\r\n$4\r\nWAIT\r\n$1\r\n1\r\n$1\r\n0\r\n");
    std::this_thread::sleep_for(Ms(50));
    // "a", "b" and "c" hash to three slots: three children on the same (stuck) link.
    auto start = std::chrono::steady_clock::now();
    sendBytes(reader.get(), "*4\r\n$4\r\nMGET\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    std::string reply = readLine(reader.get(), Ms(3000));
    auto took = std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - start);

    CHECK(node.accepted() >= 1);
    CHECK(reply == "-ERR proxy: request timed out (no reply before its deadline)\r\n");
    // Deadline 300 ms, answered within a tick (100 ms) and some scheduling slack.
    CHECK(took.count() >= 250);
    CHECK(took.count() < 1000);

    // The late replies are dropped, not delivered: the worker keeps serving this client.
    CHECK(request(reader.get(), "*1\r\n$4\r\nPING\r\n", Ms(2000)) == "+PONG\r\n");
  }
}
