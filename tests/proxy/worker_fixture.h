// Fixture of the proxy's Worker tests (worker_deadline_test.cpp, wait_link_test.cpp): a fake
// backend node on 127.0.0.1 that the test scripts, a real Worker (its own thread and event loop)
// whose slot map sends every slot to that node, clients handed to the worker as socket pairs, and
// bounded reads of one-line replies.
#pragma once

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "common/net/handles.h"
#include "proxy/command_table.h"
#include "proxy/metrics.h"
#include "proxy/settings.h"
#include "proxy/slot_map.h"
#include "proxy/worker.h"
#include "tests/proxy/fixtures.h"

namespace strata::proxy::test {

using Ms = std::chrono::milliseconds;

// No per-connection memory (FakeNode's default State).
struct NoState {};

// A fake node: listens on an ephemeral port of 127.0.0.1 and serves up to 8 connections from its
// own thread until destroyed. After every read, `serve` gets the connection: its bytes not yet
// consumed in `in` and the test's per-connection `state` (fresh for each accepted connection). It
// consumes what it handles, writes its replies to `fd`, and returns false to close the
// connection. A connection the peer closes is dropped.
template <class State = NoState>
class FakeNode {
 public:
  struct Conn {
    net::UniqueFd fd;
    std::string in;
    State state{};
  };
  using Serve = std::function<bool(Conn&)>;

  explicit FakeNode(Serve serve) : serve_(std::move(serve)) {
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
  ~FakeNode() {
    stop_ = true;
    thread_.join();
  }
  FakeNode(const FakeNode&) = delete;
  FakeNode& operator=(const FakeNode&) = delete;

  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  static constexpr int kMaxConns = 8;

  void run() {
    Conn conns[kMaxConns];
    char buf[4096];
    while (!stop_) {
      pollfd fds[kMaxConns + 1];
      int map[kMaxConns + 1];
      int n = 0;
      fds[n++] = {listener_.get(), POLLIN, 0};
      for (int i = 0; i < kMaxConns; ++i) {
        if (conns[i].fd) {
          map[n] = i;
          fds[n++] = {conns[i].fd.get(), POLLIN, 0};
        }
      }
      if (::poll(fds, static_cast<nfds_t>(n), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        for (Conn& c : conns) {
          if (!c.fd) {
            c.fd.reset(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
            c.in.clear();
            c.state = State{};
            ++accepted_;
            break;
          }
        }
      }
      for (int i = 1; i < n; ++i) {
        if (!fds[i].revents) continue;
        Conn& c = conns[map[i]];
        ssize_t got = ::read(c.fd.get(), buf, sizeof(buf));
        if (got <= 0) {
          c.fd.reset();
          continue;
        }
        c.in.append(buf, static_cast<size_t>(got));
        if (!serve_(c)) c.fd.reset();
      }
    }
  }

  Serve serve_;
  net::UniqueFd listener_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
};

// A CLUSTER SLOTS map with every slot on 127.0.0.1:`port`.
inline std::shared_ptr<const SlotMap> oneNodeMap(uint16_t port) {
  std::string reply =
      "*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:" + std::to_string(port) +
      "\r\n$40\r\n" + std::string(40, 'a') + "\r\n";
  std::string error;
  auto map = SlotMap::fromClusterSlots(parseReply(reply), error);
  REQUIRE_MESSAGE(map != nullptr, error);
  return map;
}

// A started Worker with `settings` (and Redis 7.0's command table), routing every slot to the
// node on `nodePort`; stopped and joined on destruction.
struct WorkerHarness {
  WorkerHarness(uint16_t nodePort, ProxySettings settings) {
    shared.settings.store(std::make_shared<ProxySettings>(std::move(settings)));
    std::string error;
    shared.commands.store(
        CommandTable::fromCommandReply(loadReply("command_info_resp2.resp"), error));
    REQUIRE(shared.commands.load() != nullptr);
    shared.metrics = std::make_unique<ProxyMetrics>(std::make_shared<prometheus::Registry>());
    shared.requestTopologyRefresh = [] {};
    shared.slotMap.store(oneNodeMap(nodePort));
    worker = std::make_unique<Worker>(0, shared);
    worker->start();
  }
  ~WorkerHarness() {
    worker->stop();
    worker->join();
  }
  WorkerHarness(const WorkerHarness&) = delete;
  WorkerHarness& operator=(const WorkerHarness&) = delete;

  // One end of a socket pair handed to the worker as a client; the test speaks on the other,
  // returned here.
  net::UniqueFd connectClient() {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    worker->adoptClient(net::UniqueFd(sv[0]), false);
    return net::UniqueFd(sv[1]);
  }

  SharedState shared;
  std::unique_ptr<Worker> worker;
};

inline void sendBytes(int fd, const std::string& bytes) {
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
}

// Reads until a CRLF-terminated line arrives or `limit` passes (then returns what it has).
inline std::string readLine(int fd, Ms limit) {
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

// Sends one command and reads its one-line reply (bounded).
inline std::string request(int fd, const std::string& bytes, Ms limit = Ms(3000)) {
  sendBytes(fd, bytes);
  return readLine(fd, limit);
}

}  // namespace strata::proxy::test
