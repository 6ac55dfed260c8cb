// The event loop: listeners and accept (maxclients), per-request dispatch (lookup, arity, auth,
// handler), the beforeSleep flush, the cron (active expiry, rehashing, idle timeouts) and
// SIGTERM/SIGINT shutdown.
#include "node/server/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "common/net/callback.h"
#include "common/net/stream.h"
#include "node/cluster/cluster.h"
#include "node/commands/handlers.h"
#include "node/migrate/migrate_sockets.h"
#include "node/observe/node_metrics.h"
#include "node/persistence/persistence.h"
#include "node/replication/replication.h"
#include "node/scripting/scripting.h"
#include "node/server/acl.h"
#include "node/server/auth_guard.h"
#include "node/server/client.h"
#include "node/server/command_stats.h"
#include "node/server/eviction.h"
#include "node/server/latency.h"
#include "node/server/node_tls.h"
#include "node/server/tracking.h"
#include "node/settings_schema.h"

namespace strata::node {

namespace {

constexpr int kMaxAcceptsPerCall = 1000;
constexpr size_t kExpireKeysPerLoop = 20;
constexpr int kExpireAcceptableStalePercent = 10;
constexpr int kExpireCycleCpuPercent = 25;

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

int64_t nowMs() {
  timeval tv;
  gettimeofday(&tv, nullptr);
  return static_cast<int64_t>(tv.tv_sec) * 1000 + tv.tv_usec / 1000;
}

int64_t nowUs() {
  timeval tv;
  gettimeofday(&tv, nullptr);
  return static_cast<int64_t>(tv.tv_sec) * 1000000 + tv.tv_usec;
}

Server::Server(NodeSettings settings)
    : settings_(std::move(settings)),
      registry_(nodeSchema(), settings_),
      base_(event_base_new()),
      acceptBackoff_(base_.get(), "client", [this](bool on) { enableListeners(on); }) {
  startMs_ = nowMs();
  updateClock();
  commandStats_ = std::make_unique<CommandStats>(commands_);
  acl_ = std::make_unique<Acl>(commands_);
  acl_->setDefaultPassword(settings_.requirepass);  // requirepass: the default user's password
  latency_ = std::make_unique<LatencyMonitor>();
  eviction_ = std::make_unique<Eviction>(*this);
  metrics_ = std::make_unique<NodeMetrics>(*this);
  keyspace_.setLfu(settings_.lfuPolicy(), settings_.lfuLogFactor, settings_.lfuDecayTime);
  persistence_ = std::make_unique<Persistence>(*this);
  tls_ = std::make_unique<NodeTls>();
  keyspace_.setModifiedHook([this](std::string_view key) {
    touchWatchedKey(key);  // WATCH
    if (tracking_) [[unlikely]] {
      tracking_->invalidateKey(key, true, executingClient_, currentClient_);  // CLIENT TRACKING
    }
  });
  keyspace_.setFlushedHook([this] {
    touchAllWatchedKeys();
    if (tracking_) [[unlikely]] {
      tracking_->invalidateOnFlush(currentClient_);
    }
  });
  keyspace_.setExpiredHook([this](std::string_view key) {
    stats_.expiredKeys++;
    if (tracking_) [[unlikely]] {
      tracking_->invalidateKey(key, true, nullptr, currentClient_);  // CLIENT TRACKING
    }
    notifyKeyspaceEvent(notify::kExpired, "expired", key);
    if (propagationActive()) propagate({"DEL", key});  // lazy and active expiry replay as DEL
  });
  keyspace_.setAddedHook(
      [this](std::string_view key) { notifyKeyspaceEvent(notify::kNew, "new", key); });
  if (settings_.clusterEnabled) keyspace_.enableSlotIndex();  // GETKEYSINSLOT, MIGRATE
  replication_ = std::make_unique<Replication>(*this);  // a propagation sink: after persistence_
}

Server::~Server() {
  replication_.reset();  // saves its state, stops sync children, while clients still exist
  for (auto& [id, c] : clients_) delete c;
  for (Client* c : closing_) delete c;
  persistence_.reset();
}

void Server::updateClock() {
  nowCachedMs_ = nowMs();
  keyspace_.setNow(nowCachedMs_);
  keyspace_.setLruClock(static_cast<uint32_t>(nowCachedMs_ / 1000));
}

uint32_t Server::admissionFlags(const CommandDef& def, const std::vector<std::string_view>& argv) {
  // Only the six script commands carry no_mandatory_keys: one bit test for every other one.
  if (!def.hasFlag("no_mandatory_keys")) return def.flagBits;
  return scripting().commandFlags(def, argv);
}

bool Server::bindOne(const std::string& address, int port, bool tls, bool optional) {
  std::string host = address;
  bool v6 = host.find(':') != std::string::npos;
  if (host == "*") host = "0.0.0.0";
  if (host == "::*") host = "::";
  sockaddr_storage sa{};
  socklen_t len = 0;
  if (v6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&sa);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) != 1) {
      spdlog::warn("Invalid bind address '{}'", address);
      return optional;
    }
    len = sizeof(sockaddr_in6);
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&sa);
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &in->sin_addr) != 1) {
      spdlog::warn("Invalid bind address '{}'", address);
      return optional;
    }
    len = sizeof(sockaddr_in);
  }
  net::UniqueFd fd(socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return optional;
  int yes = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  if (v6) setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof(yes));
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), len) != 0 || ::listen(fd.get(), 511) != 0) {
    if (!optional) {
      spdlog::error("Could not create server {} listening socket {}:{}: {}", tls ? "TLS" : "TCP",
                    address, port, std::strerror(errno));
    }
    return optional;
  }
  sockaddr_storage bound{};
  socklen_t boundLen = sizeof(bound);
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &boundLen);
  (tls ? boundTlsPort_ : boundPort_) =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  listenEvents_.emplace_back(event_new(
      base_.get(), fd.get(), EV_READ | EV_PERSIST,
      tls ? net::callback<&Server::onAcceptTls> : net::callback<&Server::onAccept>, this));
  event_add(listenEvents_.back().get(), nullptr);
  listenFds_.push_back(std::move(fd));
  return true;
}

