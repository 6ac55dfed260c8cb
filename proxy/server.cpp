// Process wiring: TLS contexts, workers, topology bootstrap, listeners, health endpoints,
// signal handling, reload and graceful shutdown.
#include "proxy/server.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "common/config/loader.h"
#include "common/net/callback.h"
#include "common/net/open_files.h"
#include "common/net/tls_context.h"
#include "proxy/open_files_reserve.h"
#include "proxy/settings_schema.h"

namespace strata::proxy {

namespace {
constexpr auto kDrainLimit = std::chrono::seconds(10);
}

Server::Server(ProxySettings settings, std::vector<std::string> args)
    : settings_(std::move(settings)), args_(std::move(args)), base_(event_base_new()) {
  if (settings_.threads <= 0) {
    settings_.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  effectiveMaxclients_ = settings_.maxclients;
  publishSettings();
  shared_.metrics = std::make_unique<ProxyMetrics>(std::make_shared<prometheus::Registry>());
}

Server::~Server() {
  if (topology_) topology_->stop();
  for (auto& w : workers_) {
    w->stop();
    w->join();
  }
}

bool Server::buildTls(const ProxySettings& s, std::string& error) {
  if (s.tlsPort > 0) {
    net::TlsServerOptions o;
    o.certFile = s.tlsCertFile;
    o.keyFile = s.tlsKeyFile;
    o.caFile = s.tlsCaFile;
    o.requireClientCert = s.tlsAuthClients;
    auto result = net::makeServerContext(o);
    if (!result) {
      error = "TLS listener: " + result.error;
      return false;
    }
    shared_.clientTls.store(result.context);
  }
  if (s.backendTls) {
    net::TlsClientOptions o;
    o.caFile = s.backendTlsCaFile;
    o.certFile = s.backendTlsCertFile;
    o.keyFile = s.backendTlsKeyFile;
    o.serverName = s.backendTlsServerName;
    o.verifyPeer = true;
    auto result = net::makeClientContext(o);
    if (!result) {
      error = "backend TLS: " + result.error;
      return false;
    }
    shared_.backendTls.store(result.context);
  }
  return true;
}

void Server::publishSettings() {
  auto published = std::make_shared<ProxySettings>(settings_);
  published->maxclients = effectiveMaxclients_;
  shared_.settings.store(std::move(published));
}

bool Server::fitMaxclients() {
  const int64_t reserve = openFilesReserve(settings_);
  const int64_t allowed = net::adjustOpenFilesLimit(settings_.maxclients, reserve, kFdsPerClient);
  if (allowed <= 0) {
    spdlog::critical(
        "not enough open files: maxclients {} needs {} descriptors per client (its socket and a "
        "dedicated backend link) and {} besides ({} workers, backend-connections {}); raise "
        "'ulimit -n' (LimitNOFILE= in a systemd unit)",
        settings_.maxclients, kFdsPerClient, reserve, settings_.threads,
        settings_.backendConnections);
    return false;
  }
  effectiveMaxclients_ = static_cast<int>(allowed);
  return true;
}

int Server::run() {
  signal(SIGPIPE, SIG_IGN);
  if (!fitMaxclients()) return 1;  // before anything holds a descriptor
  publishSettings();
  std::string error;
  if (!buildTls(settings_, error)) {
    spdlog::critical("{}", error);
    return 1;
  }
  if (settings_.nodes.empty()) {
    spdlog::critical("no cluster node given: use --nodes host:port[,host:port...]");
    return 1;
  }

  std::vector<Worker*> raw;
  for (int i = 0; i < settings_.threads; ++i) {
    workers_.push_back(std::make_unique<Worker>(i, shared_));
    raw.push_back(workers_.back().get());
  }
  shared_.workers = raw;
  topology_ = std::make_unique<Topology>(shared_, raw);
  shared_.requestTopologyRefresh = [t = topology_.get()] { t->requestRefresh(); };
  if (!topology_->bootstrap(error)) {
    spdlog::warn("cluster not reachable yet ({}); serving errors until it is", error);
  }

  listener_ = std::make_unique<Listener>(
      base_.get(),
      [this](net::UniqueFd fd, bool tls) {
        Worker& w = *workers_[nextWorker_++ % workers_.size()];
        w.adoptClient(std::move(fd), tls);
      },
      [this](int) { shared_.metrics->acceptErrors.Increment(); });
  if (settings_.port > 0 && !listener_->listen(settings_.bind, settings_.port, false, error)) {
    spdlog::critical("{}", error);
    return 1;
  }
  if (settings_.tlsPort > 0 && !listener_->listen(settings_.bind, settings_.tlsPort, true, error)) {
    spdlog::critical("{}", error);
    return 1;
  }

  if (settings_.metricsPort > 0) {
    observe::MetricsOptions mo;
    mo.address = settings_.metricsBind + ":" + std::to_string(settings_.metricsPort);
    auto started = observe::MetricsServer::start(mo, shared_.metrics->registryPtr());
    if (!started) {
      spdlog::critical("metrics endpoint: {}", started.error);
      return 1;
    }
    metrics_ = std::move(started.server);
    metrics_->setHandler("/healthz", [] { return observe::HttpTextReply{200, "ok\n"}; });
    metrics_->setHandler("/readyz", [this] {
      auto map = shared_.slotMap.load();
      bool ready = map && map->coveredSlots() == 16384 && shared_.commands.load() &&
                   !shared_.draining.load();
      return ready ? observe::HttpTextReply{200, "ready\n"}
                   : observe::HttpTextReply{503, "not ready: slot map incomplete or draining\n"};
    });
  }

  for (auto& w : workers_) w->start();
  topology_->start();

  for (int sig : {SIGHUP, SIGTERM, SIGINT}) {
    signals_.emplace_back(evsignal_new(base_.get(), sig, net::callback<&Server::onSignal>, this));
    evsignal_add(signals_.back().get(), nullptr);
  }
  spdlog::info("proxy ready: port {} tls-port {} workers {} metrics {} maxclients {}",
               listener_->port(false), listener_->port(true), workers_.size(),
               settings_.metricsPort, effectiveMaxclients_);
  event_base_dispatch(base_.get());

  topology_->stop();
  for (auto& w : workers_) w->join();
  workers_.clear();
  metrics_.reset();
  spdlog::info("proxy stopped");
  return 0;
}

void Server::onSignal(evutil_socket_t sig, short) {
  if (sig == SIGHUP) {
    reload();
  } else {
    beginShutdown();
  }
}

void Server::reload() {
  ProxySettings fresh = settings_;
  auto result = config::reload(proxySchema(), fresh, args_);
  if (!result.status.isOk()) {
    spdlog::error("reload failed, keeping the running configuration: {}", result.status.message());
    return;
  }
  std::string error;
  if (!buildTls(fresh, error)) {
    spdlog::error("reload: {}; keeping the previous certificates", error);
  }
  fresh.threads = settings_.threads;
  const bool maxclientsChanged = fresh.maxclients != settings_.maxclients;
  settings_ = fresh;
  if (maxclientsChanged && !fitMaxclients()) {
    spdlog::error("reload: keeping maxclients {}", effectiveMaxclients_);
  }
  publishSettings();
  for (auto& w : workers_) w->reloadSettings();
  for (const auto& name : result.ignored) {
    spdlog::warn("reload: '{}' changed but needs a restart", name);
  }
  spdlog::info("configuration reloaded ({} options changed)", result.changed.size());
}

void Server::beginShutdown() {
  if (shuttingDown_) {
    // A second signal: stop now. The workers must leave their loops too, or run() waits on
    // them forever (the drain timer that would stop them runs on this loop).
    for (auto& w : workers_) w->stop();
    event_base_loopbreak(base_.get());
    return;
  }
  shuttingDown_ = true;
  shared_.draining.store(true);
  spdlog::info("shutting down: draining in-flight requests");
  listener_->close();
  for (auto& w : workers_) w->drain();
  shutdownDeadline_ = std::chrono::steady_clock::now() + kDrainLimit;
  drainTimer_.reset(
      event_new(base_.get(), -1, EV_PERSIST, net::callback<&Server::onDrainCheck>, this));
  timeval tv{0, 50 * 1000};
  event_add(drainTimer_.get(), &tv);
}

void Server::onDrainCheck(evutil_socket_t, short) {
  // Workers leave their loops when drained; past the limit, stop them outright.
  if (std::chrono::steady_clock::now() > shutdownDeadline_) {
    for (auto& w : workers_) w->stop();
  }
  bool allDone = true;
  for (auto& w : workers_) allDone = allDone && w->finished();
  if (allDone) event_base_loopbreak(base_.get());
}

}  // namespace strata::proxy
