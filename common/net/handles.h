// RAII owners for every libevent and OpenSSL handle the project touches, plus UniqueFd for raw
// sockets. This is the one smart-pointer family of the codebase: no bare event_free,
// bufferevent_free, SSL_free... appears anywhere else; code that creates a handle wraps it here at
// once. Used by common/net (TLS), node/ and proxy/. Owns nothing itself: each alias is a
// std::unique_ptr with an empty deleter (sizeof == one pointer). A handle is as thread-safe as the
// object it owns: libevent objects stay on the thread of their event_base.
#pragma once

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <unistd.h>

#include <memory>
#include <utility>

namespace strata::net {

// Calls Free(p) for a non-null p. `Free` is the C library's destroy function.
template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    if (p != nullptr) Free(p);
  }
};

template <typename T, auto Free>
using CHandle = std::unique_ptr<T, Deleter<Free>>;

// libevent.
using EventBasePtr = CHandle<event_base, &event_base_free>;
using EventPtr = CHandle<event, &event_free>;  // event_free also deletes a pending event
// bufferevent_free finishes (runs the finalizer, closes a BEV_OPT_CLOSE_ON_FREE socket) on the
// next iteration of its event_base, or when the event_base is freed.
using BufferEventPtr = CHandle<bufferevent, &bufferevent_free>;
using EvConnListenerPtr = CHandle<evconnlistener, &evconnlistener_free>;
using EvBufferPtr = CHandle<evbuffer, &evbuffer_free>;

// OpenSSL. SSL_CTX, SSL, X509 and EVP_PKEY are reference counted: the pointer owns one reference.
using SslCtxPtr = CHandle<SSL_CTX, &SSL_CTX_free>;
using SslPtr = CHandle<SSL, &SSL_free>;  // SSL_free also frees the BIOs set with SSL_set_bio
using X509Ptr = CHandle<X509, &X509_free>;
using EvpPkeyPtr = CHandle<EVP_PKEY, &EVP_PKEY_free>;
using BioPtr = CHandle<BIO, &BIO_free_all>;  // frees the whole BIO chain
using X509StorePtr = CHandle<X509_STORE, &X509_STORE_free>;
using X509NamePtr = CHandle<X509_NAME, &X509_NAME_free>;

// Owns a raw file descriptor (socket, pipe): closes it on destruction. Movable, not copyable.
class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }

  // Gives up ownership: the caller must close the returned descriptor.
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

  // Closes the owned descriptor (if any) and takes `fd`.
  void reset(int fd = -1) noexcept {
    int old = std::exchange(fd_, fd);
    if (old >= 0) ::close(old);
  }

 private:
  int fd_ = -1;
};

}  // namespace strata::net
