// Turns member functions into the C callbacks libevent wants, as noexcept trampolines: the
// object pointer travels as libevent's trailing `void* arg`, and no exception ever unwinds
// through libevent's C frames. Used wherever node/ or proxy/ registers an event, bufferevent or
// listener callback. Owns nothing. The trampoline runs on the thread of the event_base.
//
//   class Conn {
//     void onReadable(evutil_socket_t fd, short what);          // event_callback_fn
//     void onData(bufferevent* bev);                            // bufferevent_data_cb
//     void onEvent(bufferevent* bev, short what);               // bufferevent_event_cb
//   };
//   event_new(base, fd, EV_READ, net::callback<&Conn::onReadable>, this);
//   bufferevent_setcb(bev, net::callback<&Conn::onData>, nullptr,
//                     net::callback<&Conn::onEvent>, this);
//
// Handlers should not throw; if one does, the trampoline logs the exception at error level
// (spdlog's default logger) and returns to libevent, so the loop keeps running.
#pragma once

#include <exception>

namespace strata::net {

namespace detail {

// Logs an exception that escaped a callback. Never throws.
void reportCallbackException(const char* what) noexcept;

template <auto Method>
struct Trampoline;

// Matches `void (C::*)(Args...)`, noexcept or not.
template <typename C, typename... Args, bool kNoexcept,
          void (C::*Method)(Args...) noexcept(kNoexcept)>
struct Trampoline<Method> {
  static void call(Args... args, void* self) noexcept {
    if constexpr (kNoexcept) {
      (static_cast<C*>(self)->*Method)(args...);
    } else {
      try {
        (static_cast<C*>(self)->*Method)(args...);
      } catch (const std::exception& e) {
        reportCallbackException(e.what());
      } catch (...) {
        reportCallbackException("non-standard exception");
      }
    }
  }
};

}  // namespace detail

// A C function pointer `void(Args..., void* arg)` that calls `(static_cast<C*>(arg)->*Method)
// (args...)`. Pass the object pointer as the callback argument.
template <auto Method>
inline constexpr auto callback = &detail::Trampoline<Method>::call;

}  // namespace strata::net
