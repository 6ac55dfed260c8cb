// MigrateLink (a blocking-with-deadline RESP connection) and the MigrateSockets cache with its
// idle sweep. See migrate_sockets.h.
#include "node/migrate/migrate_sockets.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <iterator>
#include <random>

#include "common/net/callback.h"

namespace strata::node {

int64_t nowMs();  // server.cpp

namespace {

constexpr size_t kChunk = 64 * 1024;  // Redis writes the MIGRATE payload in 64 KB chunks

std::string cacheName(std::string_view host, std::string_view port) {
  std::string name;
  name.reserve(host.size() + 1 + port.size());
  name.append(host).append(":").append(port);
  return name;
}

}  // namespace

// ---- MigrateLink ----

std::unique_ptr<MigrateLink> MigrateLink::connect(const std::string& host, uint16_t port,
                                                  int64_t timeoutMs, const net::TlsContext* tls) {
  const int64_t deadline = nowMs() + timeoutMs;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string portText = std::to_string(port);
  if (getaddrinfo(host.c_str(), portText.c_str(), &hints, &res) != 0 || !res) {
    return nullptr;
  }
  net::UniqueFd fd(::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  int rc = fd ? ::connect(fd.get(), res->ai_addr, res->ai_addrlen) : -1;
  const int connectErrno = errno;
  freeaddrinfo(res);
  if (!fd) return nullptr;
  // Like Redis's connBlockingConnect, only a connection still pending at the deadline fails
  // here; a refused one "connects" and its first write fails ("IOERR ... writing").
  bool broken = rc != 0 && connectErrno != EINPROGRESS;
  if (rc != 0 && !broken) {
    pollfd p{fd.get(), POLLOUT, 0};
    const int64_t left = deadline - nowMs();
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return nullptr;
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    broken = err != 0;
  }
  net::setNoDelay(fd.get());
  std::unique_ptr<net::Stream> stream;
  if (tls != nullptr) {
    net::SslPtr ssl = tls->newSsl();
    if (!ssl) return nullptr;
    stream = net::Stream::tls(std::move(fd), std::move(ssl));
  } else {
    stream = net::Stream::plain(std::move(fd));
  }
  auto link = std::unique_ptr<MigrateLink>(new MigrateLink(std::move(stream)));
  link->broken_ = broken;
  return link;
}

bool MigrateLink::wait(short events, int64_t deadlineMs) {
  const int64_t left = deadlineMs - nowMs();
  pollfd p{stream_->fd(), events, 0};
  if (left <= 0 || ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, INT32_MAX))) <= 0) {
    timedOut_ = true;
    return false;
  }
  return true;
}

short MigrateLink::waitEvents(short natural) const {
  if (stream_->readWantsWrite()) return POLLOUT;
  if (stream_->writeWantsRead()) return POLLIN;
  return natural;
}

bool MigrateLink::writeAll(std::string_view data, int64_t timeoutMs) {
  timedOut_ = false;
  if (broken_) return false;
  size_t pos = 0;
  while (pos < data.size()) {
    const size_t chunkEnd = pos + std::min(kChunk, data.size() - pos);
    const int64_t deadline = nowMs() + timeoutMs;
    while (pos < chunkEnd) {
      iovec iov{const_cast<char*>(data.data() + pos), chunkEnd - pos};
      ssize_t n = stream_->writev(&iov, 1);
      if (n < 0) return false;
      pos += static_cast<size_t>(n);
      if (pos < chunkEnd && !wait(waitEvents(POLLOUT), deadline)) return false;
    }
  }
  return true;
}

bool MigrateLink::readReply(resp::Value& out, int64_t timeoutMs) {
  timedOut_ = false;
  const int64_t deadline = nowMs() + timeoutMs;
  for (;;) {
    if (!in_.empty()) {
      resp::ParseStatus st = parser_.parse(in_.data(), in_.size(), out);
      if (st == resp::ParseStatus::kOk) {
        in_.erase(0, parser_.consumed());
        return true;
      }
      if (st == resp::ParseStatus::kError) return false;
    }
    char buf[16384];
    ssize_t n = stream_->read(buf, sizeof(buf));
    if (n > 0) {
      in_.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == net::Stream::kClosed || n == net::Stream::kError) return false;
    if (stream_->hasBufferedInput()) continue;
    if (!wait(waitEvents(POLLIN), deadline)) return false;
  }
}

// ---- MigrateSockets ----

MigrateSockets::MigrateSockets(event_base* base) : base_(base) {}

MigrateSockets::~MigrateSockets() = default;

MigrateLink* MigrateSockets::get(std::string_view host, std::string_view port, int64_t timeoutMs,
                                 const net::TlsContext* tls) {
  std::string name = cacheName(host, port);
  auto it = links_.find(name);
  if (it != links_.end()) {
    it->second->lastUseMs = nowMs();
    return it->second.get();
  }
  if (links_.size() >= kMaxItems) {
    // Too many items, drop one at random (as Redis).
    static std::mt19937 rng{std::random_device{}()};
    auto victim = links_.begin();
    std::advance(victim, static_cast<long>(rng() % links_.size()));
    links_.erase(victim);
  }
  // atoi() like Redis: a non-numeric port is port 0 (refused, so a write error later).
  const int portNumber = std::atoi(std::string(port).c_str());
  auto link =
      MigrateLink::connect(std::string(host), static_cast<uint16_t>(portNumber), timeoutMs, tls);
  if (!link) return nullptr;
  link->lastUseMs = nowMs();
  MigrateLink* raw = link.get();
  links_.emplace(std::move(name), std::move(link));
  if (!sweep_) {
    sweep_.reset(event_new(base_, -1, EV_PERSIST, net::callback<&MigrateSockets::onSweep>, this));
  }
  if (sweep_ && !event_pending(sweep_.get(), EV_TIMEOUT, nullptr)) {
    timeval tv{1, 0};
    event_add(sweep_.get(), &tv);
  }
  return raw;
}

void MigrateSockets::close(std::string_view host, std::string_view port) {
  links_.erase(cacheName(host, port));
}

void MigrateSockets::closeIdle(int64_t now) {
  for (auto it = links_.begin(); it != links_.end();) {
    if (now - it->second->lastUseMs > kTtlMs) {
      it = links_.erase(it);
    } else {
      ++it;
    }
  }
}

void MigrateSockets::onSweep(evutil_socket_t, short) {
  closeIdle(nowMs());
  if (links_.empty()) event_del(sweep_.get());  // re-armed by the next get()
}

}  // namespace strata::node
