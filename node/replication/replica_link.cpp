// The replica's link to its master: non-blocking connect, the PSYNC handshake, loading a full
// sync's snapshot, then applying the replication stream and acknowledging the offset (see
// replica_link.h for the state machine). Event-loop thread only.
#include "node/replication/replica_link.h"

#include <netdb.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/net/callback.h"
#include "common/net/stream.h"
#include "node/commands/handlers.h"
#include "node/persistence/propagation.h"
#include "node/replication/replication.h"
#include "node/server/client.h"
#include "node/server/node_tls.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxReadChunk = 4 * 1024 * 1024;
constexpr size_t kMaxHandshakeLine = 64 * 1024;
constexpr size_t kMarkLen = 40;
constexpr uint64_t kMasterClientId = UINT64_MAX - 1;

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

bool equalsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && startsWithNoCase(a, b);
}

}  // namespace

MasterLink::MasterLink(Replication& repl, std::string host, int port)
    : repl_(repl), host_(std::move(host)), port_(port) {
  downSinceMs_ = nowMs();
}

MasterLink::~MasterLink() {
  closeSocket();
  delete client_;
}

void MasterLink::closeSocket() {
  readEvent_.reset();
  writeEvent_.reset();
  writeArmed_ = false;
  stream_.reset();
  in_.clear();
  out_.clear();
  outSent_ = 0;
  parser_.reset();
}

void MasterLink::fail(std::string_view why) {
  spdlog::warn("Replication link with MASTER {}:{}: {}", host_, port_, why);
  if (state_ == State::kTransfer) {
    // The dataset is half loaded: only a full sync can repair it.
    repl_.fullSyncStarted(randomHexId(), 0);
  }
  if (state_ == State::kConnected) spdlog::info("MASTER link down; will try to PSYNC later");
  if (state_ == State::kConnected || state_ == State::kTransfer) downSinceMs_ = nowMs();
  closeSocket();
  state_ = State::kConnect;
}

void MasterLink::cron(int64_t now) {
  if (state_ == State::kConnect) {
    if (now - lastAttemptMs_ >= 1000) connect(now);
    return;
  }
  const int64_t timeoutMs = static_cast<int64_t>(repl_.server().settings().replTimeout) * 1000;
  if (now - lastIoMs_ > timeoutMs) {
    fail(state_ == State::kConnected ? "MASTER timeout: no data nor PING received"
                                     : "timeout connecting to the MASTER");
    return;
  }
  if (state_ == State::kConnected && now - lastAckMs_ >= 1000) {
    lastAckMs_ = now;
    send(replicationAck(repl_.offset()));
  }
}

void MasterLink::connect(int64_t now) {
  lastAttemptMs_ = now;
  lastIoMs_ = now;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port_);
  if (getaddrinfo(host_.c_str(), service.c_str(), &hints, &res) != 0 || res == nullptr) {
    spdlog::warn("Unable to resolve MASTER host {}", host_);
    return;
  }
  net::UniqueFd fd(socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  int rc = fd ? ::connect(fd.get(), res->ai_addr, res->ai_addrlen) : -1;
  const int err = errno;
  freeaddrinfo(res);
  if (!fd || (rc != 0 && err != EINPROGRESS)) {
    spdlog::warn("Unable to connect to MASTER {}:{}: {}", host_, port_, std::strerror(err));
    return;
  }
  net::setNoDelay(fd.get());
  const int raw = fd.get();
  if (repl_.server().settings().tlsReplication) {
    const auto& context = repl_.server().tls().client();
    net::SslPtr ssl = context ? context->newSsl() : nullptr;
    if (!ssl) {
      spdlog::warn("Unable to connect to MASTER {}:{}: cannot create a TLS session", host_, port_);
      return;
    }
    stream_ = net::Stream::tls(std::move(fd), std::move(ssl));
  } else {
    stream_ = net::Stream::plain(std::move(fd));
  }
  readEvent_.reset(event_new(repl_.server().base(), raw, EV_READ | EV_PERSIST,
                             net::callback<&MasterLink::onEvent>, this));
  writeEvent_.reset(event_new(repl_.server().base(), raw, EV_WRITE | EV_PERSIST,
                              net::callback<&MasterLink::onEvent>, this));
  state_ = State::kConnecting;
  event_add(writeEvent_.get(), nullptr);
  writeArmed_ = true;
  spdlog::info("MASTER <-> REPLICA sync started: connecting to {}:{}", host_, port_);
}