bool Server::listen() {
  if (!configureAclUsers()) return false;  // before any client can connect
  if (auto error = tls_->configure(settings_)) {
    spdlog::error("Failed to configure TLS: {}", *error);
    return false;
  }
  std::vector<std::string> addresses = settings_.bind;
  if (addresses.empty()) addresses = {"*", "-::*"};
  // port 0: no plain listener (as Redis); tls-port: a TLS listener on the same addresses.
  for (const auto& a : addresses) {
    bool optional = !a.empty() && a[0] == '-';
    const std::string address = optional ? a.substr(1) : a;
    if (settings_.port > 0 && !bindOne(address, settings_.port, false, optional)) return false;
    if (settings_.tlsPort > 0 && !bindOne(address, settings_.tlsPort, true, optional)) {
      return false;
    }
  }
  if (listenFds_.empty()) {
    spdlog::error("Configured to not listen anywhere, exiting.");
    return false;
  }
  if (!metrics_->start()) return false;  // metrics-port: /metrics and /healthz
  if (settings_.clusterEnabled) {        // nodes.conf, the cluster bus (node/cluster/)
    cluster_ = std::make_unique<Cluster>(*this);
    if (!cluster_->start()) return false;
  }
  return true;
}

void Server::onAccept(evutil_socket_t listenFd, short) {
  acceptClients(listenFd, false);
}

void Server::onAcceptTls(evutil_socket_t listenFd, short) {
  acceptClients(listenFd, true);
}

