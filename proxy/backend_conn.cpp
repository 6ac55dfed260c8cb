// Backend connection I/O: non-blocking connect, optional TLS and AUTH, batched writes, reply
// framing and in-order delivery to the Worker, and the failure path.
#include "proxy/backend_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include <atomic>

#include "common/net/callback.h"
#include "common/resp/writer.h"
#include "proxy/client_conn.h"
#include "proxy/worker.h"

namespace strata::proxy {

namespace {
constexpr std::string_view kAsking = "*1\r\n$6\r\nASKING\r\n";
constexpr size_t kReadChunk = 16 * 1024;
std::atomic<uint64_t> nextConnId{1};

bool resolve(const Address& address, sockaddr_storage& out, socklen_t& len) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* result = nullptr;
  std::string port = std::to_string(address.port);
  if (getaddrinfo(address.host.c_str(), port.c_str(), &hints, &result) != 0 || !result) {
    return false;
  }
  memcpy(&out, result->ai_addr, result->ai_addrlen);
  len = result->ai_addrlen;
  freeaddrinfo(result);
  return true;
}
}  // namespace

BackendConn::BackendConn(Worker& worker, Address address, Mode mode, bool resp3)
    : worker_(worker),
      id_(nextConnId.fetch_add(1, std::memory_order_relaxed)),
      address_(std::move(address)),
      mode_(mode),
      resp3_(resp3),
      parser_(worker.settings().backendLimits()),
      lastUsed_(Clock::now()) {}

BackendConn::~BackendConn() {
  if (!closed_) close("connection destroyed");
}

bool BackendConn::connect() {
  sockaddr_storage sa{};
  socklen_t salen = 0;
  if (!resolve(address_, sa, salen)) {
    close("cannot resolve " + address_.host);
    return false;
  }
  net::UniqueFd fd(::socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    // Out of descriptors (EMFILE) here, not a node failure: the node is not backed off.
    close(std::string("socket: ") + strerror(errno), /*failure=*/false);
    return false;
  }
  net::setNoDelay(fd.get());
  net::setKeepAlive(fd.get(), worker_.settings().backendKeepAliveSeconds);
  int rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), salen);
  if (rc != 0 && errno != EINPROGRESS) {
    std::string why = std::string("connect: ") + strerror(errno);
    close(why);
    return false;
  }
  int rawFd = fd.get();
  if (auto tls = worker_.backendTls()) {
    net::SslPtr ssl = tls->newSsl();
    if (!ssl) {
      close("TLS: cannot create a session");
      return false;
    }
    stream_ = net::Stream::tls(std::move(fd), std::move(ssl));
  } else {
    stream_ = net::Stream::plain(std::move(fd));
  }
  event_.reset(event_new(worker_.base(), rawFd, EV_READ | EV_WRITE | EV_PERSIST,
                         net::callback<&BackendConn::onEvent>, this));
  connecting_ = rc != 0;
  // Credentials go first so that every later command runs authenticated.
  const auto& s = worker_.settings();
  if (!s.backendPassword.empty() || resp3_) {
    // HELLO 3 [AUTH user pass] or AUTH [user] pass: one command, checked before anything else.
    std::string auth;
    resp::Writer w(auth, resp::Protocol::kResp2);
    std::string_view user = s.backendUser.empty() ? "default" : s.backendUser;
    if (resp3_ && !s.backendPassword.empty()) {
      w.command({"HELLO", "3", "AUTH", user, s.backendPassword});
    } else if (resp3_) {
      w.command({"HELLO", "3"});
    } else if (s.backendUser.empty()) {
      w.command({"AUTH", s.backendPassword});
    } else {
      w.command({"AUTH", s.backendUser, s.backendPassword});
    }
    // Put AUTH in front of anything queued before connect() was called.
    pending_.push_front(Pending{nullptr, 0, true});
    unwrittenLens_.push_front(auth.size());
    std::string rest(out_.view());
    out_.clear();
    out_.append(auth);
    out_.append(rest);
  }
  if (!connecting_) onConnected();
  updateInterest();
  return true;
}

void BackendConn::onConnected() {
  connecting_ = false;
  connected_ = true;
  worker_.metrics().backendConnected(address_);
}

void BackendConn::send(Request* r) {
  lastUsed_ = worker_.now();
  r->inBackend = true;
  r->state = Request::State::kSent;
  size_t bytes = r->cmd.size();
  uint8_t skip = 0;
  if (r->asking) {
    out_.append(kAsking);
    bytes += kAsking.size();
    skip = 1;
  }
  out_.append(r->cmd);
  if (r->writeSeq != 0 && mode_ == Mode::kShared) {
    // A write (or a split write's child): its client's WAIT must run on this very link.
    ClientConn* owner = r->client ? r->client : r->parent ? r->parent->client : nullptr;
    if (owner) owner->noteWriteSent(r->writeSeq, *this);
  }
  pending_.push_back(Pending{r, skip, false});
  unwrittenLens_.push_back(bytes);
  worker_.markDirty(this);
}

void BackendConn::sendRaw(std::string_view bytes) {
  lastUsed_ = Clock::now();
  out_.append(bytes);
  worker_.markDirty(this);
}

void BackendConn::sendInternal(std::string_view cmd, bool mustSucceed) {
  out_.append(cmd);
  pending_.push_back(Pending{nullptr, 0, mustSucceed});
  unwrittenLens_.push_back(cmd.size());
  worker_.markDirty(this);
}