void MasterLink::onEvent(evutil_socket_t, short what) {
  if (state_ == State::kConnecting) {
    if (what & EV_WRITE) onConnected();
    return;
  }
  // TLS: a write that wanted the socket readable retries on EV_READ, a read that wanted it
  // writable on EV_WRITE.
  if ((what & EV_WRITE) || (stream_ && (what & EV_READ) && stream_->writeWantsRead())) flushOut();
  if (stream_ && ((what & EV_READ) || stream_->readWantsWrite())) onReadable();
}

void MasterLink::setWriteArmed(bool on) {
  if (on == writeArmed_ || !writeEvent_) return;
  writeArmed_ = on;
  if (on) {
    event_add(writeEvent_.get(), nullptr);
  } else {
    event_del(writeEvent_.get());
  }
}

void MasterLink::onConnected() {
  int err = 0;
  socklen_t len = sizeof(err);
  getsockopt(stream_->fd(), SOL_SOCKET, SO_ERROR, &err, &len);
  event_del(writeEvent_.get());
  writeArmed_ = false;
  if (err != 0) {
    fail(std::string("Error condition on socket for SYNC: ") + std::strerror(err));
    return;
  }
  spdlog::info("Non blocking connect for SYNC fired the event.");
  event_add(readEvent_.get(), nullptr);
  lastIoMs_ = nowMs();
  state_ = State::kHandshake;
  step_ = Step::kPing;
  mark_.clear();
  flushed_ = false;
  sendCommand({"PING"});
}

void MasterLink::sendCommand(std::initializer_list<std::string_view> argv) {
  std::string cmd;
  appendRespCommand(cmd, argv);
  send(cmd);
}

void MasterLink::send(std::string_view bytes) {
  if (!stream_) return;
  out_.append(bytes);
  flushOut();
}

void MasterLink::flushOut() {
  if (state_ == State::kConnecting) return;  // written once connected
  while (stream_ && outSent_ < out_.size()) {
    iovec iov{out_.data() + outSent_, out_.size() - outSent_};
    ssize_t n = stream_->writev(&iov, 1);
    if (n > 0) {
      outSent_ += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) {
      // TLS wanting the socket readable: EV_READ (always armed) retries; EV_WRITE would spin.
      setWriteArmed(!stream_->writeWantsRead());
      return;
    }
    fail("write error: " + stream_->error());
    return;
  }
  out_.clear();
  outSent_ = 0;
  setWriteArmed(stream_ && stream_->readWantsWrite());
}

void MasterLink::onReadable() {
  readSome();
  // TLS records decrypted but not yet taken (the socket will not signal them): bounded.
  for (int round = 0; round < 16 && stream_ && stream_->hasBufferedInput(); ++round) readSome();
}

void MasterLink::readSome() {
  size_t want = std::min(std::max(kReadChunk, parser_.bytesWanted()), kMaxReadChunk);
  char* dst = in_.prepare(want);
  ssize_t n = stream_->read(dst, want);
  if (n == net::Stream::kClosed) {
    in_.commit(0);
    fail("connection lost");
    return;
  }
  if (n == net::Stream::kError) {
    in_.commit(0);
    fail("read error: " + stream_->error());
    return;
  }
  if (n == net::Stream::kWouldBlock) {
    in_.commit(0);
    if (stream_->readWantsWrite()) setWriteArmed(true);
    return;
  }
  in_.commit(static_cast<size_t>(n));
  repl_.server().stats().netInputBytes += static_cast<uint64_t>(n);
  lastIoMs_ = nowMs();
  process();
  if (stream_) in_.shrinkIfIdle(kReadChunk);
}

void MasterLink::process() {
  while (stream_ && !in_.empty()) {
    if (state_ == State::kHandshake) {
      std::string_view data = in_.view();
      size_t eol = data.find("\r\n");
      if (eol == std::string_view::npos) {
        if (data.size() > kMaxHandshakeLine) fail("handshake reply too long");
        return;
      }
      std::string line(data.substr(0, eol));
      in_.drop(eol + 2);
      if (!handshakeReply(line)) return;
    } else if (state_ == State::kTransfer) {
      if (!transfer()) return;
    } else if (state_ == State::kConnected) {
      if (!stream()) return;
    } else {
      return;
    }
  }
}

