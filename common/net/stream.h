// The one connection abstraction of the codebase: a non-blocking byte stream over a socket,
// plain or TLS behind the same interface (as Redis's connection.h). Event loops in node/ and
// proxy/ own a Stream per client or backend link and call read()/writev() when libevent reports
// the socket ready; a TLS stream can need the opposite readiness (readWantsWrite/writeWantsRead)
// and can hold decrypted bytes that the socket no longer signals (hasBufferedInput).
// Owns the socket (and the SSL object). Used from one thread at a time.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <memory>
#include <string>

#include "common/net/handles.h"

namespace strata::net {

class Stream {
 public:
  // read(): >0 bytes read, kWouldBlock, kClosed (orderly EOF) or kError (see error()).
  // writev(): bytes written (>= 0; 0 means would block) or kError.
  static constexpr ssize_t kWouldBlock = 0;
  static constexpr ssize_t kClosed = -1;
  static constexpr ssize_t kError = -2;

  static std::unique_ptr<Stream> plain(UniqueFd fd);
  // `ssl` must be in accept or connect state (TlsContext::newSsl does that); the handshake runs
  // inside the first reads and writes.
  static std::unique_ptr<Stream> tls(UniqueFd fd, SslPtr ssl);

  virtual ~Stream() = default;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  int fd() const { return fd_.get(); }
  virtual bool isTls() const { return false; }

  virtual ssize_t read(char* buf, size_t len) = 0;
  virtual ssize_t writev(const struct iovec* iov, int count) = 0;

  // TLS only: the last read needs the socket writable / the last write needs it readable.
  virtual bool readWantsWrite() const { return false; }
  virtual bool writeWantsRead() const { return false; }
  // TLS only: decrypted bytes are waiting inside the SSL object.
  virtual bool hasBufferedInput() const { return false; }
  // TLS only: the handshake has not completed yet.
  virtual bool handshaking() const { return false; }

  const std::string& error() const { return error_; }

 protected:
  explicit Stream(UniqueFd fd) : fd_(std::move(fd)) {}

  UniqueFd fd_;
  std::string error_;
};

// Socket helpers shared by listeners and connectors.
bool setNonBlocking(int fd);
void setNoDelay(int fd);
void setKeepAlive(int fd, int seconds);
// "ip:port" of the socket's peer, or of its own end when `local` ("?:0" if unknown).
std::string socketAddress(int fd, bool local);

}  // namespace strata::net
