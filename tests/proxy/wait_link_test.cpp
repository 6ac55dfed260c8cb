// WAIT follows the client's latest write onto the very backend link that carried it (issue 8's
// soak lost 2 writes "acknowledged" by a WAIT that ran elsewhere). A real Worker routes to a fake
// node that answers SET with +OK and WAIT with 1 if the command before it on that connection was
// a SET, else 0, so the reply tells whether WAIT ran on the SET's link; with two shared links per
// node, round robin (the old routing) puts some WAITs on the other one. A link the node closed
// after the SET makes WAIT an error, never a count from a fresh link.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/proxy/worker_fixture.h"

using namespace strata;
using namespace strata::proxy;
using namespace strata::proxy::test;

namespace {

// Answers, per connection and in order: SET +OK (closing the connection after a SET of the key
// "closeme"), WAIT :1 right after a SET on the same connection else :0, PING +PONG. Nothing else is
// sent by the test.
struct Counting {
  bool lastWasSet = false;
};
using CountingNode = FakeNode<Counting>;

// Consumes the complete commands at the front of c.in; false when the connection must close.
bool serveCounting(CountingNode::Conn& c) {
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
      c.state.lastWasSet = true;
      reply = "+OK\r\n";
      close = cmd.find(kClose) != std::string::npos;
    } else if (cmd.find(kWait) != std::string::npos) {
      reply = c.state.lastWasSet ? ":1\r\n" : ":0\r\n";
      c.state.lastWasSet = false;
    } else {
      reply = "+PONG\r\n";
      c.state.lastWasSet = false;
    }
    (void)!::write(c.fd.get(), reply.data(), reply.size());
    if (close) return false;
    if (c.in.empty()) return true;
  }
}

std::string set(const std::string& key) {
  return "*3\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n$1\r\nv\r\n";
}
const std::string kWait = "*3\r\n$4\r\nWAIT\r\n$1\r\n1\r\n$3\r\n100\r\n";

// A worker with two shared links to the node and a 1 s request deadline.
ProxySettings twoLinks() {
  ProxySettings settings;
  settings.requestTimeoutMs = 1000;
  settings.backendConnections = 2;
  return settings;
}

}  // namespace

TEST_SUITE("proxy.wait") {
  TEST_CASE("WAIT runs on the link of the client's latest write, not the next one in turn") {
    CountingNode node(serveCounting);
    WorkerHarness h(node.port(), twoLinks());
    net::UniqueFd c = h.connectClient();
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
    CountingNode node(serveCounting);
    WorkerHarness h(node.port(), twoLinks());
    net::UniqueFd c = h.connectClient();
    CHECK(request(c.get(), set("closeme")) == "+OK\r\n");
    std::this_thread::sleep_for(Ms(100));  // the worker sees the close (either way: an error)
    std::string w = request(c.get(), kWait);
    CHECK(w.rfind("-ERR proxy: ", 0) == 0);
    // A new write on a live link makes WAIT count there again.
    CHECK(request(c.get(), set("k")) == "+OK\r\n");
    CHECK(request(c.get(), kWait) == ":1\r\n");
  }
}
