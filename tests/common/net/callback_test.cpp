// libevent callback trampolines of common/net/callback.h: member functions are called with the
// right object and arguments, and an exception from a handler never reaches libevent.
#include "common/net/callback.h"

#include <doctest/doctest.h>
#include <sys/socket.h>

#include <stdexcept>
#include <string>

#include "common/net/handles.h"

using namespace strata::net;

namespace {

struct Timer {
  int fired = 0;
  short lastWhat = 0;
  void onTimer(evutil_socket_t, short what) {
    ++fired;
    lastWhat = what;
  }
  void onThrow(evutil_socket_t, short) {
    ++fired;
    throw std::runtime_error("handler failed");
  }
  void onNoexcept(evutil_socket_t, short) noexcept { ++fired; }
};

struct Reader {
  std::string received;
  bool sawEof = false;
  void onRead(bufferevent* bev) {
    char buf[64];
    size_t n;
    while ((n = bufferevent_read(bev, buf, sizeof(buf))) > 0) received.append(buf, n);
  }
  void onEvent(bufferevent*, short what) {
    if (what & BEV_EVENT_EOF) sawEof = true;
  }
};

}  // namespace

TEST_SUITE("common.net") {
  TEST_CASE("callback<> forwards event callbacks to the member function") {
    static_assert(std::is_same_v<decltype(callback<&Timer::onTimer>),
                                 void (*const)(evutil_socket_t, short, void*) noexcept>);
    EventBasePtr base(event_base_new());
    Timer t;
    EventPtr ev(evtimer_new(base.get(), callback<&Timer::onTimer>, &t));
    EventPtr ev2(evtimer_new(base.get(), callback<&Timer::onNoexcept>, &t));
    timeval zero{0, 0};
    evtimer_add(ev.get(), &zero);
    evtimer_add(ev2.get(), &zero);
    CHECK(event_base_dispatch(base.get()) == 1);  // no events left
    CHECK(t.fired == 2);
    CHECK(t.lastWhat == EV_TIMEOUT);
  }

  TEST_CASE("an exception in a handler is contained and the loop goes on") {
    EventBasePtr base(event_base_new());
    Timer t;
    EventPtr bad(evtimer_new(base.get(), callback<&Timer::onThrow>, &t));
    EventPtr good(evtimer_new(base.get(), callback<&Timer::onTimer>, &t));
    timeval zero{0, 0};
    timeval later{0, 1000};
    evtimer_add(bad.get(), &zero);
    evtimer_add(good.get(), &later);
    CHECK(event_base_dispatch(base.get()) == 1);
    CHECK(t.fired == 2);
  }

  TEST_CASE("callback<> works for bufferevent data and event callbacks") {
    EventBasePtr base(event_base_new());
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    UniqueFd writer(fds[1]);
    BufferEventPtr bev(bufferevent_socket_new(base.get(), fds[0], BEV_OPT_CLOSE_ON_FREE));
    Reader r;
    bufferevent_setcb(bev.get(), callback<&Reader::onRead>, nullptr, callback<&Reader::onEvent>,
                      &r);
    bufferevent_enable(bev.get(), EV_READ);
    REQUIRE(write(writer.get(), "PING\r\n", 6) == 6);
    writer.reset();  // EOF
    event_base_dispatch(base.get());
    CHECK(r.received == "PING\r\n");
    CHECK(r.sawEof);
  }
}
