// Client connection I/O: the read/parse/execute loop, the output buffer flushed once per loop
// round, the query and output buffer limits, and CLIENT LIST's line.
#include "node/server/client.h"

#include <spdlog/spdlog.h>
#include <sys/uio.h>

#include <algorithm>

#include "common/config/value_parsers.h"
#include "common/net/callback.h"
#include "node/persistence/persistence.h"
#include "node/server/acl.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

// CLIENT <a subcommand the table knows> (CLIENT CACHING keeps its flag across these).
bool isClientSubcommand(const Server& server, const std::vector<std::string_view>& argv) {
  if (argv.size() < 2 || !config::equalsNoCase(argv[0], "client")) return false;
  const CommandDef* client = server.commands().find(argv[0]);
  return client != nullptr && CommandTable::findSub(*client, argv[1]) != nullptr;
}
constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kMaxReadChunk = 1024 * 1024;
constexpr size_t kKeepOutputCapacity = 64 * 1024;
}  // namespace

Client::Client(Server& server, net::UniqueFd fd, uint64_t id, std::string peer, std::string local,
               net::SslPtr ssl)
    : server_(server),
      stream_(ssl ? net::Stream::tls(std::move(fd), std::move(ssl))
                  : net::Stream::plain(std::move(fd))),
      id_(id),
      peer_(std::move(peer)),
      local_(std::move(local)),
      parser_(server.settings().clientLimits()),
      writer_(out_, resp::Protocol::kResp2) {
  user = server.acl().defaultUser();
  setAuthenticated(user->nopass && user->enabled);
  createdMs = lastInteractionMs = server.now();
  readEvent_.reset(event_new(server_.base(), stream_->fd(), EV_READ | EV_PERSIST,
                             net::callback<&Client::onEvent>, this));
  writeEvent_.reset(event_new(server_.base(), stream_->fd(), EV_WRITE | EV_PERSIST,
                              net::callback<&Client::onEvent>, this));
  event_add(readEvent_.get(), nullptr);
}

Client::~Client() = default;

void Client::onEvent(evutil_socket_t, short what) {
  if (closed_) return;
  // appendfsync always: replies wait for the round's fsync (beforeSleep flushes them after it).
  // TLS: a write that wanted the socket readable is retried on EV_READ, a read that wanted it
  // writable on EV_WRITE (plain streams never want either).
  const bool retryWrite = (what & EV_READ) && stream_->writeWantsRead();
  if (((what & EV_WRITE) || retryWrite) && !server_.persistence().holdsReplies()) flush();
  if (!closed_ && ((what & EV_READ) || stream_->readWantsWrite())) {
    onReadable();
    // TLS records decrypted but not yet taken (the socket will not signal them): bounded.
    for (int round = 0; round < 16 && !closed_ && stream_->hasBufferedInput(); ++round) {
      onReadable();
    }
  }
}

void Client::onReadable() {
  if (closeAfterReply_) return;
  size_t want = std::min(std::max(kReadChunk, parser_.bytesWanted()), kMaxReadChunk);
  char* dst = in_.prepare(want);
  ssize_t n = stream_->read(dst, want);
  if (n == net::Stream::kClosed) {
    in_.commit(0);
    close("client closed connection");
    return;
  }
  if (n == net::Stream::kError) {
    in_.commit(0);
    close("read error: " + stream_->error());
    return;
  }
  if (n <= 0) {
    in_.commit(0);
    if (stream_->readWantsWrite()) armWrite(true);  // TLS: flush() disarms it once written
    return;
  }
  in_.commit(static_cast<size_t>(n));
  server_.stats().netInputBytes += static_cast<uint64_t>(n);
  lastInteractionMs = server_.now();
  if (static_cast<int64_t>(in_.size()) > server_.settings().clientQueryBufferLimit) {
    spdlog::warn("Closing client that reached max query buffer length: id={} addr={} (qbuf={})",
                 id_, peer_, in_.size());
    server_.stats().queryLimitDisconnections++;
    close("query buffer limit");
    return;
  }
  processInput();
  in_.shrinkIfIdle(64 * 1024);
}

void Client::processInput() {
  while (!closed_ && !closeAfterReply_ && !block.blocked && !session.postponed && !authHeld &&
         !in_.empty()) {
    resp::ParseStatus st = parser_.parse(in_.data(), in_.size());
    if (st == resp::ParseStatus::kError) {
      // Redis answers the protocol error, then closes the connection.
      const size_t before = out_.size();
      writer_.error(parser_.error());
      server_.countIfErrorReply(*this, before);
      spdlog::info("Protocol error ({}) from client: id={} addr={}", parser_.error(), id_, peer_);
      closeAfterReply();
      break;
    }
    size_t consumed = parser_.consumed();
    if (st == resp::ParseStatus::kOk) {
      session.beforeCommand(out_.size());
      server_.execute(*this, parser_.args());
      session.afterCommand(out_);  // CLIENT REPLY OFF/SKIP drop what the command answered
      // CLIENT CACHING yes/no holds for the next command only (or a whole MULTI ... EXEC), as
      // Redis's resetClient: any command but a known CLIENT subcommand outside MULTI ends it.
      if (tracking.caching && !session.multi) [[unlikely]] {
        if (!isClientSubcommand(server_, parser_.args())) tracking.caching = false;
      }
    }
    in_.drop(consumed);
    if (st == resp::ParseStatus::kIncomplete) break;
  }
  if (!closed_ && (hasPendingOutput() || closeAfterReply_)) server_.wantFlush(*this);
}

