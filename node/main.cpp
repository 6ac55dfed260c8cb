// The `node` binary: parses the optional TOML file and redis-server-style flags, sets up logging
// and runs the single-threaded Server.
//   node [node.toml] --port 7000 --cluster-enabled yes --cluster-config-file nodes.conf
//   --cluster-node-timeout 5000 --appendonly yes
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/config/help.h"
#include "common/config/loader.h"
#include "common/net/open_files.h"
#include "common/observe/logging.h"
#include "node/server/config_apply.h"
#include "node/server/config_rewrite.h"
#include "node/server/server.h"
#include "node/settings_schema.h"

int main(int argc, char** argv) {
  using namespace strata;
  node::NodeSettings settings = node::nodeSchema().defaults();
  std::vector<std::string> args = config::detail::argsFrom(argc, argv);
  config::LoadResult loaded = config::load(node::nodeSchema(), settings, args);
  if (!loaded.ok()) {
    fprintf(stderr, "node: %s\n", loaded.status.message().c_str());
    return 2;
  }
  if (!loaded.config_file.empty()) {  // CONFIG REWRITE's file, absolute before any chdir
    node::setConfigFilePath(std::filesystem::absolute(loaded.config_file).string());
  }
  if (loaded.action == config::Action::kHelp) {
    fputs(config::helpText(node::nodeSchema(), "node").c_str(), stdout);
    return 0;
  }
  if (loaded.action == config::Action::kVersion) {
    puts("strata node 0.1.0");
    return 0;
  }
  if (settings.daemonize) {
    fprintf(stderr,
            "node: 'daemonize yes' is not supported: run the node in the foreground under a "
            "supervisor (systemd, a container runtime)\n");
    return 2;
  }
  if (!settings.dir.empty() && chdir(settings.dir.c_str()) != 0) {
    fprintf(stderr, "node: can't chdir to '%s': %s\n", settings.dir.c_str(), strerror(errno));
    return 1;
  }
  observe::LogOptions log;
  log.level = settings.loglevel;
  log.file = settings.logfile;
  if (auto error = observe::initLogging(log)) {
    fprintf(stderr, "node: %s\n", error->c_str());
    return 2;
  }
  node::clampHz(settings);  // as Redis: CONFIG GET shows the adjusted values
  settings.maxclients = net::adjustOpenFilesLimit(settings.maxclients, node::kReservedFds);
  if (settings.maxclients <= 0) return 1;
  node::Server server(settings);
  if (!server.listen()) return 1;
  int status = server.run();
  observe::flushLogs();
  return status;
}