bool MasterLink::handshakeReply(std::string_view line) {
  Server& server = repl_.server();
  const NodeSettings& s = server.settings();
  switch (step_) {
    case Step::kPing:
      // An error other than an authentication one means the master cannot serve us.
      if (!line.empty() && line[0] == '-' && !startsWithNoCase(line, "-NOAUTH") &&
          !startsWithNoCase(line, "-NOPERM") &&
          !startsWithNoCase(line, "-ERR operation not permitted")) {
        fail("Error reply to PING from master: '" + std::string(line) + "'");
        return false;
      }
      if (!s.masterauth.empty()) {
        step_ = Step::kAuth;
        if (s.masteruser.empty()) {
          sendCommand({"AUTH", s.masterauth});
        } else {
          sendCommand({"AUTH", s.masteruser, s.masterauth});
        }
        return true;
      }
      [[fallthrough]];
    case Step::kAuth:
      if (step_ == Step::kAuth && (line.empty() || line[0] == '-')) {
        fail("Unable to AUTH to MASTER: " + std::string(line));
        return false;
      }
      step_ = Step::kPort;
      sendCommand({"REPLCONF", "listening-port",
                   std::to_string(s.replicaAnnouncePort ? s.replicaAnnouncePort
                                  : s.tlsReplication    ? server.boundTlsPort()
                                                        : server.boundPort())});
      return true;
    case Step::kPort:
      if (!line.empty() && line[0] == '-') {
        spdlog::info("(Non critical) Master does not understand REPLCONF listening-port: {}", line);
      }
      if (!s.replicaAnnounceIp.empty()) {
        step_ = Step::kIp;
        sendCommand({"REPLCONF", "ip-address", s.replicaAnnounceIp});
        return true;
      }
      [[fallthrough]];
    case Step::kIp:
      step_ = Step::kCapa;
      sendCommand({"REPLCONF", "capa", "eof", "capa", "psync2"});
      return true;
    case Step::kCapa: {
      step_ = Step::kPsync;
      // Continue the history our dataset follows, if it has one (a former master, a replica
      // that lost its link, a restart with the state file); otherwise ask for a full sync.
      if (repl_.offset() > 0) {
        const std::string off = std::to_string(repl_.offset() + 1);
        spdlog::info("Trying a partial resynchronization (request {}:{}).", repl_.replid(), off);
        sendCommand({"PSYNC", repl_.replid(), off});
      } else {
        sendCommand({"PSYNC", "?", "-1"});
      }
      return true;
    }
    case Step::kPsync:
      if (startsWithNoCase(line, "+FULLRESYNC")) {
        // "+FULLRESYNC <replid> <offset>"
        const size_t a = line.find(' ');
        const size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
        int64_t off = -1;
        if (b == std::string_view::npos || !parseInt64(line.substr(b + 1), off) ||
            b - a - 1 != 40) {
          fail("Bad +FULLRESYNC reply: " + std::string(line));
          return false;
        }
        spdlog::info("Full resync from master: {}:{}", line.substr(a + 1, 40), off);
        repl_.fullSyncStarted(std::string(line.substr(a + 1, 40)), off);
        state_ = State::kTransfer;
        mark_.clear();
        flushed_ = false;
        return true;
      }
      if (startsWithNoCase(line, "+CONTINUE")) {
        std::string id;
        if (line.size() > 10) id = std::string(line.substr(10));
        spdlog::info("Successful partial resynchronization with master.");
        repl_.partialSyncAccepted(id);
        state_ = State::kConnected;
        lastAckMs_ = nowMs();
        send(replicationAck(repl_.offset()));
        return true;
      }
      fail("Unexpected reply to PSYNC from master: " + std::string(line));
      return false;
  }
  return false;
}

