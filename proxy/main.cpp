// The `proxy` binary: parses the TOML file and command line, sets up logging, runs the Server.
//   proxy [file.toml] --port 6380 --nodes 127.0.0.1:7000,127.0.0.1:7001 --threads 2 --metrics-port
//   9121
#include <cstdio>

#include "common/config/help.h"
#include "common/config/loader.h"
#include "common/observe/logging.h"
#include "proxy/server.h"
#include "proxy/settings_schema.h"

int main(int argc, char** argv) {
  using namespace strata;
  proxy::ProxySettings settings = proxy::proxySchema().defaults();
  std::vector<std::string> args = config::detail::argsFrom(argc, argv);
  config::LoadResult loaded = config::load(proxy::proxySchema(), settings, args);
  if (!loaded.ok()) {
    fprintf(stderr, "proxy: %s\n", loaded.status.message().c_str());
    return 2;
  }
  if (loaded.action == config::Action::kHelp) {
    fputs(config::helpText(proxy::proxySchema(), "proxy").c_str(), stdout);
    return 0;
  }
  if (loaded.action == config::Action::kVersion) {
    puts("strata proxy 0.1.0");
    return 0;
  }
  observe::LogOptions log;
  log.level = settings.loglevel;
  log.file = settings.logfile;
  log.format = *observe::parseLogFormat(settings.logFormat);
  if (auto error = observe::initLogging(log)) {
    fprintf(stderr, "proxy: %s\n", error->c_str());
    return 2;
  }
  proxy::Server server(settings, args);
  int status = server.run();
  observe::flushLogs();
  return status;
}
