// Replication: the master side (stream feed, backlog, PSYNC with full syncs streamed by a
// fork()ed child, REPLCONF, WAIT), role changes (REPLICAOF / CLUSTER REPLICATE / promotion with
// replid2), the replication cron (PINGs, timeouts, ACK accounting, min-replicas), the state file
// that lets a restarted node resume partially, and INFO replication. The replica's link to its
// master lives in replica_link.cpp. Event-loop thread only (the snapshot child is a separate
// process that only writes to its replica's socket and to a status pipe; for a TLS replica it
// writes into a pipe instead, and the loop forwards that into the replica's encrypted output,
// as Redis's rdbPipe for TLS: the child cannot write into the parent's TLS session).
#include "node/replication/replication.h"
#include "common/config/value_parsers.h"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <random>

#include "common/net/callback.h"
#include "node/commands/handlers.h"
#include "node/observe/node_metrics.h"
#include "node/persistence/persistence.h"
#include "node/persistence/rdb_file.h"
#include "node/persistence/rdb_snapshots.h"
#include "node/replication/replica_link.h"
#include "node/server/client.h"
#include "node/server/server.h"

#if __has_include("node/persistence/snapshot.h")
#include "node/persistence/snapshot.h"
#define STRATA_HAVE_SNAPSHOT 1
#endif