Request* BackendConn::oldestPending() const {
  for (const auto& p : pending_) {
    if (p.request) return p.request;
  }
  return nullptr;
}

void BackendConn::flush() {
  if (closed_ || connecting_ || !stream_ || out_.empty()) {
    updateInterest();
    return;
  }
  while (!out_.empty()) {
    iovec iov{const_cast<char*>(out_.data()), out_.size()};
    ssize_t n = stream_->writev(&iov, 1);
    if (n == net::Stream::kError) {
      close("write: " + stream_->error());
      return;
    }
    if (n == 0) break;
    out_.drop(static_cast<size_t>(n));
    worker_.metrics().backendBytesOut(static_cast<size_t>(n));
    size_t left = static_cast<size_t>(n);
    while (left > 0 && !unwrittenLens_.empty()) {
      size_t take = std::min(left, unwrittenLens_.front());
      unwrittenLens_.front() -= take;
      left -= take;
      if (unwrittenLens_.front() == 0) unwrittenLens_.pop_front();
    }
  }
  updateInterest();
}

void BackendConn::updateInterest() {
  if (closed_ || !event_) return;
  short want = EV_READ;
  if (connecting_ || !out_.empty() || stream_->readWantsWrite()) want |= EV_WRITE;
  if (want == armed_) return;
  event_del(event_.get());
  event_assign(event_.get(), worker_.base(), stream_->fd(), want | EV_PERSIST,
               net::callback<&BackendConn::onEvent>, this);
  event_add(event_.get(), nullptr);
  armed_ = want;
}

void BackendConn::onEvent(evutil_socket_t, short what) {
  if (closed_) return;
  if (connecting_ && (what & EV_WRITE)) {
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(stream_->fd(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      close(std::string("connect: ") + strerror(err));
      return;
    }
    onConnected();
  }
  if ((what & EV_WRITE) || (stream_->writeWantsRead() && (what & EV_READ))) onWritable();
  if (!closed_ && ((what & EV_READ) || stream_->readWantsWrite())) onReadable();
}

void BackendConn::onWritable() {
  flush();
}

void BackendConn::onReadable() {
  for (int rounds = 0; rounds < 16 && !closed_; ++rounds) {
    char* dst = in_.prepare(kReadChunk);
    ssize_t n = stream_->read(dst, kReadChunk);
    if (n > 0) {
      in_.commit(static_cast<size_t>(n));
      worker_.metrics().backendBytesIn(static_cast<size_t>(n));
    } else {
      in_.commit(0);
      if (n == net::Stream::kClosed) {
        close("connection closed by the node");
        return;
      }
      if (n == net::Stream::kError) {
        close("read: " + stream_->error());
        return;
      }
    }
    // Deliver every complete reply in the buffer.
    for (;;) {
      resp::ParseStatus st = parser_.frame(in_.data(), in_.size());
      if (st == resp::ParseStatus::kIncomplete) break;
      if (st == resp::ParseStatus::kError) {
        close(std::string("protocol error from the node: ") + std::string(parser_.error()));
        return;
      }
      size_t len = parser_.consumed();
      const char* frame = in_.data();
      if (pending_.empty()) {
        if (pushHandler_) {
          pushHandler_(frame, len);
        }  // else: an unsolicited frame on a shared link (never sent by a cluster node): dropped
      } else {
        Pending& head = pending_.front();
        if (head.skipReplies > 0) {
          --head.skipReplies;
        } else if (head.request == nullptr) {
          bool failed = frame[0] == '-';
          std::string err = failed ? std::string(frame + 1, len > 3 ? len - 3 : 0) : "";
          bool must = head.mustSucceed;
          pending_.pop_front();
          if (failed && must) {
            close("node refused the proxy's credentials: " + err);
            return;
          }
        } else if (pushHandler_ && frame[0] == '>' && mode_ == Mode::kExclusive) {
          pushHandler_(frame, len);  // RESP3 push interleaved with replies
        } else {
          Request* r = head.request;
          pending_.pop_front();
          r->inBackend = false;
          worker_.onBackendReply(*this, r, frame, len);
        }
      }
      in_.drop(len);
      if (closed_) return;
    }
    // A short read drained the socket: stop here instead of paying a read() that returns EAGAIN
    // (the loop reports the socket again when more arrives).
    bool drained = n <= 0 || static_cast<size_t>(n) < kReadChunk;
    if (drained && !stream_->hasBufferedInput()) break;
  }
  in_.shrinkIfIdle(256 * 1024);
}

void BackendConn::failPending(std::string_view why) {
  size_t written = pending_.size() - unwrittenLens_.size();
  std::deque<Pending> pending;
  pending.swap(pending_);
  unwrittenLens_.clear();
  for (size_t i = 0; i < pending.size(); ++i) {
    Request* r = pending[i].request;
    if (!r) continue;
    r->inBackend = false;
    worker_.onBackendFailed(*this, r, i < written, why);
  }
}

void BackendConn::close(std::string_view why, bool failure) {
  if (closed_) return;
  closed_ = true;
  if (event_) event_del(event_.get());
  if (connected_) worker_.metrics().backendDisconnected(address_);
  worker_.onBackendClosed(*this, why, failure);
  failPending(why);
  if (closeHandler_) {
    auto handler = std::move(closeHandler_);
    handler(why);
  }
  event_.reset();
  stream_.reset();
}

}  // namespace strata::proxy