void Server::acceptClients(int listenFd, bool tls) {
  for (int i = 0; i < kMaxAcceptsPerCall; ++i) {
    int raw = accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (raw < 0) {
      // Out of descriptors (EMFILE...): the listeners pause briefly instead of spinning on a
      // socket that stays readable; other errors are logged at most once a second.
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        acceptBackoff_.onAcceptError(errno);
      }
      return;
    }
    net::UniqueFd fd(raw);
    if (refusedByProtectedMode(fd.get())) continue;
    if (clients_.size() >= static_cast<size_t>(settings_.maxclients)) {
      static constexpr std::string_view kMsg = "-ERR max number of clients reached\r\n";
      if (!tls) {  // a TLS client would need a handshake first: it is only closed
        ssize_t ignored = ::write(fd.get(), kMsg.data(), kMsg.size());
        (void)ignored;
      }
      stats_.rejectedConnections++;
      continue;
    }
    net::setNoDelay(fd.get());
    if (settings_.tcpKeepalive > 0) net::setKeepAlive(fd.get(), settings_.tcpKeepalive);
    std::string peer = net::socketAddress(fd.get(), false);
    std::string local = net::socketAddress(fd.get(), true);
    net::SslPtr ssl;
    if (tls) {
      const auto& context = tls_->server();
      ssl = context ? context->newSsl() : nullptr;
      if (!ssl) {
        spdlog::warn("Accepting TLS client connection: cannot create a TLS session");
        continue;
      }
    }
    uint64_t id = nextClientId_++;
    updateClock();
    auto* client =
        new Client(*this, std::move(fd), id, std::move(peer), std::move(local), std::move(ssl));
    clients_.emplace(id, client);
    stats_.totalConnections++;
  }
}

void Server::enableListeners(bool on) {
  for (auto& ev : listenEvents_) {
    if (on) {
      event_add(ev.get(), nullptr);
    } else {
      event_del(ev.get());
    }
  }
}

bool Server::refusedByProtectedMode(int fd) {
  if (!settings_.protectedMode || !acl_->defaultUser()->nopass) return false;
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return false;
  if (ss.ss_family == AF_UNIX) return false;
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) return false;
  } else if (ss.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return false;
  }
  // redis-server 7.0's text (networking.c, clientAcceptHandler).
  static constexpr std::string_view kDenied =
      "-DENIED Redis is running in protected mode because protected mode is enabled and no "
      "password is set for the default user. In this mode connections are only accepted from "
      "the loopback interface. If you want to connect from external computers to Redis you may "
      "adopt one of the following solutions: 1) Just disable protected mode sending the command "
      "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from "
      "the same host the server is running, however MAKE SURE Redis is not publicly accessible "
      "from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
      "Alternatively you can just disable the protected mode by editing the Redis configuration "
      "file, and setting the protected mode option to 'no', and then restarting the server. 3) "
      "If you started the server manually just for testing, restart it with the "
      "'--protected-mode no' option. 4) Setup a an authentication password for the default "
      "user. NOTE: You only need to do one of the above things in order for the server to start "
      "accepting connections from the outside.\r\n";
  ssize_t ignored = ::write(fd, kDenied.data(), kDenied.size());
  (void)ignored;
  return true;
}

void Server::wantFlush(Client& client) {
  if (client.inPendingList) return;
  client.inPendingList = true;
  pendingFlush_.push_back(&client);
}

void Server::clientClosed(Client& client) {
  if (client.block.blocked) unblock(client);
  resetSession(client);  // MULTI, WATCH, subscriptions, a postponed request
  if (replication_) replication_->clientClosed(client);  // a replica, a WAIT
  clients_.erase(client.id());
  closing_.push_back(&client);
}

void Server::beforeSleep() {
  resumeUnblocked();
  if (tracking_) [[unlikely]] {
    tracking_->broadcast();  // BCAST invalidations of this round
  }
  persistenceBeforeSleep();  // AOF write (+ fsync if always) before any reply of this round
  for (size_t i = 0; i < pendingFlush_.size(); ++i) {
    Client* c = pendingFlush_[i];
    c->inPendingList = false;
    if (!c->closed()) c->flush();
  }
  pendingFlush_.clear();
  for (Client* c : closing_) delete c;
  closing_.clear();
}

