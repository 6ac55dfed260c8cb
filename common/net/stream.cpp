// Plain and TLS implementations of Stream. The TLS one coalesces iovecs into one SSL_write of up
// to 16 KiB (a TLS record) and maps SSL_ERROR_WANT_* to would-block plus the readiness it needs.
#include "common/net/stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace strata::net {

bool setNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL, 0);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

void setNoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void setKeepAlive(int fd, int seconds) {
  if (seconds <= 0) return;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
  int idle = seconds, interval = std::max(1, seconds / 3), count = 3;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
}

std::string socketAddress(int fd, bool local) {
  sockaddr_storage sa{};
  socklen_t len = sizeof(sa);
  int rc = local ? getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len)
                 : getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  if (rc != 0) return "?:0";
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (sa.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&sa);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    port = ntohs(in->sin_port);
  } else if (sa.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    port = ntohs(in6->sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

namespace {

class PlainStream final : public Stream {
 public:
  explicit PlainStream(UniqueFd fd) : Stream(std::move(fd)) {}

  ssize_t read(char* buf, size_t len) override {
    for (;;) {
      ssize_t n = ::read(fd_.get(), buf, len);
      if (n > 0) return n;
      if (n == 0) return kClosed;
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return kWouldBlock;
      error_ = strerror(errno);
      return kError;
    }
  }

  ssize_t writev(const struct iovec* iov, int count) override {
    for (;;) {
      // One buffer (every reply flush of the node): write(2) skips writev's iovec import.
      ssize_t n = count == 1 ? ::write(fd_.get(), iov[0].iov_base, iov[0].iov_len)
                             : ::writev(fd_.get(), iov, count);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      error_ = strerror(errno);
      return kError;
    }
  }
};

class TlsStream final : public Stream {
 public:
  TlsStream(UniqueFd fd, SslPtr ssl) : Stream(std::move(fd)), ssl_(std::move(ssl)) {
    SSL_set_fd(ssl_.get(), fd_.get());
  }

  bool isTls() const override { return true; }
  bool readWantsWrite() const override { return readWantsWrite_; }
  bool writeWantsRead() const override { return writeWantsRead_; }
  bool hasBufferedInput() const override { return SSL_pending(ssl_.get()) > 0; }
  bool handshaking() const override { return !SSL_is_init_finished(ssl_.get()); }

  ssize_t read(char* buf, size_t len) override {
    readWantsWrite_ = false;
    ERR_clear_error();
    int n = SSL_read(ssl_.get(), buf, static_cast<int>(std::min<size_t>(len, 1 << 30)));
    if (n > 0) return n;
    switch (SSL_get_error(ssl_.get(), n)) {
      case SSL_ERROR_WANT_READ:
        return kWouldBlock;
      case SSL_ERROR_WANT_WRITE:
        readWantsWrite_ = true;
        return kWouldBlock;
      case SSL_ERROR_ZERO_RETURN:
        return kClosed;
      case SSL_ERROR_SYSCALL:
        if (errno == EAGAIN || errno == EINTR) return kWouldBlock;
        if (ERR_peek_error() == 0 && errno == 0) return kClosed;
        error_ = errno ? strerror(errno) : "TLS connection closed";
        return kError;
      default:
        recordSslError();
        return kError;
    }
  }

  ssize_t writev(const struct iovec* iov, int count) override {
    writeWantsRead_ = false;
    // Coalesce up to one TLS record. After a would-block, OpenSSL wants the same bytes again:
    // the caller keeps its unwritten data in place, so the same prefix is offered.
    char* out = scratch_;
    size_t used = 0;
    const char* single = nullptr;
    if (count > 0 && iov[0].iov_len >= sizeof(scratch_)) {
      single = static_cast<const char*>(iov[0].iov_base);
      used = std::min(iov[0].iov_len, size_t{1} << 30);
    } else {
      for (int i = 0; i < count && used < sizeof(scratch_); ++i) {
        size_t take = std::min(iov[i].iov_len, sizeof(scratch_) - used);
        memcpy(out + used, iov[i].iov_base, take);
        used += take;
      }
    }
    if (used == 0) return 0;
    ERR_clear_error();
    int n = SSL_write(ssl_.get(), single ? single : out, static_cast<int>(used));
    if (n > 0) return n;
    switch (SSL_get_error(ssl_.get(), n)) {
      case SSL_ERROR_WANT_WRITE:
        return 0;
      case SSL_ERROR_WANT_READ:
        writeWantsRead_ = true;
        return 0;
      case SSL_ERROR_SYSCALL:
        if (errno == EAGAIN || errno == EINTR) return 0;
        error_ = errno ? strerror(errno) : "TLS connection closed";
        return kError;
      default:
        recordSslError();
        return kError;
    }
  }

 private:
  void recordSslError() {
    unsigned long e = ERR_get_error();
    char text[256];
    if (e != 0) {
      ERR_error_string_n(e, text, sizeof(text));
      error_ = text;
    } else {
      error_ = "TLS error";
    }
    ERR_clear_error();
  }

  SslPtr ssl_;
  bool readWantsWrite_ = false;
  bool writeWantsRead_ = false;
  char scratch_[16384];
};

}  // namespace

std::unique_ptr<Stream> Stream::plain(UniqueFd fd) {
  return std::make_unique<PlainStream>(std::move(fd));
}

std::unique_ptr<Stream> Stream::tls(UniqueFd fd, SslPtr ssl) {
  return std::make_unique<TlsStream>(std::move(fd), std::move(ssl));
}

}  // namespace strata::net
