// Client connection I/O: accept set-up (plain or TLS), the read/parse loop with backpressure,
// the ordered reply queue and its batched writev, limits and close.
#include "proxy/client_conn.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>

#include "common/net/callback.h"
#include "proxy/backend_conn.h"
#include "proxy/worker.h"

namespace strata::proxy {

namespace {
constexpr size_t kReadChunk = 16 * 1024;
}  // namespace

ClientConn* ClientConn::create(Worker& worker, net::UniqueFd fd, bool tls) {
  const auto& s = worker.settings();
  net::setNoDelay(fd.get());
  net::setKeepAlive(fd.get(), s.tcpKeepalive);
  std::string peer = net::socketAddress(fd.get(), false);
  std::string local = net::socketAddress(fd.get(), true);
  std::unique_ptr<net::Stream> stream;
  if (tls) {
    auto ctx = worker.shared().clientTls.load();
    net::SslPtr ssl = ctx ? ctx->newSsl() : nullptr;
    if (!ssl) return nullptr;
    stream = net::Stream::tls(std::move(fd), std::move(ssl));
  } else {
    stream = net::Stream::plain(std::move(fd));
  }
  uint64_t id = worker.shared().nextClientId.fetch_add(1);
  auto* client = new ClientConn(worker, std::move(stream), id, std::move(peer));
  client->localAddr_ = std::move(local);
  // maxclients: like Redis, accept, answer with the error and close.
  if (worker.shared().clients.fetch_add(1) >= s.maxclients) {
    client->worker_.metrics().clientRejected();
    Request* r = client->newRequest({}, {});
    client->enqueue(r);
    client->replyError(r, "ERR max number of clients reached");
    client->closeAfterReplies();
  }
  client->updateInterest();
  return client;
}

ClientConn::ClientConn(Worker& worker, std::unique_ptr<net::Stream> stream, uint64_t id,
                       std::string peer)
    : worker_(worker),
      stream_(std::move(stream)),
      id_(id),
      peer_(std::move(peer)),
      authenticated_(!worker.settings().authRequired()),
      parser_(worker.settings().clientLimits()),
      lastActive_(Clock::now()),
      created_(lastActive_) {
  parser_.setAuthenticated(authenticated_);
  event_.reset(event_new(worker_.base(), stream_->fd(), EV_READ | EV_PERSIST,
                         net::callback<&ClientConn::onEvent>, this));
  worker_.metrics().clientConnected(stream_->isTls());
}

ClientConn::~ClientConn() {
  if (!closed_) close("destroyed");
}

void ClientConn::updateInterest() {
  if (closed_) return;
  short want = 0;
  bool reading = !readingPaused_ && !stopReading_ && !closeAfterFlush_;
  if (reading || stream_->writeWantsRead()) want |= EV_READ;
  bool pendingOutput = !out_.empty();
  if (pendingOutput || stream_->readWantsWrite()) want |= EV_WRITE;
  if (want == armed_) return;
  event_del(event_.get());
  armed_ = want;
  if (want == 0) return;
  event_assign(event_.get(), worker_.base(), stream_->fd(), want | EV_PERSIST,
               net::callback<&ClientConn::onEvent>, this);
  event_add(event_.get(), nullptr);
}

void ClientConn::onEvent(evutil_socket_t, short what) {
  if (closed_) return;
  if ((what & EV_WRITE) || (stream_->writeWantsRead() && (what & EV_READ))) flush();
  if (!closed_ && ((what & EV_READ) || stream_->readWantsWrite()) && !readingPaused_ &&
      !stopReading_ && !closeAfterFlush_) {
    onReadable();
  }
}

void ClientConn::onReadable() {
  const auto& s = worker_.settings();
  for (int rounds = 0; rounds < 4 && !closed_; ++rounds) {
    size_t want = std::max(kReadChunk, parser_.bytesWanted());
    want = std::min<size_t>(want, 1024 * 1024);
    char* dst = in_.prepare(want);
    ssize_t n = stream_->read(dst, want);
    if (n > 0) {
      in_.commit(static_cast<size_t>(n));
      worker_.metrics().clientBytesIn(static_cast<size_t>(n));
      lastActive_ = worker_.now();
    } else {
      in_.commit(0);
      if (n == net::Stream::kClosed) {
        close("client closed the connection");
        return;
      }
      if (n == net::Stream::kError) {
        close("read error: " + stream_->error());
        return;
      }
    }
    if (static_cast<int64_t>(in_.size()) > s.clientQueryBufferLimit) {
      spdlog::warn("closing client {} ({}): query buffer limit reached", id_, peer_);
      worker_.metrics().clientLimitClose();
      close("query buffer limit");
      return;
    }
    processInput();
    if (n <= 0 && !stream_->hasBufferedInput()) break;
    if (readingPaused_ || closeAfterFlush_ || closed_) break;
    if (static_cast<size_t>(n) < want && !stream_->hasBufferedInput()) break;
  }
  in_.shrinkIfIdle(64 * 1024);
}

void ClientConn::processInput() {
  const auto& s = worker_.settings();
  while (!in_.empty() && !closed_ && !closeAfterFlush_) {
    if (inFlight_ >= static_cast<size_t>(s.maxPendingPerClient)) {
      readingPaused_ = true;  // resumes when replies drain (flush)
      worker_.metrics().clientPaused();
      break;
    }
    resp::ParseStatus st = parser_.parse(in_.data(), in_.size());
    if (st == resp::ParseStatus::kError) {
      // Redis answers the protocol error, then closes the connection.
      Request* r = newRequest({}, {});
      enqueue(r);
      replyError(r, parser_.error());
      worker_.metrics().protocolError();
      closeAfterReplies();
      break;
    }
    size_t consumed = parser_.consumed();
    if (st == resp::ParseStatus::kOk) {
      const Args& args = parser_.args();
      Request* r = newRequest(std::string_view(in_.data(), consumed), args);
      enqueue(r);
      dispatch(r, args);
    }
    in_.drop(consumed);
    if (st == resp::ParseStatus::kIncomplete) break;
  }
  updateInterest();
}

Request* ClientConn::newRequest(std::string_view raw, const Args& args) {
  Request* r = worker_.requests().acquire();
  r->client = this;
  r->resp3 = protocol_ == resp::Protocol::kResp3;
  r->started = worker_.now();
  r->deadline = r->started + std::chrono::milliseconds(worker_.settings().requestTimeoutMs);
  if (!args.empty()) {
    bool multibulk = raw.size() > 1 && raw[0] == '*' && raw[1] != '0' && raw[1] != '-';
    if (multibulk) {
      // cmd is empty (a recycled request keeps only its capacity): append() is a plain copy,
      // cheaper than assign()'s general replace.
      r->cmd.append(raw.data(), raw.size());
    } else {
      resp::Writer(r->cmd, resp::Protocol::kResp2).command(args);
    }
  }
  return r;
}

void ClientConn::enqueue(Request* r) {
  r->nextInClient = nullptr;
  if (tail_) {
    tail_->nextInClient = r;
  } else {
    head_ = r;
  }
  tail_ = r;
  if (!unanswered_) unanswered_ = r;
  ++inFlight_;
}

void ClientConn::onRequestDone(Request* r) {
  doneBytes_ += r->reply.size();
  worker_.metrics().commandDone(r->commandId, r->commandName, worker_.now() - r->started,
                                !r->reply.empty() && r->reply[0] == '-');
  if (r == unanswered_) moveDoneReplies();
  checkOutputLimit();
  onBlockingDone(r);
}

bool ClientConn::takeReply(Request* r, const char* data, size_t len) {
  if (r != unanswered_ || closed_) return false;
  r->state = Request::State::kDone;
  worker_.metrics().commandDone(r->commandId, r->commandName, worker_.now() - r->started,
                                len > 0 && data[0] == '-');
  if (!r->silent) out_.append(data, len);
  unanswered_ = r->nextInClient;
  moveDoneReplies();  // replies that completed earlier behind this one
  worker_.markDirty(this);
  checkOutputLimit();
  onBlockingDone(r);
  return true;
}

void ClientConn::moveDoneReplies() {
  bool moved = false;
  while (unanswered_ && unanswered_->done()) {
    Request* r = unanswered_;
    if (!r->silent) out_.append(r->reply);
    doneBytes_ -= r->reply.size();
    unanswered_ = r->nextInClient;
    moved = true;
  }
  if (moved) worker_.markDirty(this);
}

void ClientConn::checkOutputLimit() {
  if (static_cast<int64_t>(doneBytes_ + out_.size()) > worker_.settings().clientOutputBufferLimit) {
    spdlog::warn("closing client {} ({}): output buffer limit reached", id_, peer_);
    worker_.metrics().clientLimitClose();
    close("output buffer limit");
  }
}

void ClientConn::markWrite(Request* r, int slot) {
  lastWriteSlot_ = slot;
  r->writeSeq = ++writeSeq_;
  lastWriteLink_ = 0;
}

void ClientConn::noteWriteSent(uint64_t seq, const BackendConn& conn) {
  if (seq != writeSeq_) return;  // an older write re-sent (retry, redirect): not the latest
  lastWriteLink_ = conn.id();
}

void ClientConn::flush() {
  if (closed_) return;
  // Requests whose replies are in out_: nothing refers to them any more.
  while (head_ && head_ != unanswered_) {
    Request* r = head_;
    head_ = r->nextInClient;
    r->client = nullptr;
    worker_.discard(r);
    ++movedUnwritten_;
  }
  if (!head_) tail_ = nullptr;
  while (!out_.empty()) {
    iovec iov{const_cast<char*>(out_.data()), out_.size()};
    ssize_t n = stream_->writev(&iov, 1);
    if (n == net::Stream::kError) {
      close("write error: " + stream_->error());
      return;
    }
    if (n <= 0) break;  // the socket is full: wait for EV_WRITE
    const bool partial = static_cast<size_t>(n) < out_.size();
    out_.drop(static_cast<size_t>(n));
    worker_.metrics().clientBytesOut(static_cast<size_t>(n));
    if (partial) break;  // likely full: EV_WRITE says when (no write() that returns EAGAIN)
  }
  if (out_.empty()) {
    inFlight_ -= movedUnwritten_;
    movedUnwritten_ = 0;
    out_.shrinkIfIdle(64 * 1024);
  }
  if (closeAfterFlush_ && !head_ && out_.empty()) {
    close("closed after reply");
    return;
  }
  if (readingPaused_ &&
      inFlight_ <= static_cast<size_t>(worker_.settings().maxPendingPerClient) / 2) {
    readingPaused_ = false;
    processInput();  // requests already buffered while paused
  }
  updateInterest();
}

void ClientConn::expireOverdue(Clock::time_point cutoff, Clock::time_point now,
                               std::vector<Request*>& scratch) {
  // Collect first: answering one can close this client (output limit), which frees the queue.
  scratch.clear();
  for (Request* r = head_; r; r = r->nextInClient) {
    if (!r->done() && r->deadline < cutoff && (r->routed || !r->children.empty())) {
      scratch.push_back(r);
    }
  }
  for (Request* r : scratch) {
    if (closed_) break;
    worker_.expire(r, now);
  }
  scratch.clear();
}

void ClientConn::stopReading() {
  stopReading_ = true;
  updateInterest();
}

void ClientConn::close(std::string_view why) {
  if (closed_) return;
  closed_ = true;
  spdlog::debug("client {} ({}) closed: {}", id_, peer_, why);
  if (event_) event_del(event_.get());
  authDelayed_.clear();  // their requests are in the queue below: discarded with it
  authDelayTimer_.reset();
  resetTransaction();
  releasePinned(false);
  dropPubSub();
  blockingRunning_ = nullptr;
  blockingQueued_.clear();  // still in the queue below: discarded with it
  // Orphan everything still queued: backends finish and free what they hold.
  for (Request* r = head_; r;) {
    Request* next = r->nextInClient;
    BackendConn* lease = r->lease;
    r->lease = nullptr;
    r->client = nullptr;
    worker_.discard(r);
    // Ends the blocking command on the node. Closing the lease fails its pending request, which
    // (orphaned, and left to the backend by discard) is freed there: exactly once.
    if (lease) worker_.backends().release(lease, false);
    r = next;
  }
  head_ = tail_ = unanswered_ = nullptr;
  inFlight_ = 0;
  movedUnwritten_ = 0;
  doneBytes_ = 0;
  out_.clear();
  worker_.shared().clients.fetch_sub(1);
  worker_.metrics().clientDisconnected(stream_->isTls());
  event_.reset();
  stream_.reset();
  worker_.removeClient(this);
}

std::string ClientConn::infoLine() const {
  // Same fields, in the same order, as Redis 7.0's CLIENT INFO / CLIENT LIST (clients parse it).
  auto now = Clock::now();
  auto age = std::chrono::duration_cast<std::chrono::seconds>(now - created_).count();
  auto idle = std::chrono::duration_cast<std::chrono::seconds>(now - lastActive_).count();
  std::string flags;
  if (inMulti_) flags += 'x';
  if (isSubscribed()) flags += 'P';
  if (flags.empty()) flags = "N";
  auto n = [](auto v) { return std::to_string(v); };
  return "id=" + n(id_) + " addr=" + peer_ + " laddr=" + localAddr_ +
         " fd=" + n(stream_ ? stream_->fd() : -1) + " name=" + name_ + " age=" + n(age) +
         " idle=" + n(idle) + " flags=" + flags + " db=0 sub=" + n(channels_.size()) +
         " psub=" + n(patterns_.size()) + " ssub=" + n(shardChannelNode_.size()) +
         " multi=" + (inMulti_ ? n(multiCommands_.size()) : std::string("-1")) +
         " qbuf=" + n(in_.size()) + " qbuf-free=" + n(in_.capacity() - in_.size()) +
         " argv-mem=0 multi-mem=0 rbs=" + n(in_.capacity()) + " rbp=" + n(in_.size()) +
         " obl=0 oll=" + n(inFlight_) + " omem=" + n(doneBytes_ + out_.size()) +
         " tot-mem=" + n(in_.capacity() + doneBytes_ + out_.size()) +
         " events=r cmd=" + lastCommand_ + " user=" + user_ +
         " redir=-1 resp=" + (protocol_ == resp::Protocol::kResp3 ? "3" : "2");
}

}  // namespace strata::proxy