void Server::execute(Client& client, const std::vector<std::string_view>& argv) {
  resp::Writer& w = client.writer();
  updateClock();
  client.lastInteractionMs = nowCachedMs_;
  const size_t before = client.out().size();
  const CommandDef* def = commands_.find(argv[0]);
  if (def == nullptr) {
    replyUnknownCommand(w, argv);
    countIfErrorReply(client, before);
    flagTransaction(client, nullptr, before);
    return;
  }
  if (!def->subcommands.empty() && argv.size() >= 2) {
    const CommandDef* sub = CommandTable::findSub(*def, argv[1]);
    if (sub == nullptr) {
      w.error("ERR unknown subcommand '" + std::string(argv[1].substr(0, 128)) + "'. Try " +
              upper(argv[0]) + " HELP.");
      countIfErrorReply(client, before);
      flagTransaction(client, def, before);
      return;
    }
    def = sub;
  }
  const int argc = static_cast<int>(argv.size());
  if ((def->arity > 0 && argc != def->arity) || argc < -def->arity) {
    replyArity(w, def->name);
    countIfErrorReply(client, before);
    flagTransaction(client, def, before);
    commandStatsRejected(*def);
    return;
  }
  if (!client.authenticated && !def->hasFlag("no_auth")) {
    w.error(errors::kNoAuth);
    countIfErrorReply(client, before);
    flagTransaction(client, def, before);
    commandStatsRejected(*def);
    return;
  }
  // ACL (acl_gate.cpp): one flag test for a user with allcommands, allkeys and allchannels.
  if (!client.user->unrestricted && !aclGate(client, *def, argv)) [[unlikely]] {
    countIfErrorReply(client, before);
    flagTransaction(client, def, before);
    commandStatsRejected(*def);
    return;
  }
  // Admission, in redis-server 7.0's processCommand order. Each gate answers the client itself
  // and returns false to refuse (or, for MULTI, to queue); each lives with the feature it guards.
  const bool admitted =
      clusterGate(client, *def, argv) &&                      // node/cluster: MOVED, ASK, ...
      memoryGate(client, *def, argv) &&                       // eviction.cpp: maxmemory, OOM
      persistenceGate(client, *def, argv) &&                  // node/persistence: AOF errors
      replicaGate(client, *def, argv) &&                      // node/replication: read-only
      pubsubGate(client, *def) &&                             // pubsub.cpp: RESP2 subscribers
      staleGate(client, *def, argv) &&                        // node/replication: MASTERDOWN
      loadingGate(client, *def) &&                            // node/replication: LOADING
      (!scripting_ || scripting_->busyGate(client, *def)) &&  // a script past its limit: BUSY
      monitorGate(client, *def) &&                            // below: MONITOR clients
      transactionGate(client, *def, argv);                    // transactions.cpp: MULTI queue
  if (!admitted) {
    if (client.out().size() > before && client.out()[before] == '-') {
      countErrorReply(std::string_view(client.out()).substr(before));
      commandStatsRejected(*def);
      flagTransaction(client, def, before);  // queued-so-far MULTI answers EXECABORT
    }
    return;
  }
  if (tracking_ && tracking_->clients() > 0) [[unlikely]] {  // before the command, as Redis
    tracking_->limitKeys(static_cast<size_t>(settings_.trackingTableMaxKeys));
  }
  call(client, *def, argv);
}

// A MONITOR client stays out of the keyspace (Redis: a replica's restriction, checked after the
// busy-script gate).
bool Server::monitorGate(Client& client, const CommandDef& def) {
  if (!client.monitor) [[likely]] {
    return true;
  }
  if (!def.hasFlag("write") && !def.hasFlag("readonly") && !def.hasFlag("may_replicate")) {
    return true;
  }
  client.writer().error("ERR Replica can't interact with the keyspace");
  return false;
}