void Client::armWrite(bool on) {
  if (on == writeArmed_ || closed_) return;
  writeArmed_ = on;
  if (on) {
    event_add(writeEvent_.get(), nullptr);
  } else {
    event_del(writeEvent_.get());
  }
}

void Client::flush() {
  if (closed_) return;
  if (authHeld) {  // a failed AUTH's delay (server/auth_guard.h): written when it ends
    armWrite(false);
    return;
  }
  while (outSent_ < out_.size()) {
    iovec iov{out_.data() + outSent_, out_.size() - outSent_};
    ssize_t n = stream_->writev(&iov, 1);
    if (n == net::Stream::kError) {
      close("write error: " + stream_->error());
      return;
    }
    if (n == 0) {
      // TLS wanting the socket readable: EV_READ (always armed) retries, EV_WRITE would spin.
      armWrite(!stream_->writeWantsRead());
      return;
    }
    outSent_ += static_cast<size_t>(n);
    server_.stats().netOutputBytes += static_cast<uint64_t>(n);
  }
  out_.clear();
  outSent_ = 0;
  if (out_.capacity() > kKeepOutputCapacity) std::string().swap(out_);
  softLimitSinceMs_ = 0;
  armWrite(false);
  if (closeAfterReply_) close("close after reply");
}

void Client::close(std::string_view why) {
  if (closed_) return;
  spdlog::debug("closing client id={} addr={}: {}", id_, peer_, why);
  if (writeArmed_) event_del(writeEvent_.get());
  event_del(readEvent_.get());
  closed_ = true;
  server_.clientClosed(*this);
}

void Client::checkOutputLimits(int64_t nowMs) {
  if (closed_) return;
  const OutputBufferLimits& limits = server_.settings().clientOutputBufferLimit;
  const OutputBufferLimit& limit = session.pubsub ? limits.pubsub : limits.normal;
  int64_t used = static_cast<int64_t>(pendingOutput());
  bool hard = limit.hard > 0 && used >= limit.hard;
  bool soft = false;
  if (limit.soft > 0 && used >= limit.soft) {
    if (softLimitSinceMs_ == 0) {
      softLimitSinceMs_ = nowMs;
    } else if (nowMs - softLimitSinceMs_ > limit.softSeconds * 1000) {
      soft = true;
    }
  } else {
    softLimitSinceMs_ = 0;
  }
  if (hard || soft) {
    spdlog::warn(
        "Client id={} addr={} scheduled to be closed ASAP for overcoming of output "
        "buffer limits.",
        id_, peer_);
    server_.stats().outputLimitDisconnections++;
    close("output buffer limit");
  }
}

std::string Client::infoLine(int64_t nowMs) const {
  std::string s;
  s.reserve(320);
  s += "id=" + std::to_string(id_);
  s += " addr=" + peer_;
  s += " laddr=" + local_;
  s += " fd=" + std::to_string(stream_->fd());
  s += " name=" + name;
  s += " age=" + std::to_string((nowMs - createdMs) / 1000);
  s += " idle=" + std::to_string((nowMs - lastInteractionMs) / 1000);
  // Flags in redis-server's order: O monitor, P pubsub, x MULTI, b blocked/paused, t tracking,
  // R broken tracking redirect, B tracking BCAST, d dirty CAS, c close after reply, e no-evict.
  s += " flags=";
  const size_t flagsAt = s.size();
  if (monitor) s += 'O';
  if (session.pubsub) s += 'P';
  if (session.multi) s += 'x';
  if (block.blocked || session.postponed) s += 'b';
  if (tracking.on) s += 't';
  if (tracking.brokenRedirect) s += 'R';
  if (tracking.bcast) s += 'B';
  if (session.dirtyCas) s += 'd';
  if (closeAfterReply_) s += 'c';
  if (session.noEvict) s += 'e';
  if (s.size() == flagsAt) s += 'N';
  s += " db=0 sub=" + std::to_string(session.channels.size());
  s += " psub=" + std::to_string(session.patterns.size());
  s += " ssub=" + std::to_string(session.shardChannels.size());
  s += " multi=" + std::to_string(session.multi ? static_cast<int64_t>(session.queued.size()) : -1);
  s += " qbuf=" + std::to_string(in_.size());
  s += " qbuf-free=" + std::to_string(in_.capacity() - in_.size());
  s += " argv-mem=0 multi-mem=" + std::to_string(session.queuedBytes);
  s += " rbs=" + std::to_string(out_.capacity());
  s += " rbp=" + std::to_string(out_.size());
  s += " obl=" + std::to_string(pendingOutput());
  s += " oll=0 omem=0";
  s += " tot-mem=" + std::to_string(in_.capacity() + out_.capacity() + sizeof(*this));
  s += writeArmed_ ? " events=rw" : " events=r";
  s += " cmd=";
  s += lastCommand;
  s += " user=";
  s += user ? std::string_view(user->name) : std::string_view("default");
  s += " redir=";
  s += tracking.on ? std::to_string(tracking.redirect) : "-1";
  s += " resp=";
  s += protocol() == resp::Protocol::kResp3 ? "3" : "2";
  return s;
}

}  // namespace strata::node
