// BlockingClient: non-blocking socket + poll() for every wait, so each call has a hard deadline.
#include "common/net/blocking_client.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "common/resp/writer.h"

namespace strata::net {

namespace {
int remainingMs(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}
}  // namespace

bool BlockingClient::waitFor(short events, std::chrono::steady_clock::time_point deadline) {
  pollfd p{stream_->fd(), events, 0};
  int ms = remainingMs(deadline);
  if (ms == 0) return false;
  int rc = ::poll(&p, 1, ms);
  return rc > 0;
}

std::unique_ptr<BlockingClient> BlockingClient::connect(const std::string& host, uint16_t port,
                                                        std::chrono::milliseconds timeout,
                                                        std::shared_ptr<const TlsContext> tls,
                                                        std::string& error) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string portText = std::to_string(port);
  int gai = getaddrinfo(host.c_str(), portText.c_str(), &hints, &res);
  if (gai != 0 || !res) {
    error = "cannot resolve " + host + ": " + gai_strerror(gai);
    return nullptr;
  }
  UniqueFd fd(::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  int rc = fd ? ::connect(fd.get(), res->ai_addr, res->ai_addrlen) : -1;
  int connectErrno = errno;
  freeaddrinfo(res);
  if (!fd) {
    error = std::string("socket: ") + strerror(errno);
    return nullptr;
  }
  if (rc != 0 && connectErrno != EINPROGRESS) {
    error = std::string("connect: ") + strerror(connectErrno);
    return nullptr;
  }
  setNoDelay(fd.get());
  if (rc != 0) {
    pollfd p{fd.get(), POLLOUT, 0};
    if (::poll(&p, 1, remainingMs(deadline)) <= 0) {
      error = "connect: timed out";
      return nullptr;
    }
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      error = std::string("connect: ") + strerror(err);
      return nullptr;
    }
  }
  std::unique_ptr<Stream> stream;
  if (tls) {
    SslPtr ssl = tls->newSsl();
    if (!ssl) {
      error = "TLS: cannot create a session";
      return nullptr;
    }
    stream = Stream::tls(std::move(fd), std::move(ssl));
  } else {
    stream = Stream::plain(std::move(fd));
  }
  return std::unique_ptr<BlockingClient>(new BlockingClient(std::move(stream), timeout));
}

bool BlockingClient::call(const std::vector<std::string_view>& args, resp::Value& reply) {
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  std::string out;
  resp::Writer(out).command(args);
  size_t sent = 0;
  while (sent < out.size()) {
    iovec iov{out.data() + sent, out.size() - sent};
    ssize_t n = stream_->writev(&iov, 1);
    if (n < 0) {
      error_ = "write: " + stream_->error();
      return false;
    }
    sent += static_cast<size_t>(n);
    if (sent < out.size() && !waitFor(stream_->writeWantsRead() ? POLLIN : POLLOUT, deadline)) {
      error_ = "write: timed out";
      return false;
    }
  }
  resp::ReplyParser parser;
  for (;;) {
    if (!in_.empty()) {
      resp::ParseStatus st = parser.parse(in_.data(), in_.size(), reply);
      if (st == resp::ParseStatus::kOk) {
        in_.erase(0, parser.consumed());
        return true;
      }
      if (st == resp::ParseStatus::kError) {
        error_ = "protocol error: " + std::string(parser.error());
        return false;
      }
    }
    char buf[16384];
    ssize_t n = stream_->read(buf, sizeof(buf));
    if (n > 0) {
      in_.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == Stream::kClosed) {
      error_ = "connection closed";
      return false;
    }
    if (n == Stream::kError) {
      error_ = "read: " + stream_->error();
      return false;
    }
    if (!stream_->hasBufferedInput() &&
        !waitFor(stream_->readWantsWrite() ? POLLOUT : POLLIN, deadline)) {
      error_ = "read: timed out";
      return false;
    }
  }
}

}  // namespace strata::net