void Server::countIfErrorReply(Client& client, size_t before) {
  const std::string& out = client.out();
  if (out.size() > before && out[before] == '-') {
    countErrorReply(std::string_view(out).substr(before));
  }
}

void Server::call(Client& client, const CommandDef& def,
                  const std::vector<std::string_view>& argv) {
  resp::Writer& w = client.writer();
  const size_t before = client.out().size();
  if (!txps_.inExec) client.lastCommand = def.name;  // EXEC's stay "exec"
  const uint64_t dirtyBefore = keyspace_.dirty();
  const Propagator::Frame frame = persistence_->propagator().begin();
  // MONITOR: the EVAL/FCALL family shows before the commands of its script, the rest after
  // running (so EXEC follows its queued commands); admin commands never.
  if (!monitors_.empty()) [[unlikely]] {
    if (def.hasFlag("skip_monitor") && !def.hasFlag("admin")) feedMonitors(client, def, argv);
  }
  // CLIENT TRACKING's bookkeeping (Redis's server.current_client), only once a client has
  // used tracking: without it a call pays these `tracked` tests and nothing else.
  const bool tracked = tracking_ != nullptr;
  Client* outerExecuting = nullptr;
  if (tracked) [[unlikely]] {
    outerExecuting = executingClient_;
    if (callDepth_++ == 0) {
      currentClient_ = &client;
      currentDef_ = &def;
      currentArgv_ = &argv;
    }
    executingClient_ = &client;
  }
  const int64_t startUs = nowUs();
  CommandContext ctx{*this, client, keyspace_, argv, w, def};
  try {
    def.handler(ctx);
  } catch (const std::exception& e) {
    w.error(std::string("ERR ") + e.what());
  }
  const int64_t durationUs = nowUs() - startUs;
  if (tracked) [[unlikely]] {
    executingClient_ = outerExecuting;
    trackingAfterCall(client, def, argv);  // remember the keys read
  }
  // After the call, as Redis's call(): the slow log, per-command statistics, propagation of the
  // command's effect to the AOF and replicas (when it changed the dataset).
  slowlogRecord(client, def, argv, durationUs);
  if (!monitors_.empty() && !client.reprocessing) [[unlikely]] {
    if (!def.hasFlag("skip_monitor") && !def.hasFlag("admin")) feedMonitors(client, def, argv);
  }
  latencyRecord(def, durationUs);
  const bool failed = client.out().size() > before && client.out()[before] == '-';
  commandStatsRecord(def, durationUs, failed);
  if (keyspace_.dirty() != dirtyBefore) propagateCommand(def, argv);
  persistence_->propagator().end(frame);  // the outermost call feeds the sinks
  stats_.totalCommands++;
  if (failed) [[unlikely]] {  // total_error_replies and INFO errorstats
    if (errorAlreadyCounted_) {
      errorAlreadyCounted_ = false;
    } else {
      countErrorReply(std::string_view(client.out()).substr(before));
    }
  }
  if (tracked) [[unlikely]] {
    if (--callDepth_ == 0) {
      // The running client's own invalidations follow its whole reply (EXEC's, a script's);
      // inside an EXEC that turned tracking on they wait for the EXEC's end (below).
      if (!txps_.inExec && tracking_->hasPending()) tracking_->flushPending(client);
      currentClient_ = nullptr;
    }
  } else if (tracking_ && !txps_.inExec && tracking_->hasPending()) [[unlikely]] {
    tracking_->flushPending(client);  // the EXEC whose CLIENT TRACKING ON created tracking_
  }
  client.checkOutputLimits(nowCachedMs_);
  // Blocked clients are served after the whole EXEC, as processCommand does.
  if (!servingBlocked_ && !txps_.inExec && !readyKeys_.empty()) handleReadyKeys();
}

int Server::hz() const {
  return std::clamp(settings_.hz, 1, 500);
}

