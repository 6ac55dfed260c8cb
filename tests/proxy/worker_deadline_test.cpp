// Worker deadlines: every routed client request is answered by its deadline plus one tick,
// whatever state its children are in. A real Worker (its own thread and event loop) routes to a
// fake node that accepts and reads but never answers: one client parks `WAIT 1 0` (no deadline)
// at the head of the shared link, so the stuck-link check (which looks at the oldest request of
// a link) never fires; another client's split MGET queued behind it must still get its timeout
// error at its own deadline instead of hanging (as a 375-key MGET did in
// integration.proxy.failover_under_load).
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "common/net/handles.h"
#include "proxy/command_table.h"
#include "proxy/metrics.h"
#include "proxy/settings.h"
#include "proxy/slot_map.h"
#include "proxy/worker.h"
#include "tests/proxy/fixtures.h"

using namespace strata;
using namespace strata::proxy;
using Ms = std::chrono::milliseconds;

namespace {

// A node that accepts connections and swallows every byte without answering.
class SilentNode {
 public:
  SilentNode() {
    listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(listener_);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0);
    REQUIRE(::listen(listener_.get(), 16) == 0);
    socklen_t len = sizeof(sa);
    REQUIRE(::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&sa), &len) == 0);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~SilentNode() {
    stop_ = true;
    thread_.join();
  }
  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  void run() {
    net::UniqueFd conns[8];
    int count = 0;
    char buf[4096];
    while (!stop_) {
      pollfd fds[9];
      int n = 0;
      fds[n++] = {listener_.get(), POLLIN, 0};
      for (int i = 0; i < count; ++i) fds[n++] = {conns[i].get(), POLLIN, 0};
      if (::poll(fds, n, 20) <= 0) continue;
      if ((fds[0].revents & POLLIN) && count < 8) {
        conns[count++].reset(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        ++accepted_;
      }
      for (int i = 1; i < n; ++i) {
        if (fds[i].revents) (void)::read(fds[i].fd, buf, sizeof(buf));
      }
    }
  }

  net::UniqueFd listener_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
};

std::shared_ptr<const SlotMap> oneNodeMap(uint16_t port) {
  std::string reply =
      "*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:" + std::to_string(port) +
      "\r\n$40\r\n" + std::string(40, 'a') + "\r\n";
  std::string error;
  auto map = SlotMap::fromClusterSlots(test::parseReply(reply), error);
  REQUIRE_MESSAGE(map != nullptr, error);
  return map;
}

// One end of a socket pair handed to the worker as a client; the test speaks on the other.
int connectClient(Worker& worker) {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  worker.adoptClient(net::UniqueFd(sv[0]), false);
  return sv[1];
}

void send(int fd, const std::string& bytes) {
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
}

// Reads until a CRLF-terminated line arrives or `limit` passes (then returns what it has).
std::string readLine(int fd, Ms limit) {
  std::string got;
  auto end = std::chrono::steady_clock::now() + limit;
  while (got.find("\r\n") == std::string::npos) {
    auto left = std::chrono::duration_cast<Ms>(end - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[512];
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

}  // namespace

TEST_SUITE("proxy.worker") {
  TEST_CASE("a split MGET behind a request without deadline on a silent node times out") {
    SilentNode node;
    auto settings = std::make_shared<ProxySettings>();
    settings->requestTimeoutMs = 300;
    SharedState shared;
    shared.settings.store(settings);
    std::string error;
    shared.commands.store(
        CommandTable::fromCommandReply(test::loadReply("command_info_resp2.resp"), error));
    REQUIRE(shared.commands.load() != nullptr);
    shared.metrics = std::make_unique<ProxyMetrics>(std::make_shared<prometheus::Registry>());
    shared.requestTopologyRefresh = [] {};
    shared.slotMap.store(oneNodeMap(node.port()));

    Worker worker(0, shared);
    worker.start();
    net::UniqueFd waiter(connectClient(worker));
    net::UniqueFd reader(connectClient(worker));

    // WAIT 1 0 blocks its link on a real node until a replica acknowledges: no deadline.
    send(waiter.get(), "*3\r\n$4\r\nWAIT\r\n$1\r\n1\r\n$1\r\n0\r\n");
    std::this_thread::sleep_for(Ms(50));
    // "a", "b" and "c" hash to three slots: three children on the same (stuck) link.
    auto start = std::chrono::steady_clock::now();
    send(reader.get(), "*4\r\n$4\r\nMGET\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    std::string reply = readLine(reader.get(), Ms(3000));
    auto took = std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - start);

    CHECK(node.accepted() >= 1);
    CHECK(reply == "-ERR proxy: request timed out (no reply before its deadline)\r\n");
    // Deadline 300 ms, answered within a tick (100 ms) and some scheduling slack.
    CHECK(took.count() >= 250);
    CHECK(took.count() < 1000);

    // The late replies are dropped, not delivered: the worker keeps serving this client.
    send(reader.get(), "*1\r\n$4\r\nPING\r\n");
    CHECK(readLine(reader.get(), Ms(2000)) == "+PONG\r\n");

    worker.stop();
    worker.join();
  }
}
