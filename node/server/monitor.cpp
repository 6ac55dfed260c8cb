// MONITOR, the server side (Redis 7.0's replicationFeedMonitors): every command a client (or a
// script: "[0 lua]") runs is shown to the monitoring clients as one status line
//   +<unix seconds>.<micros> [0 <addr>] "arg" "arg"...
// with each argument quoted as Redis's sdscatrepr, secrets redacted (server/redaction.h).
// Server::call feeds the monitors after a command ran (EXEC after its queued commands), the
// EVAL/FCALL family before (their flag skip_monitor), admin commands never. Nobody monitoring
// costs one branch per command. A monitoring client may not touch the keyspace any more
// ("Replica can't interact with the keyspace"); RESET or disconnection ends monitoring.
#include <sys/time.h>

#include <algorithm>
#include <cstdio>

#include "common/config/value_parsers.h"
#include "node/server/client.h"
#include "node/server/redaction.h"
#include "node/server/server.h"

namespace strata::node {

bool Server::startMonitoring(Client& client) {
  if (client.monitor) return false;
  client.monitor = true;
  monitors_.push_back(&client);
  return true;
}

void Server::stopMonitoring(Client& client) {
  if (!client.monitor) return;
  client.monitor = false;
  monitors_.erase(std::remove(monitors_.begin(), monitors_.end(), &client), monitors_.end());
}

void Server::feedMonitors(Client& client, const CommandDef& def,
                          const std::vector<std::string_view>& argv) {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  char head[48];
  std::snprintf(head, sizeof head, "+%ld.%06ld [0 ", static_cast<long>(tv.tv_sec),
                static_cast<long>(tv.tv_usec));
  std::string line = head;
  line += client.peer();
  line += "] ";
  const std::vector<bool> secret = redactedArgs(def, argv);
  for (size_t j = 0; j < argv.size(); ++j) {
    if (j > 0) line += ' ';
    config::appendRepr(line, secret[j] ? std::string_view("(redacted)") : argv[j]);
  }
  line += "\r\n";
  // A copy: checkOutputLimits may close a monitor (it stays in the list until clientClosed).
  const std::vector<Client*> monitors = monitors_;
  for (Client* m : monitors) {
    if (m->closed()) continue;
    m->out() += line;
    wantFlush(*m);
    m->checkOutputLimits(nowCachedMs_);
  }
}

}  // namespace strata::node