void Server::armCron() {
  cronHz_ = hz();
  if (!cron_) {
    cron_.reset(event_new(base_.get(), -1, EV_PERSIST, net::callback<&Server::onCron>, this));
  } else {
    event_del(cron_.get());
  }
  int64_t us = 1000000 / cronHz_;
  timeval tv{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
  event_add(cron_.get(), &tv);
}

void Server::activeExpireCycle() {
  const int64_t start = nowUs();
  const int64_t limitUs = 1000000LL * kExpireCycleCpuPercent / hz() / 100;
  for (;;) {
    size_t sampled = 0;
    size_t expired = keyspace_.expireCycle(kExpireKeysPerLoop, sampled);
    if (sampled == 0) break;
    if (expired * 100 / sampled <= static_cast<size_t>(kExpireAcceptableStalePercent)) break;
    if (nowUs() - start > limitUs) break;
  }
}

void Server::onCron(evutil_socket_t, short) {
  updateClock();
  checkBlockedTimeouts();
  if (!isReplica()) activeExpireCycle();  // replicas wait for their master's DELs
  // Incremental rehashing: up to 1 ms per tick, 100 buckets at a time (Redis's databasesCron).
  keyspace_.shrinkIfSparse();
  if (keyspace_.rehashing()) {
    const int64_t start = nowUs();
    while (keyspace_.rehashStep(100) && nowUs() - start < 1000) {
    }
  }
  if (nowCachedMs_ - lastTimeoutCheckMs_ >= 1000) {
    lastTimeoutCheckMs_ = nowCachedMs_;
    std::vector<Client*> idle;
    for (auto& [id, c] : clients_) {
      if (settings_.timeout > 0 && !c->hasPendingOutput() && !c->block.blocked &&
          !c->session.postponed &&  // held by CLIENT PAUSE: blocked, not idle
          nowCachedMs_ - c->lastInteractionMs > static_cast<int64_t>(settings_.timeout) * 1000) {
        idle.push_back(c);
      } else if (c->hasPendingOutput()) {
        c->checkOutputLimits(nowCachedMs_);
      }
    }
    for (Client* c : idle) {
      spdlog::debug("Closing idle client id={}", c->id());
      c->close("idle timeout");
    }
  }
  persistenceCron();
  eviction_->cron();    // client buffers, peak memory, a lowered maxmemory
  metrics_->collect();  // copy counters into the Prometheus registry (metrics-port only)
  if (hz() != cronHz_) armCron();
}

void Server::onSignal(evutil_socket_t sig, short) {
  spdlog::warn("Received {} scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
  // The final RDB save when save points are set; a failed one keeps the node running (Redis).
  if (!persistence_->shutdownSave(false, false, false)) return;
  exit_ = true;
  event_base_loopbreak(base_.get());
}

int Server::run() {
  armCron();
  signal(SIGPIPE, SIG_IGN);
  sigterm_.reset(evsignal_new(base_.get(), SIGTERM, net::callback<&Server::onSignal>, this));
  sigint_.reset(evsignal_new(base_.get(), SIGINT, net::callback<&Server::onSignal>, this));
  event_add(sigterm_.get(), nullptr);
  event_add(sigint_.get(), nullptr);
  if (!persistenceStart()) return 1;  // AOF load; a corrupt AOF refuses to start
  if (boundPort_ > 0) spdlog::info("Ready to accept connections tcp (port {})", boundPort_);
  if (boundTlsPort_ > 0) spdlog::info("Ready to accept connections tls (port {})", boundTlsPort_);
  while (!exit_) {
    if (event_base_loop(base_.get(), EVLOOP_ONCE) < 0) break;
    beforeSleep();
  }
  beforeSleep();
  persistenceShutdown();  // write + fsync the AOF, stop a rewrite child
  for (auto& [id, c] : std::map<uint64_t, Client*>(clients_)) c->close("server shutting down");
  beforeSleep();
  spdlog::warn("strata node is now ready to exit, bye bye...");
  return 0;
}

}  // namespace strata::node