namespace strata::node {

namespace {

constexpr int64_t kTimerMs = 100;
constexpr size_t kChildBuffer = 256 * 1024;
// TLS replicas: snapshot bytes read from the child's pipe per read, and the replica output that
// pauses the forwarding (resumed by the timer below half of it).
constexpr size_t kSnapshotChunk = 64 * 1024;
constexpr size_t kSnapshotMaxPending = 4u << 20;
constexpr std::string_view kStateFile = "strata-replication.state";
const std::string kZeroId(40, '0');

using config::equalsNoCase;

// Child side of a full sync: blocking-style writes on the (non-blocking) replica socket.
bool writeAll(int fd, const char* p, size_t n, int timeoutMs) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w > 0) {
      p += w;
      n -= static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pfd{fd, POLLOUT, 0};
      if (::poll(&pfd, 1, timeoutMs) <= 0) return false;
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace

std::string randomHexId() {
  static std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(40, '0');
  for (char& c : id) c = kHex[rng() & 15];
  return id;
}

// One connection that announced itself with REPLCONF or became a replica with PSYNC/SYNC.
struct Replication::ReplicaInfo {
  enum class State { kHandshake, kWaitBgsave, kOnline };
  Client* client = nullptr;
  State state = State::kHandshake;
  std::string pending;  // stream produced while the snapshot child runs
  pid_t child = -1;
  net::UniqueFd statusFd;  // the child writes one byte ('1': sent) then exits
  net::EventPtr statusEvent;
  // TLS replicas: the read end of the child's snapshot pipe, forwarded by forwardSnapshot().
  net::UniqueFd dataFd;
  net::EventPtr dataEvent;
  bool dataPaused = false;
  int childStatus = -1;  // the status byte once read ('1': the child wrote everything)
  int64_t ackOffset = 0;
  int64_t ackMs = 0;
  int listeningPort = 0;
  std::string announcedIp;
  // REPLCONF rdb-only 1 (redis-cli --rdb): the sync sends an RDB file, then the link closes.
  bool rdbOnly = false;
  Replication* owner = nullptr;
};

Replication::Replication(Server& server) : server_(server) {
  replid_ = randomHexId();
  replid2_ = kZeroId;
  timer_.reset(
      event_new(server_.base(), -1, EV_PERSIST, net::callback<&Replication::onTimer>, this));
  timeval tv{0, static_cast<suseconds_t>(kTimerMs * 1000)};
  event_add(timer_.get(), &tv);
  deferred_.reset(event_new(server_.base(), -1, 0, net::callback<&Replication::onDeferred>, this));
  waitTimer_.reset(
      event_new(server_.base(), -1, 0, net::callback<&Replication::onWaitTimer>, this));
  noReplicasSinceMs_ = nowMs();
  server_.addPropagationSink(this);
  registerMetrics();
  loadState();
  const std::string& of = server_.settings().replicaof;
  if (!of.empty()) {
    const size_t sp = of.find_last_of(' ');
    int port = 0;
    if (sp != std::string::npos) port = std::atoi(of.c_str() + sp + 1);
    if (sp == std::string::npos || port <= 0 || port > 65535) {
      spdlog::warn("Ignoring replicaof '{}': expected '<host> <port>'", of);
    } else {
      replicateFrom(of.substr(0, sp), port);
    }
  }
}

Replication::~Replication() {
  saveState();
  server_.removePropagationSink(this);
  for (auto& r : replicas_) {
    if (r->child > 0) {
      kill(r->child, SIGKILL);
      waitpid(r->child, nullptr, 0);
    }
  }
  for (pid_t pid : zombies_) waitpid(pid, nullptr, WNOHANG);
}

void Replication::registerMetrics() {
  NodeMetrics& m = server_.metrics();
  auto& master = m.gauge("strata_node_role_master", "1 when the node is a master, 0 a replica");
  auto& replicas = m.gauge("strata_node_connected_replicas", "Replicas attached to this node");
  auto& offset = m.gauge("strata_node_replication_offset_bytes",
                         "master_repl_offset: replication stream bytes produced or applied");
  auto& lag = m.gauge("strata_node_replication_lag_bytes",
                      "Master: the largest gap between its offset and a replica's acknowledged "
                      "offset (0 on a replica)");
  auto& link = m.gauge("strata_node_master_link_up",
                       "1 when this replica's link to its master is up (0 on a master)");
  m.addCollector([this, &master, &replicas, &offset, &lag, &link] {
    master.Set(link_ ? 0 : 1);
    link.Set(link_ && link_->up() ? 1 : 0);
    offset.Set(static_cast<double>(offset_));
    int64_t n = 0, worst = 0;
    for (const auto& r : replicas_) {
      if (r->state == ReplicaInfo::State::kHandshake) continue;
      ++n;
      worst = std::max(worst, offset_ - r->ackOffset);
    }
    replicas.Set(static_cast<double>(n));
    lag.Set(static_cast<double>(link_ ? 0 : worst));
  });
}

// ---------------------------------------------------------------------------------------------
// Roles

bool Replication::sameMaster(const std::string& host, int port) const {
  return link_ && link_->host() == host && link_->port() == port;
}

void Replication::replicateFrom(const std::string& host, int port) {
  if (sameMaster(host, port)) return;
  link_.reset();
  // Our own replicas follow our history, which is about to change: they reconnect and PSYNC
  // (partially when the new master continues our history). WAITers cannot be served anymore.
  disconnectReplicas();
  for (const Waiter& w : waiters_) {
    w.client->block.blocked = false;
    w.client->writer().error(
        "UNBLOCKED force unblock from blocking operation, instance state changed (master -> "
        "replica?)");
    w.client->resume();
  }
  waiters_.clear();
  spdlog::info("Connecting to MASTER {}:{}", host, port);
  link_ = std::make_unique<MasterLink>(*this, host, port);
  link_->cron(nowMs());
}

void Replication::stopReplicating() {
  if (!link_) return;
  spdlog::info("MASTER MODE enabled (was replica of {}:{})", link_->host(), link_->port());
  const bool wasLoading = link_->loading();
  link_.reset();
  if (wasLoading) {  // a half-loaded snapshot has no history anyone can continue
    replid_ = randomHexId();
    offset_ = 0;
    backlog_.destroy();
  }
  shiftReplid();
  disconnectReplicas();
  noReplicasSinceMs_ = nowMs();
}

// Promotion: the history so far stays valid under the old id up to offset_, so replicas of the
// former master can PSYNC <old id> <offset> with us (Redis's shiftReplicationId).
void Replication::shiftReplid() {
  replid2_ = replid_;
  secondOffset_ = offset_ + 1;
  replid_ = randomHexId();
}

void Replication::disconnectReplicas() {
  std::vector<Client*> victims;
  for (auto& r : replicas_) {
    if (r->state != ReplicaInfo::State::kHandshake) victims.push_back(r->client);
  }
  for (Client* c : victims) c->close("replication history changed");
}

// ---------------------------------------------------------------------------------------------
// Replica side callbacks (MasterLink)

void Replication::fullSyncStarted(const std::string& replid, int64_t offset) {
  replid_ = replid;
  replid2_ = kZeroId;
  secondOffset_ = -1;
  offset_ = offset;
  stateLoaded_ = false;
  backlog_.destroy();
  disconnectReplicas();
}

void Replication::fullSyncDone() {
  backlog_.create(static_cast<size_t>(server_.settings().replBacklogSize), offset_ + 1);
}

void Replication::partialSyncAccepted(const std::string& newReplid) {
  if (!newReplid.empty() && newReplid != replid_) {
    replid2_ = replid_;
    secondOffset_ = offset_ + 1;
    replid_ = newReplid;
    disconnectReplicas();
  }
  ensureBacklog();
}

void Replication::streamApplied(std::string_view raw) {
  offset_ += static_cast<int64_t>(raw.size());
  backlog_.append(raw);
  for (auto& r : replicas_) {
    if (r->state == ReplicaInfo::State::kOnline) {
      r->client->out().append(raw);
      server_.wantFlush(*r->client);
    } else if (r->state == ReplicaInfo::State::kWaitBgsave) {
      r->pending.append(raw);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Master side: the stream

void Replication::feed(std::string_view respCommands) {
  if (link_) return;  // a replica's stream is its master's, fed by streamApplied()
  feedStream(respCommands);
}

void Replication::feedStream(std::string_view bytes) {
  if (!backlog_.active() && replicas_.empty()) return;  // nobody follows: no history kept
  streamApplied(bytes);
}

void Replication::ensureBacklog() {
  if (!backlog_.active()) {
    backlog_.create(static_cast<size_t>(server_.settings().replBacklogSize), offset_ + 1);
  }
}

bool Replication::isReplicaClient(const Client& client) const {
  for (const auto& r : replicas_) {
    if (r->client == &client) return r->state != ReplicaInfo::State::kHandshake;
  }
  return false;
}

bool Replication::masterLinkUp() const {
  return link_ != nullptr && link_->up();
}

bool Replication::isMasterClient(const Client& client) const {
  return link_ && link_->masterClient() == &client;
}

bool Replication::loading() const {
  return link_ && link_->loading();
}

void Replication::clientClosed(Client& client) {
  for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
    if (it->client == &client) {
      waiters_.erase(it);
      break;
    }
  }
  removeReplica(client);
}

void Replication::removeReplica(Client& client) {
  for (auto it = replicas_.begin(); it != replicas_.end(); ++it) {
    if ((*it)->client != &client) continue;
    ReplicaInfo& r = **it;
    if (r.child > 0) {
      kill(r.child, SIGKILL);
      if (waitpid(r.child, nullptr, WNOHANG) == 0) zombies_.push_back(r.child);
    }
    if (r.state != ReplicaInfo::State::kHandshake) {
      spdlog::info("Connection with replica {} lost.", client.peer());
    }
    replicas_.erase(it);
    if (std::none_of(replicas_.begin(), replicas_.end(),
                     [](const auto& x) { return x->state != ReplicaInfo::State::kHandshake; })) {
      noReplicasSinceMs_ = nowMs();
    }
    refreshGoodReplicas();
    return;
  }
}

// ---------------------------------------------------------------------------------------------
// PSYNC / SYNC

void Replication::psync(CommandContext& ctx, bool legacySync) {
  Client& c = ctx.client;
  if (isReplicaClient(c)) return;  // already a replica: ignored, as Redis
  if (link_ && !link_->up()) {
    ctx.w.error("NOMASTERLINK Can't SYNC while not connected with my master");
    return;
  }
  if (c.hasPendingOutput()) c.flush();
  if (c.hasPendingOutput()) {
    ctx.w.error("ERR SYNC and PSYNC are invalid with pending output");
    return;
  }
  ReplicaInfo* info = nullptr;
  for (auto& r : replicas_) {
    if (r->client == &c) info = r.get();
  }
  if (info == nullptr) {
    replicas_.push_back(std::make_unique<ReplicaInfo>());
    info = replicas_.back().get();
    info->client = &c;
    info->owner = this;
  }
  info->ackMs = nowMs();
  if (!legacySync) {
    std::string_view id = ctx.arg(1);
    int64_t off = 0;
    bool numeric = parseInt64(ctx.arg(2), off);
    if (numeric && id == replid_ && !backlog_.active() && off == offset_ + 1) ensureBacklog();
    const bool historyOk =
        numeric && (id == replid_ || (id == replid2_ && id != kZeroId && off <= secondOffset_));
    if (historyOk && backlog_.contains(off)) {
      info->state = ReplicaInfo::State::kOnline;
      std::string& out = c.out();
      out += "+CONTINUE " + replid_ + "\r\n";
      backlog_.copyFrom(off, 0, out);
      server_.wantFlush(c);
      ++syncPartialOk_;
      spdlog::info("Partial resynchronization request from {} accepted, {} bytes of backlog",
                   c.peer(), offset_ + 1 - off);
      refreshGoodReplicas();
      return;
    }
    if (id != "?") ++syncPartialErr_;
  }
  startFullSync(c, *info, legacySync);
}

void Replication::startFullSync(Client& c, ReplicaInfo& info, bool legacySync) {
  if (!backlog_.active()) {
    // A new history starts: nobody can continue the old one from us (Redis's syncCommand).
    replid_ = randomHexId();
    replid2_ = kZeroId;
    secondOffset_ = -1;
    ensureBacklog();
  }
  ++syncFull_;
  const std::string mark = randomHexId();
  std::string header;
  if (!legacySync) header = "+FULLRESYNC " + replid_ + " " + std::to_string(offset_) + "\r\n";
  header += "$EOF:" + mark + "\r\n";
  int status[2];
  if (pipe2(status, O_CLOEXEC | O_NONBLOCK) != 0) {
    c.writer().error("ERR can't create the sync pipe");
    return;
  }
  net::UniqueFd readEnd(status[0]);
  net::UniqueFd writeEnd(status[1]);
  // TLS replica: the child writes into a pipe that the loop forwards through the TLS session.
  const bool tls = c.isTls();
  net::UniqueFd dataRead, dataWrite;
  if (tls) {
    int data[2];
    if (pipe2(data, O_CLOEXEC | O_NONBLOCK) != 0) {
      c.writer().error("ERR can't create the sync pipe");
      return;
    }
    dataRead.reset(data[0]);
    dataWrite.reset(data[1]);
  }
  const int fd = tls ? dataWrite.get() : c.fd();
  const int timeoutMs = server_.settings().replTimeout * 1000;
  const bool rdbOnly = info.rdbOnly;
  rdb::FileSaveOptions rdbOptions;
  if (rdbOnly) rdbOptions = server_.persistence().rdb().fileOptions();
  pid_t pid = fork();
  if (pid < 0) {
    spdlog::warn("Can't fork for the full sync of {}: {}", c.peer(), std::strerror(errno));
    c.close("fork failed");
    return;
  }
  if (pid == 0) {
    // Child: stream the dataset as it was at fork time, then report. No libevent, no logging.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::string buf;
    buf.reserve(kChildBuffer + 4096);
    buf += header;
    bool ok = true;
    auto out = [&](std::string_view bytes) {
      buf.append(bytes);
      if (buf.size() >= kChildBuffer) {
        ok = writeAll(fd, buf.data(), buf.size(), timeoutMs);
        buf.clear();
      }
      return ok;
    };
#ifdef STRATA_HAVE_SNAPSHOT
    if (rdbOnly) {
      ok = rdb::saveFile(server_.keyspace(), rdbOptions, out) && ok;
    } else {
      ok = writeSnapshot(server_.keyspace(), out) && ok;
    }
#else
    (void)out;
#endif
    buf += mark;
    if (ok) ok = writeAll(fd, buf.data(), buf.size(), timeoutMs);
    const char result = ok ? '1' : '0';
    ssize_t ignored = ::write(writeEnd.get(), &result, 1);
    (void)ignored;
    _exit(ok ? 0 : 1);
  }
  writeEnd.reset();
  dataWrite.reset();
  if (tls) {
    info.dataFd = std::move(dataRead);
    info.dataPaused = false;
    info.childStatus = -1;
    info.dataEvent.reset(event_new(server_.base(), info.dataFd.get(), EV_READ | EV_PERSIST,
                                   &Replication::onSnapshotData, &info));
    event_add(info.dataEvent.get(), nullptr);
  }
  info.state = ReplicaInfo::State::kWaitBgsave;
  info.child = pid;
  info.pending.clear();
  info.statusFd = std::move(readEnd);
  info.statusEvent.reset(event_new(server_.base(), info.statusFd.get(), EV_READ | EV_PERSIST,
                                   &Replication::onChildStatus, &info));
  event_add(info.statusEvent.get(), nullptr);
  spdlog::info("Starting full sync of replica {} (child {}), offset {}", c.peer(), pid, offset_);
}

void Replication::onChildStatus(evutil_socket_t fd, short, void* arg) noexcept {
  auto* info = static_cast<ReplicaInfo*>(arg);
  char result = '0';
  ssize_t n = ::read(fd, &result, 1);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (info->dataFd) {
    // TLS: the child has written everything into the pipe; done once the pipe is drained.
    info->childStatus = n == 1 ? result : '0';
    info->statusEvent.reset();
    info->owner->forwardSnapshot(*info);
    return;
  }
  info->owner->finishFullSync(*info, n == 1 && result == '1');
}

void Replication::onSnapshotData(evutil_socket_t, short, void* arg) noexcept {
  auto* info = static_cast<ReplicaInfo*>(arg);
  info->owner->forwardSnapshot(*info);
}

void Replication::forwardSnapshot(ReplicaInfo& info) {
  Client* c = info.client;
  for (;;) {
    if (c->pendingOutput() >= kSnapshotMaxPending) {
      if (!info.dataPaused) {
        event_del(info.dataEvent.get());
        info.dataPaused = true;  // the timer resumes below half of it
      }
      server_.wantFlush(*c);
      return;
    }
    std::string& out = c->out();
    const size_t at = out.size();
    out.resize(at + kSnapshotChunk);
    const ssize_t n = ::read(info.dataFd.get(), out.data() + at, kSnapshotChunk);
    out.resize(at + static_cast<size_t>(std::max<ssize_t>(n, 0)));
    if (n > 0) {
      server_.wantFlush(*c);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && info.childStatus < 0) {
      if (info.dataPaused) {
        event_add(info.dataEvent.get(), nullptr);
        info.dataPaused = false;
      }
      return;  // more to come
    }
    break;  // drained after the child's status, EOF (the child exited) or an error
  }
  if (info.childStatus < 0 && info.statusFd) {
    char result = '0';
    if (::read(info.statusFd.get(), &result, 1) == 1) info.childStatus = result;
  }
  info.dataEvent.reset();
  info.dataFd.reset();
  info.dataPaused = false;
  finishFullSync(info, info.childStatus == '1');
}

void Replication::finishFullSync(ReplicaInfo& info, bool ok) {
  info.statusEvent.reset();
  info.statusFd.reset();
  if (info.child > 0) {
    if (waitpid(info.child, nullptr, WNOHANG) == 0) zombies_.push_back(info.child);
    info.child = -1;
  }
  Client* c = info.client;
  if (!ok) {
    spdlog::warn("Full sync of replica {} failed", c->peer());
    c->close("full sync failed");  // removes `info` through clientClosed()
    return;
  }
  if (info.rdbOnly) {
    // redis-cli --rdb has its file: the connection closes once the bytes are out (Redis's
    // replicaPutOnline for CLIENT_REPL_RDBONLY).
    spdlog::info("RDB transfer completed, rdb only replica ({}) should be disconnected asap",
                 c->peer());
    std::string().swap(info.pending);
    c->closeAfterReply();
    server_.wantFlush(*c);
    return;
  }
  spdlog::info("Synchronization with replica {} succeeded", c->peer());
  info.state = ReplicaInfo::State::kOnline;
  info.ackMs = nowMs();
  c->out().append(info.pending);
  std::string().swap(info.pending);
  server_.wantFlush(*c);
  refreshGoodReplicas();
}

// ---------------------------------------------------------------------------------------------
// REPLCONF

void Replication::replconf(CommandContext& ctx) {
  if ((ctx.argc() % 2) == 0) {
    ctx.w.error("ERR syntax error");
    return;
  }
  ReplicaInfo* info = nullptr;
  for (auto& r : replicas_) {
    if (r->client == &ctx.client) info = r.get();
  }
  auto ensureInfo = [&] {
    if (info == nullptr) {
      replicas_.push_back(std::make_unique<ReplicaInfo>());
      info = replicas_.back().get();
      info->client = &ctx.client;
      info->owner = this;
    }
    return info;
  };
  for (size_t i = 1; i + 1 < ctx.argc(); i += 2) {
    std::string_view opt = ctx.arg(i);
    std::string_view val = ctx.arg(i + 1);
    if (equalsNoCase(opt, "listening-port")) {
      int64_t port = 0;
      if (!intArgOrReply(ctx, val, port)) return;
      ensureInfo()->listeningPort = static_cast<int>(port);
    } else if (equalsNoCase(opt, "ip-address")) {
      if (val.size() >= 46) {
        ctx.w.error("ERR REPLCONF ip-address provided by replica instance is too long: " +
                    std::to_string(val.size()) + " bytes");
        return;
      }
      ensureInfo()->announcedIp = std::string(val);
    } else if (equalsNoCase(opt, "rdb-only")) {
      int64_t flag = 0;
      if (!intArgOrReply(ctx, val, flag)) return;
      if (flag != 0 && flag != 1) {
        ctx.w.error("ERR value is out of range, value must between 0 and 1");
        return;
      }
      ensureInfo()->rdbOnly = flag == 1;
    } else if (equalsNoCase(opt, "capa") || equalsNoCase(opt, "rdb-filter-only")) {
      // eof and psync2 are what we speak anyway.
    } else if (equalsNoCase(opt, "ack")) {
      // Only from replicas, never answered (Redis's replconfCommand).
      if (info == nullptr || info->state == ReplicaInfo::State::kHandshake) return;
      int64_t off = 0;
      if (!parseInt64(val, off)) return;
      if (off > info->ackOffset) info->ackOffset = off;
      info->ackMs = nowMs();
      if (!waiters_.empty()) schedule();
      return;
    } else if (equalsNoCase(opt, "getack")) {
      // From our master: answered by the link with our offset (handled before apply).
      return;
    } else {
      ctx.w.error("ERR Unrecognized REPLCONF option: " + std::string(opt));
      return;
    }
  }
  ctx.w.ok();
}

// ---------------------------------------------------------------------------------------------
// WAIT

int64_t Replication::ackedReplicas(int64_t target) const {
  int64_t n = 0;
  for (const auto& r : replicas_) {
    if (r->state == ReplicaInfo::State::kOnline && r->ackOffset >= target) ++n;
  }
  return n;
}

void Replication::wait(CommandContext& ctx) {
  if (link_) {
    ctx.w.error(
        "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 "
        "if a replica is configured to be writable (which is not the default) writes to "
        "replicas are just local and are not propagated.");
    return;
  }
  int64_t num = 0, timeout = 0;
  if (!intArgOrReply(ctx, ctx.arg(1), num)) return;
  if (!parseInt64(ctx.arg(2), timeout)) {
    ctx.w.error("ERR timeout is not an integer or out of range");
    return;
  }
  if (timeout < 0) {
    ctx.w.error("ERR timeout is negative");
    return;
  }
  const int64_t target = offset_;
  const int64_t acked = ackedReplicas(target);
  if (acked >= num || ctx.server.inExec()) {  // inside EXEC: never blocks, as Redis
    ctx.w.integer(acked);
    return;
  }
  waiters_.push_back(Waiter{&ctx.client, target, num, timeout > 0 ? nowMs() + timeout : 0});
  ctx.client.block.blocked = true;  // the pipeline waits; we answer and resume() it
  getAckPending_ = true;
  schedule();
  armWaitTimer();
}

void Replication::schedule() {
  event_active(deferred_.get(), EV_TIMEOUT, 0);
}

void Replication::armWaitTimer() {
  int64_t earliest = 0;
  for (const Waiter& w : waiters_) {
    if (w.deadline != 0 && (earliest == 0 || w.deadline < earliest)) earliest = w.deadline;
  }
  event_del(waitTimer_.get());
  if (earliest == 0) return;
  const int64_t ms = std::max<int64_t>(earliest - nowMs(), 0);
  timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
  event_add(waitTimer_.get(), &tv);
}

void Replication::onDeferred(evutil_socket_t, short) {
  serveWaiters(false);
  if (getAckPending_) {
    getAckPending_ = false;
    if (!link_) feedStream("*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n");
  }
}

void Replication::onWaitTimer(evutil_socket_t, short) {
  serveWaiters(true);
  armWaitTimer();
}

void Replication::serveWaiters(bool) {
  if (waiters_.empty()) return;
  const int64_t now = nowMs();
  std::vector<std::pair<Client*, int64_t>> done;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    const int64_t acked = ackedReplicas(it->target);
    if (acked >= it->numReplicas || (it->deadline != 0 && now >= it->deadline)) {
      done.emplace_back(it->client, acked);
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [c, acked] : done) {
    c->block.blocked = false;
    c->writer().integer(acked);
    c->resume();  // runs the rest of its pipeline, queues the flush
  }
}

// ---------------------------------------------------------------------------------------------
// Cron

void Replication::refreshGoodReplicas() {
  const int64_t now = nowMs();
  const int64_t maxLagMs = static_cast<int64_t>(server_.settings().minReplicasMaxLag) * 1000;
  int good = 0;
  for (const auto& r : replicas_) {
    if (r->state == ReplicaInfo::State::kOnline && now - r->ackMs <= maxLagMs) ++good;
  }
  goodReplicas_ = good;
}

bool Replication::enoughGoodReplicas() const {
  const NodeSettings& s = server_.settings();
  if (link_ || s.minReplicasToWrite == 0 || s.minReplicasMaxLag == 0) return true;
  return goodReplicas_ >= s.minReplicasToWrite;
}

void Replication::onTimer(evutil_socket_t, short) {
  const int64_t now = nowMs();
  const NodeSettings& s = server_.settings();
  if (link_) link_->cron(now);
  // Master: PING the replicas every repl-ping-replica-period (keeps their link alive and moves
  // the offset, as Redis), drop replicas silent for repl-timeout.
  const bool anyOnline = std::any_of(replicas_.begin(), replicas_.end(), [](const auto& r) {
    return r->state == ReplicaInfo::State::kOnline;
  });
  if (!link_ && anyOnline &&
      now - lastPingMs_ >= static_cast<int64_t>(s.replPingReplicaPeriod) * 1000) {
    lastPingMs_ = now;
    feedStream("*1\r\n$4\r\nPING\r\n");
  }
  // TLS full syncs paused on a full replica output: resume once it drained below half.
  for (const auto& r : replicas_) {
    if (r->dataPaused && r->client->pendingOutput() < kSnapshotMaxPending / 2) {
      forwardSnapshot(*r);
      break;  // forwardSnapshot may end the sync; the next tick resumes any other
    }
  }
  std::vector<Client*> timedOut;
  for (const auto& r : replicas_) {
    if (r->state == ReplicaInfo::State::kOnline &&
        now - r->ackMs > static_cast<int64_t>(s.replTimeout) * 1000) {
      timedOut.push_back(r->client);
    }
  }
  for (Client* c : timedOut) {
    spdlog::warn("Disconnecting timedout replica: {}", c->peer());
    c->close("replica timeout");
  }
  if (!link_ && replicas_.empty() && backlog_.active() && s.replBacklogTtl > 0 &&
      (now - noReplicasSinceMs_) / 1000 > s.replBacklogTtl) {  // seconds: any ttl fits
    // Nobody can continue our history anymore: a new one starts with the next replica.
    replid_ = randomHexId();
    replid2_ = kZeroId;
    secondOffset_ = -1;
    backlog_.destroy();
    spdlog::info("Replication backlog freed after {} seconds without replicas", s.replBacklogTtl);
  }
  if (backlog_.active() && backlog_.size() != static_cast<size_t>(s.replBacklogSize)) {
    backlog_.resize(static_cast<size_t>(s.replBacklogSize));
  }
  refreshGoodReplicas();
  for (auto it = zombies_.begin(); it != zombies_.end();) {
    pid_t r = waitpid(*it, nullptr, WNOHANG);
    it = (r == 0) ? it + 1 : zombies_.erase(it);
  }
}

// ---------------------------------------------------------------------------------------------
// The state file: a restarted node whose dataset came back from the AOF resumes the history it
// follows (replid, offset) instead of asking for a full sync. Redis keeps the two in the RDB's
// aux fields; we keep them beside the AOF, written atomically at shutdown (after the AOF's final
// write + fsync, so the dataset and the offset agree) and consumed (deleted) at start-up, so a
// later crash cannot pair a stale offset with a newer dataset.

std::string Replication::statePath() const {
  std::string dir = server_.settings().dir;
  if (dir.empty()) dir = ".";
  if (dir.back() != '/') dir += '/';
  return dir + std::string(kStateFile);
}

void Replication::loadState() {
  const std::string path = statePath();
  std::ifstream in(path);
  if (!in) return;
  std::string id;
  int64_t off = -1;
  in >> id >> off;
  in.close();
  ::unlink(path.c_str());
  if (!server_.settings().appendonly) return;  // no dataset came back: nothing to continue
  if (id.size() != 40 || off < 0) {
    spdlog::warn("Ignoring malformed replication state file {}", path);
    return;
  }
  replid_ = id;
  offset_ = off;
  stateLoaded_ = true;
  spdlog::info("Replication state restored: replid {} offset {}", replid_, offset_);
}

void Replication::saveState() const {
  if (!server_.settings().appendonly || loading()) return;
  const std::string path = statePath();
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return;
  std::fprintf(f, "%s %lld\n", replid_.c_str(), static_cast<long long>(offset_));
  bool ok = std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) ::unlink(tmp.c_str());
}

// ---------------------------------------------------------------------------------------------
// INFO

void Replication::infoReplication(std::string& out) const {
  auto field = [&out](std::string_view name, const std::string& value) {
    out.append(name).append(":").append(value).append("\r\n");
  };
  auto num = [&field](std::string_view name, int64_t v) { field(name, std::to_string(v)); };
  const int64_t now = nowMs();
  if (link_) {
    field("role", "slave");
    field("master_host", link_->host());
    num("master_port", link_->port());
    field("master_link_status", link_->up() ? "up" : "down");
    num("master_last_io_seconds_ago", link_->lastIoMs() ? (now - link_->lastIoMs()) / 1000 : -1);
    num("master_sync_in_progress", link_->loading() ? 1 : 0);
    num("slave_read_repl_offset", offset_);
    num("slave_repl_offset", offset_);
    if (!link_->up()) {
      num("master_link_down_since_seconds",
          link_->downSinceMs() ? (now - link_->downSinceMs()) / 1000 : -1);
    }
    num("slave_priority", 100);
    num("slave_read_only", server_.settings().replicaReadOnly ? 1 : 0);
    num("replica_announced", 1);
  } else {
    field("role", "master");
  }
  int64_t connected = 0;
  std::string lines;
  for (const auto& r : replicas_) {
    if (r->state == ReplicaInfo::State::kHandshake) continue;
    std::string ip = r->announcedIp;
    if (ip.empty()) {
      const std::string& peer = r->client->peer();
      ip = peer.substr(0, peer.rfind(':'));
    }
    const char* state = r->state == ReplicaInfo::State::kOnline ? "online" : "wait_bgsave";
    lines += "slave" + std::to_string(connected) + ":ip=" + ip +
             ",port=" + std::to_string(r->listeningPort) + ",state=" + state +
             ",offset=" + std::to_string(r->ackOffset) +
             ",lag=" + std::to_string((now - r->ackMs) / 1000) + "\r\n";
    ++connected;
  }
  num("connected_slaves", connected);
  if (server_.settings().minReplicasToWrite > 0 && server_.settings().minReplicasMaxLag > 0) {
    num("min_slaves_good_slaves", goodReplicas_);
  }
  out += lines;
  field("master_failover_state", "no-failover");
  field("master_replid", replid_);
  field("master_replid2", replid2_);
  num("master_repl_offset", offset_);
  num("second_repl_offset", secondOffset_);
  num("repl_backlog_active", backlog_.active() ? 1 : 0);
  num("repl_backlog_size", server_.settings().replBacklogSize);
  num("repl_backlog_first_byte_offset", backlog_.active() ? backlog_.firstOffset() : 0);
  num("repl_backlog_histlen", static_cast<int64_t>(backlog_.histlen()));
}

void Replication::role(resp::Writer& w) const {
  if (link_) {
    w.arrayHeader(5);
    w.bulk("slave");
    w.bulk(link_->host());
    w.integer(link_->port());
    w.bulk(link_->roleState());
    w.integer(link_->up() ? offset_ : -1);
    return;
  }
  w.arrayHeader(3);
  w.bulk("master");
  w.integer(offset_);
  size_t listed = 0;
  for (const auto& r : replicas_) listed += r->state == ReplicaInfo::State::kOnline ? 1 : 0;
  w.arrayHeader(listed);
  for (const auto& r : replicas_) {
    if (r->state != ReplicaInfo::State::kOnline) continue;
    std::string ip = r->announcedIp;
    if (ip.empty()) {
      const std::string& peer = r->client->peer();
      ip = peer.substr(0, peer.rfind(':'));
    }
    w.arrayHeader(3);
    w.bulk(ip);
    w.bulk(std::to_string(r->listeningPort));
    w.bulk(std::to_string(r->ackOffset));
  }
}

void Replication::infoStats(std::string& out) const {
  out += "sync_full:" + std::to_string(syncFull_) + "\r\n";
  out += "sync_partial_ok:" + std::to_string(syncPartialOk_) + "\r\n";
  out += "sync_partial_err:" + std::to_string(syncPartialErr_) + "\r\n";
}

std::string replicationAck(int64_t offset) {
  std::string off = std::to_string(offset);
  return "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$" + std::to_string(off.size()) + "\r\n" + off +
         "\r\n";
}

}  // namespace strata::node