// The snapshot: "$EOF:<mark>\r\n", then complete RESP commands, then the 40-byte mark. Commands
// are applied as they arrive so memory stays flat; the loop serves other clients in between
// (which get -LOADING for anything but loading-safe commands).
bool MasterLink::transfer() {
  if (mark_.empty()) {
    std::string_view data = in_.view();
    while (!data.empty() && data[0] == '\n') {  // keep-alive newlines before the payload
      in_.drop(1);
      data = in_.view();
    }
    size_t eol = data.find("\r\n");
    if (eol == std::string_view::npos) return false;
    std::string_view header = data.substr(0, eol);
    if (header.size() != 5 + kMarkLen || !startsWithNoCase(header, "$EOF:")) {
      fail("Unsupported full sync payload header: " + std::string(header.substr(0, 64)));
      return false;
    }
    mark_ = std::string(header.substr(5));
    in_.drop(eol + 2);
  }
  if (!flushed_) {
    flushed_ = true;
    apply({"FLUSHALL"});
  }
  while (stream_ && !in_.empty()) {
    std::string_view data = in_.view();
    if (data[0] != '*') {
      if (data.size() < kMarkLen) return false;
      if (data.substr(0, kMarkLen) != mark_) {
        fail("Corrupt full sync payload");
        return false;
      }
      in_.drop(kMarkLen);
      state_ = State::kConnected;
      repl_.fullSyncDone();
      lastAckMs_ = nowMs();
      send(replicationAck(repl_.offset()));
      spdlog::info("MASTER <-> REPLICA sync: Finished with success");
      return true;
    }
    resp::ParseStatus st = parser_.parse(in_.data(), in_.size());
    if (st == resp::ParseStatus::kError) {
      fail("Protocol error in full sync payload: " + std::string(parser_.error()));
      return false;
    }
    const size_t consumed = parser_.consumed();
    if (st == resp::ParseStatus::kOk) apply(parser_.args());
    in_.drop(consumed);
    if (st == resp::ParseStatus::kIncomplete) return false;
  }
  return false;
}

bool MasterLink::stream() {
  while (stream_ && state_ == State::kConnected && !in_.empty()) {
    resp::ParseStatus st = parser_.parse(in_.data(), in_.size());
    if (st == resp::ParseStatus::kError) {
      fail("Protocol error in the replication stream: " + std::string(parser_.error()));
      return false;
    }
    const size_t consumed = parser_.consumed();
    if (st == resp::ParseStatus::kIncomplete) {
      in_.drop(consumed);
      return false;
    }
    const auto& argv = parser_.args();
    if (argv.size() >= 2 && equalsNoCase(argv[0], "replconf") && equalsNoCase(argv[1], "getack")) {
      // The offset before this command, as Redis (its reploff moves after the call).
      lastAckMs_ = nowMs();
      send(replicationAck(repl_.offset()));
    } else if (argv.size() == 1 &&
               (equalsNoCase(argv[0], "multi") || equalsNoCase(argv[0], "exec"))) {
      // The commands in between are applied one by one: nothing else runs meanwhile.
    } else {
      apply(argv);
    }
    repl_.streamApplied(std::string_view(in_.data(), consumed));
    in_.drop(consumed);
  }
  return false;
}

void MasterLink::apply(const std::vector<std::string_view>& argv) {
  Server& server = repl_.server();
  if (client_ == nullptr) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
      fail("socketpair for the master client failed");
      return;
    }
    peerEnd_ = net::UniqueFd(sv[1]);
    client_ = new Client(server, net::UniqueFd(sv[0]), kMasterClientId,
                         host_ + ":" + std::to_string(port_), "master");
    client_->setAuthenticated(true);
    client_->name = "master";
  }
  if (argv.empty()) return;
  const CommandDef* def = server.commands().find(argv[0]);
  if (def != nullptr && !def->subcommands.empty()) {
    def = argv.size() >= 2 ? CommandTable::findSub(*def, argv[1]) : nullptr;
  }
  const int argc = static_cast<int>(argv.size());
  if (def == nullptr || (def->arity > 0 && argc != def->arity) || argc < -def->arity) {
    spdlog::warn("Replication stream: cannot run '{}' ({} arguments)",
                 std::string(argv[0].substr(0, 64)), argc);
    return;
  }
  server.updateClock();
  server.call(*client_, *def, argv);
  client_->out().clear();
}

std::string_view MasterLink::roleState() const {
  switch (state_) {
    case State::kConnect:
      return "connect";
    case State::kConnecting:
      return "connecting";
    case State::kHandshake:
      return "handshake";
    case State::kTransfer:
      return "sync";
    case State::kConnected:
      return "connected";
  }
  return "connect";
}

}  // namespace strata::node
