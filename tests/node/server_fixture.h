// A node Server driven in-process by the doctest suites: clients on socketpairs (their peer
// ends kept open; client i has id i+1 and address test:<id>), run() executes one command for a
// client and returns its raw reply bytes; request() runs one as Client::processInput does
// (CLIENT REPLY brackets) and returns all the client received since the last call (pushes
// from other clients' commands included). On destruction it checks that no client was left
// blocked, then frees the clients. Used by the commands, memory, txpubsub, containers and zset
// suites.
#pragma once

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/net/handles.h"
#include "node/server/client.h"
#include "node/server/server.h"
#include "node/settings_schema.h"

namespace strata::node::testing {

struct ServerFixture {
  Server server{nodeSchema().defaults()};
  std::vector<int> peers;
  std::vector<Client*> clients;

  ServerFixture() { addClient(); }
  ServerFixture(const ServerFixture&) = delete;
  Client* addClient() {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    peers.push_back(fds[1]);
    auto id = static_cast<uint64_t>(clients.size() + 1);
    clients.push_back(
        new Client(server, net::UniqueFd(fds[0]), id, "test:" + std::to_string(id), "test:0"));
    return clients.back();
  }
  // Closes client `which` as a disconnect does: the server frees it from then on.
  void disconnect(size_t which) {
    clients[which]->close("test");
    clients[which] = nullptr;
  }
  // Client `which` (0-based), connected on first use.
  Client& conn(size_t which) {
    while (clients.size() <= which) addClient();
    return *clients[which];
  }
  ~ServerFixture() {
    // Every test leaves its clients unblocked (the server must not keep pointers to them).
    CHECK(server.blockedClients() == 0);
    for (Client* c : clients) delete c;
    for (int p : peers) ::close(p);
  }
  std::string run(std::vector<std::string> args, size_t which = 0) {
    std::vector<std::string_view> argv(args.begin(), args.end());
    Client* c = clients[which];
    c->out().clear();
    server.execute(*c, argv);
    return c->out();
  }
  std::string request(Client& c, std::vector<std::string> args) {
    std::vector<std::string_view> argv(args.begin(), args.end());
    c.session.beforeCommand(c.out().size());
    server.execute(c, argv);
    c.session.afterCommand(c.out());
    return take(c);
  }
  // Everything `c` received so far (its output buffer, emptied).
  static std::string take(Client& c) {
    std::string s = c.out();
    c.out().clear();
    return s;
  }
};

}  // namespace strata::node::testing
