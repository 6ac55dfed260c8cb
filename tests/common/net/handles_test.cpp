// RAII handles of common/net/handles.h: each alias frees its object (LeakSanitizer in the
// sanitizer build reports any miss), moves transfer ownership, UniqueFd closes its descriptor.
#include "common/net/handles.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

using namespace strata::net;

namespace {

int gFreed = 0;
void countingFree(int* p) {
  ++gFreed;
  delete p;
}

bool fdIsOpen(int fd) {
  return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

}  // namespace

TEST_SUITE("common.net") {
  TEST_CASE("CHandle calls its free function exactly once, and never on null") {
    gFreed = 0;
    {
      CHandle<int, &countingFree> empty;
      CHandle<int, &countingFree> a(new int(7));
      CHandle<int, &countingFree> b = std::move(a);
      CHECK(a == nullptr);
      REQUIRE(b != nullptr);
      CHECK(*b == 7);
      CHECK(gFreed == 0);
      b.reset(new int(8));
      CHECK(gFreed == 1);
    }
    CHECK(gFreed == 2);
    static_assert(sizeof(CHandle<int, &countingFree>) == sizeof(int*));
    static_assert(sizeof(EventPtr) == sizeof(void*));
  }

  TEST_CASE("libevent handles free their objects and move") {
    EventBasePtr base(event_base_new());
    REQUIRE(base);
    EventPtr timer(evtimer_new(
        base.get(), [](evutil_socket_t, short, void*) {}, nullptr));
    REQUIRE(timer);
    timeval tv{10, 0};
    evtimer_add(timer.get(), &tv);  // freeing a pending event must be fine
    EventPtr moved = std::move(timer);
    CHECK_FALSE(timer);
    CHECK(moved);
    CHECK(event_base_get_num_events(base.get(), EVENT_BASE_COUNT_ADDED) == 1);
    moved.reset();
    CHECK(event_base_get_num_events(base.get(), EVENT_BASE_COUNT_ADDED) == 0);

    EvBufferPtr buf(evbuffer_new());
    REQUIRE(buf);
    evbuffer_add(buf.get(), "hello", 5);
    CHECK(evbuffer_get_length(buf.get()) == 5);

    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EvConnListenerPtr listener(evconnlistener_new_bind(
        base.get(), [](evconnlistener*, evutil_socket_t fd, sockaddr*, int, void*) { close(fd); },
        nullptr, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16, reinterpret_cast<sockaddr*>(&sin),
        sizeof(sin)));
    REQUIRE(listener);
    int listenFd = evconnlistener_get_fd(listener.get());
    CHECK(fdIsOpen(listenFd));
    listener.reset();
    CHECK_FALSE(fdIsOpen(listenFd));
  }

  TEST_CASE("BufferEventPtr with BEV_OPT_CLOSE_ON_FREE closes the socket") {
    EventBasePtr base(event_base_new());
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    UniqueFd peer(fds[1]);
    BufferEventPtr bev(bufferevent_socket_new(base.get(), fds[0], BEV_OPT_CLOSE_ON_FREE));
    REQUIRE(bev);
    CHECK(fdIsOpen(fds[0]));
    BufferEventPtr other = std::move(bev);
    other.reset();
    // libevent 2.1 finalizes a freed bufferevent (closing its socket) from the event loop.
    event_base_loop(base.get(), EVLOOP_NONBLOCK);
    CHECK_FALSE(fdIsOpen(fds[0]));
  }

  TEST_CASE("OpenSSL handles free their objects, and reference counts hold") {
    SslCtxPtr ctx(SSL_CTX_new(TLS_method()));
    REQUIRE(ctx);
    SslPtr ssl(SSL_new(ctx.get()));  // holds its own reference on ctx
    REQUIRE(ssl);
    ctx.reset();
    CHECK(SSL_get_SSL_CTX(ssl.get()) != nullptr);  // still alive through ssl
    ssl.reset();

    EvpPkeyPtr key(EVP_EC_gen("P-256"));
    REQUIRE(key);
    X509Ptr cert(X509_new());
    REQUIRE(cert);
    REQUIRE(X509_up_ref(cert.get()) == 1);
    X509Ptr second(cert.get());  // a second reference: both frees are needed
    cert.reset();
    CHECK(X509_get_version(second.get()) == 0);

    // BIO_free_all frees the whole chain.
    BioPtr chain(BIO_push(BIO_new(BIO_f_buffer()), BIO_new(BIO_s_mem())));
    REQUIRE(chain);
    CHECK(BIO_write(chain.get(), "abc", 3) == 3);

    X509StorePtr store(X509_STORE_new());
    REQUIRE(store);
    CHECK(X509_STORE_add_cert(store.get(), second.get()) == 1);
    X509NamePtr name(X509_NAME_new());
    CHECK(name);
  }

  TEST_CASE("UniqueFd closes, moves, releases and resets") {
    int p[2];
    REQUIRE(pipe(p) == 0);
    {
      UniqueFd r(p[0]);
      UniqueFd w(p[1]);
      UniqueFd moved(std::move(r));
      CHECK_FALSE(r);
      CHECK(r.get() == -1);
      CHECK(moved.get() == p[0]);
      UniqueFd assigned;
      assigned = std::move(w);
      CHECK(assigned.get() == p[1]);
      CHECK(fdIsOpen(p[0]));
      CHECK(fdIsOpen(p[1]));
    }
    CHECK_FALSE(fdIsOpen(p[0]));
    CHECK_FALSE(fdIsOpen(p[1]));

    REQUIRE(pipe(p) == 0);
    UniqueFd a(p[0]);
    int raw = a.release();
    CHECK_FALSE(a);
    CHECK(fdIsOpen(raw));
    a.reset(raw);
    CHECK(a.get() == raw);
    a.reset(p[1]);  // closes raw, takes p[1]
    CHECK_FALSE(fdIsOpen(raw));
    CHECK(fdIsOpen(p[1]));
    a = UniqueFd();
    CHECK_FALSE(fdIsOpen(p[1]));
  }
}
