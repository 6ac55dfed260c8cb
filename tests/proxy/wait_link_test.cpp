// WAIT follows the client's latest write onto the very backend link that carried it (issue 8's
// soak lost 2 writes "acknowledged" by a WAIT that ran elsewhere). A real Worker routes to a fake
// node that answers SET with +OK and WAIT with 1 if the command before it on that connection was
// a SET, else 0, so the reply tells whether WAIT ran on the SET's link; with two shared links per
// node, round robin (the old routing) puts some WAITs on the other one. A link the node closed
// after the SET makes WAIT an error, never a count from a fresh link.
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

// Answers, per connection and in order: SET +OK (closing the connection after a SET of the key
// "closeme"), WAIT :1 right after a SET on the same connection else :0, PING +PONG. Nothing else is
// sent by the test.
class CountingNode {
 public:
  CountingNode() {
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
  ~CountingNode() {
    stop_ = true;
    thread_.join();
  }
  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  struct Conn {
    net::UniqueFd fd;
    std::string in;
    bool lastWasSet = false;
  };

  // Consumes the complete commands at the front of c.in; false when the connection must close.
  static bool serve(Conn& c) {
    static const std::string kSet = "$3\r\nSET\r\n", kWait = "$4\r\nWAIT\r\n",
                             kPing = "$4\r\nPING\r\n", kClose = "$7\r\ncloseme\r\n";
    for (;;) {
      // Every command the test sends ends with "\r\n" after its last argument, and the fake only
      // needs to know which one it is: take the bytes up to the next "*" that starts a command.
      size_t next = c.in.find("\r\n*", 1);
      bool complete = next != std::string::npos;
      std::string cmd = complete ? c.in.substr(0, next + 2) : c.in;
      // The last command is complete when its argument count is satisfied: SET 3, WAIT 3, PING 1.
      if (!complete) {
        int want = cmd.find(kPing) != std::string::npos ? 1 : 3;
        int have = 0;
        for (size_t p = cmd.find("\r\n$"); p != std::string::npos; p = cmd.find("\r\n$", p + 1)) {
          ++have;
        }
        if (have < want || cmd.size() < 2 || cmd.compare(cmd.size() - 2, 2, "\r\n") != 0) {
          return true;
        }
        // The bulk after the last "$len\r\n" must be whole.
        size_t last = cmd.rfind("\r\n$");
        size_t lenEnd = cmd.find("\r\n", last + 3);
        if (lenEnd == std::string::npos) return true;
        size_t len = std::stoul(cmd.substr(last + 3, lenEnd - last - 3));
        if (cmd.size() < lenEnd + 2 + len + 2) return true;
      }
      c.in.erase(0, cmd.size());
      std::string reply;
      bool close = false;
      if (cmd.find(kSet) != std::string::npos) {
        c.lastWasSet = true;
        reply = "+OK\r\n";
        close = cmd.find(kClose) != std::string::npos;
      } else if (cmd.find(kWait) != std::string::npos) {
        reply = c.lastWasSet ? ":1\r\n" : ":0\r\n";
        c.lastWasSet = false;
      } else {
        reply = "+PONG\r\n";
        c.lastWasSet = false;
      }
      (void)!::write(c.fd.get(), reply.data(), reply.size());
      if (close) return false;
      if (c.in.empty()) return true;
    }
  }

  void run() {
    Conn conns[8];
    char buf[4096];
    while (!stop_) {
      pollfd fds[9];
      int map[9];
      int n = 0;
      fds[n++] = {listener_.get(), POLLIN, 0};
      for (int i = 0; i < 8; ++i) {
        if (conns[i].fd) {
          map[n] = i;
          fds[n++] = {conns[i].fd.get(), POLLIN, 0};
        }
      }
      if (::poll(fds, n, 20) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        for (auto& c : conns) {
          if (!c.fd) {
            c.fd.reset(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
            c.in.clear();
            c.lastWasSet = false;
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
        if (!serve(c)) c.fd.reset();
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

int connectClient(Worker& worker) {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  worker.adoptClient(net::UniqueFd(sv[0]), false);
  return sv[1];
}

// Sends one command and reads its one-line reply (bounded).
std::string request(int fd, const std::string& bytes, Ms limit = Ms(3000)) {
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
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

std::string set(const std::string& key) {
  return "*3\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n$1\r\nv\r\n";
}
const std::string kWait = "*3\r\n$4\r\nWAIT\r\n$1\r\n1\r\n$3\r\n100\r\n";

struct Harness {
  explicit Harness(uint16_t port) {
    auto settings = std::make_shared<ProxySettings>();
    settings->requestTimeoutMs = 1000;
    settings->backendConnections = 2;
    shared.settings.store(settings);
    std::string error;
    shared.commands.store(
        CommandTable::fromCommandReply(test::loadReply("command_info_resp2.resp"), error));
    REQUIRE(shared.commands.load() != nullptr);
    shared.metrics = std::make_unique<ProxyMetrics>(std::make_shared<prometheus::Registry>());
    shared.requestTopologyRefresh = [] {};
    shared.slotMap.store(oneNodeMap(port));
    worker = std::make_unique<Worker>(0, shared);
    worker->start();
  }
  ~Harness() {
    worker->stop();
    worker->join();
  }
  SharedState shared;
  std::unique_ptr<Worker> worker;
};

}  // namespace

TEST_SUITE("proxy.wait") {
  TEST_CASE("WAIT runs on the link of the client's latest write, not the next one in turn") {
    CountingNode node;
    Harness h(node.port());
    net::UniqueFd c(connectClient(*h.worker));
    CHECK(request(c.get(), set("k1")) == "+OK\r\n");
    CHECK(request(c.get(), set("k2")) == "+OK\r\n");
    // The two SETs went out on the two links (round robin); WAIT must follow the second.
    CHECK(request(c.get(), kWait) == ":1\r\n");
    CHECK(node.accepted() == 2);
    // SET + WAIT pairs: round robin would alternate them over the links; each WAIT must run
    // right behind its SET on that SET's link.
    for (int i = 0; i < 6; ++i) {
      CHECK(request(c.get(), set("k" + std::to_string(i))) == "+OK\r\n");
      CHECK(request(c.get(), kWait) == ":1\r\n");
    }
  }

  TEST_CASE("WAIT after the write's link closed is an error, not a fresh link's count") {
    CountingNode node;
    Harness h(node.port());
    net::UniqueFd c(connectClient(*h.worker));
    CHECK(request(c.get(), set("closeme")) == "+OK\r\n");
    std::this_thread::sleep_for(Ms(100));  // the worker sees the close (either way: an error)
    std::string w = request(c.get(), kWait);
    CHECK(w.rfind("-ERR proxy: ", 0) == 0);
    // A new write on a live link makes WAIT count there again.
    CHECK(request(c.get(), set("k")) == "+OK\r\n");
    CHECK(request(c.get(), kWait) == ":1\r\n");
  }
}
