// The proxy process: owns the shared state, the worker threads, the topology thread, the
// listeners and the metrics/health endpoint, and handles signals on the main thread's loop:
//   SIGHUP  re-reads the config file and command line; reloadable options (users, passwords,
//           limits, certificates) apply to new requests and connections, nobody is dropped.
// maxclients needs maxclients + openFilesReserve() descriptors (open_files_reserve.h): the start
// and a reload that changes it raise RLIMIT_NOFILE, or lower the maxclients the workers see
// (INFO proxy's maxclients) with Redis's warnings; too few for the reserve: exit status 1.
//   SIGTERM / SIGINT  stop accepting, let in-flight requests finish (bounded), then exit 0.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/net/handles.h"
#include "common/observe/metrics_server.h"
#include "proxy/listener.h"
#include "proxy/settings.h"
#include "proxy/topology.h"
#include "proxy/worker.h"

namespace strata::proxy {

class Server {
 public:
  // `args` are the command-line arguments (without argv[0]), kept for SIGHUP reloads.
  Server(ProxySettings settings, std::vector<std::string> args);
  ~Server();

  // Starts everything and runs until SIGTERM/SIGINT. Returns the process exit status.
  int run();

 private:
  bool buildTls(const ProxySettings& s, std::string& error);
  // Fits maxclients to the open-files limit (raising it if it can); false if not even the
  // reserve fits. Sets effectiveMaxclients_; publishSettings() hands it to the workers.
  bool fitMaxclients();
  void publishSettings();
  void onSignal(evutil_socket_t sig, short);
  void onDrainCheck(evutil_socket_t, short);
  void reload();
  void beginShutdown();

  ProxySettings settings_;  // as configured; the published copy carries effectiveMaxclients_
  int effectiveMaxclients_ = 0;
  std::vector<std::string> args_;
  SharedState shared_;
  net::EventBasePtr base_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<Topology> topology_;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<observe::MetricsServer> metrics_;
  std::vector<net::EventPtr> signals_;
  net::EventPtr drainTimer_;
  size_t nextWorker_ = 0;
  bool shuttingDown_ = false;
  std::chrono::steady_clock::time_point shutdownDeadline_;
};

}  // namespace strata::proxy
