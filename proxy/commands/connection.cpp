// Commands the proxy answers itself, without a node: PING, ECHO, HELLO, AUTH, QUIT, RESET,
// SELECT, CLIENT (SETNAME/GETNAME/ID/INFO/LIST), COMMAND (from the cached table), ACL WHOAMI,
// READONLY, READWRITE, ASKING. The proxy presents itself as one standalone Redis 7.0 server.
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "common/net/callback.h"
#include "common/resp/hello_reply.h"
#include "common/resp/writer.h"
#include "proxy/client_conn.h"
#include "proxy/command_table.h"
#include "proxy/worker.h"

namespace strata::proxy {

namespace {

// Constant-time comparison, so a password can't be guessed byte by byte from timing.
bool samePassword(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

bool ClientConn::checkPassword(std::string_view user, std::string_view password) const {
  const auto& s = worker_.settings();
  if (user == "default" && !s.requirepass.empty() && samePassword(password, s.requirepass)) {
    return true;
  }
  for (const auto& u : s.users) {
    if (u.name == user && samePassword(password, u.password)) return true;
  }
  return false;
}

void ClientConn::failAuth(Request* r) {
  worker_.metrics().authFailure();
  // One log line a second per worker at most: a password-guessing client must not flood it.
  thread_local Clock::time_point lastLog{};
  thread_local uint64_t suppressed = 0;
  const Clock::time_point now = worker_.now();
  if (now - lastLog >= std::chrono::seconds(1)) {
    spdlog::warn("AUTH failed for client {} ({}){}", id_, peer_,
                 suppressed ? fmt::format(" ({} more failures not logged)", suppressed) : "");
    lastLog = now;
    suppressed = 0;
  } else {
    ++suppressed;
  }
  const int delayMs = worker_.settings().authFailureDelayMs;
  if (delayMs <= 0) {
    replyError(r, errors::kWrongPass);
    return;
  }
  Clock::time_point due = now;
  if (!authDelayed_.empty()) due = std::max(due, authDelayed_.back().second);
  due += std::chrono::milliseconds(delayMs);
  authDelayed_.emplace_back(r, due);
  if (!authDelayTimer_) {
    authDelayTimer_.reset(
        evtimer_new(worker_.base(), net::callback<&ClientConn::onAuthDelayTimer>, this));
  }
  if (authDelayed_.size() == 1) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(due - now).count();
    timeval tv{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
    evtimer_add(authDelayTimer_.get(), &tv);
  }
}

void ClientConn::onAuthDelayTimer(evutil_socket_t, short) {
  if (closed_) return;
  const Clock::time_point now = Clock::now();
  while (!authDelayed_.empty() && authDelayed_.front().second <= now) {
    Request* r = authDelayed_.front().first;
    authDelayed_.pop_front();
    replyError(r, errors::kWrongPass);
  }
  if (!authDelayed_.empty()) {
    auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(authDelayed_.front().second - now)
            .count();
    timeval tv{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
    evtimer_add(authDelayTimer_.get(), &tv);
  }
}

bool ClientConn::handleLocal(Request* r, const Args& args, std::string_view name) {
  const size_t argc = args.size();
  if (name == "ping") {
    if (argc > 2) return replyError(r, "ERR wrong number of arguments for 'ping' command"), true;
    if (isSubscribed() && protocol_ == resp::Protocol::kResp2) {
      auto w = writer(r);
      w.arrayHeader(2);
      w.bulk("pong");
      w.bulk(argc == 2 ? args[1] : "");
      replyLocal(r);
    } else if (argc == 2) {
      writer(r).bulk(args[1]);
      replyLocal(r);
    } else {
      replySimple(r, "PONG");
    }
    return true;
  }
  if (name == "echo") {
    if (argc != 2) return replyError(r, "ERR wrong number of arguments for 'echo' command"), true;
    writer(r).bulk(args[1]);
    replyLocal(r);
    return true;
  }
  if (name == "hello") {
    cmdHello(r, args);
    return true;
  }
  if (name == "auth") {
    cmdAuth(r, args);
    return true;
  }
  if (name == "quit") {
    writer(r).ok();
    closeAfterReplies();
    replyLocal(r);
    return true;
  }
  if (name == "reset") {
    cmdReset(r);
    return true;
  }
  if (name == "select") {
    if (argc != 2) return replyError(r, "ERR wrong number of arguments for 'select' command"), true;
    if (args[1] == "0") {
      writer(r).ok();
      replyLocal(r);
    } else {
      bool numeric =
          !args[1].empty() && args[1].find_first_not_of("-0123456789") == std::string_view::npos;
      replyError(r,
                 numeric ? errors::kSelectNotAllowed : errors::kNotInteger);  // cluster: db 0 only
    }
    return true;
  }
  if (name == "client") {
    cmdClient(r, args);
    return true;
  }
  if (name == "command") {
    if (argc == 1 || config::equalsNoCase(args[1], "count") ||
        config::equalsNoCase(args[1], "info")) {
      cmdCommand(r, args);
      return true;
    }
    return false;  // COMMAND DOCS / GETKEYS / LIST: any node answers
  }
  if (name == "acl" && argc == 2 && config::equalsNoCase(args[1], "whoami")) {
    // The user this client authenticated as; a node would name the proxy's own backend user.
    writer(r).bulk(user_);
    replyLocal(r);
    return true;
  }
  if (name == "readonly" || name == "readwrite" || name == "asking") {
    // Meaningful only on a cluster connection; the proxy manages its own.
    writer(r).ok();
    replyLocal(r);
    return true;
  }
  return false;
}

void ClientConn::cmdHello(Request* r, const Args& args) {
  size_t i = 1;
  int proto = protocol_ == resp::Protocol::kResp3 ? 3 : 2;
  if (args.size() >= 2) {
    const std::string_view v = args[1];
    if (v != "2" && v != "3") {
      bool numeric = !v.empty() && v.find_first_not_of("0123456789") == std::string_view::npos;
      replyError(r, numeric ? "NOPROTO unsupported protocol version"
                            : "ERR Protocol version is not an integer or out of range");
      return;
    }
    proto = v == "3" ? 3 : 2;
    i = 2;
  }
  std::string newName = name_;
  bool nameSet = false;
  for (; i < args.size(); ++i) {
    if (config::equalsNoCase(args[i], "auth") && i + 2 < args.size()) {
      if (!checkPassword(args[i + 1], args[i + 2])) {
        failAuth(r);
        return;
      }
      user_ = std::string(args[i + 1]);
      authenticated_ = true;
      parser_.setAuthenticated(true);
      i += 2;
    } else if (config::equalsNoCase(args[i], "setname") && i + 1 < args.size()) {
      newName = std::string(args[i + 1]);
      nameSet = true;
      ++i;
    } else {
      replyError(r, "ERR Syntax error in HELLO option '" + std::string(args[i]) + "'");
      return;
    }
  }
  if (!authenticated_) {
    replyError(r,
               "NOAUTH HELLO must be called with the client already authenticated, otherwise "
               "the HELLO AUTH <user> <pass> option can be used to authenticate the client and "
               "select the RESP protocol version at the same time");
    return;
  }
  if (nameSet) name_ = newName;
  protocol_ = proto == 3 ? resp::Protocol::kResp3 : resp::Protocol::kResp2;
  auto w = writer(r);
  resp::writeHelloReply(w, proto, static_cast<int64_t>(id_), "standalone");
  replyLocal(r);
}

void ClientConn::cmdAuth(Request* r, const Args& args) {
  if (args.size() < 2) {
    replyError(r, "ERR wrong number of arguments for 'auth' command");
    return;
  }
  if (args.size() > 3) {
    replyError(r, "ERR syntax error");  // as Redis 7.0: AUTH [username] password
    return;
  }
  const auto& s = worker_.settings();
  if (!s.authRequired()) {
    replyError(r,
               "ERR AUTH <password> called without any password configured for the default "
               "user. Are you sure your configuration is correct?");
    return;
  }
  std::string_view user = args.size() == 3 ? args[1] : "default";
  std::string_view password = args.back();
  if (!checkPassword(user, password)) {
    failAuth(r);
    return;
  }
  user_ = std::string(user);
  authenticated_ = true;
  parser_.setAuthenticated(true);
  writer(r).ok();
  replyLocal(r);
}

void ClientConn::cmdReset(Request* r) {
  resetTransaction();
  releasePinned(false);
  dropPubSub();
  name_.clear();
  protocol_ = resp::Protocol::kResp2;
  replyMode_ = ReplyMode::kOn;
  r->silent = false;
  if (worker_.settings().authRequired()) {
    authenticated_ = false;
    parser_.setAuthenticated(false);
  }
  user_ = "default";
  replySimple(r, "RESET");
}

void ClientConn::cmdClient(Request* r, const Args& args) {
  if (args.size() < 2) {
    replyError(r, "ERR wrong number of arguments for 'client' command");
    return;
  }
  std::string_view sub = args[1];
  if (config::equalsNoCase(sub, "setname") && args.size() == 3) {
    for (char c : args[2]) {
      if (c < '!' || c > '~') {
        replyError(r, "ERR Client names cannot contain spaces, newlines or special characters.");
        return;
      }
    }
    name_ = std::string(args[2]);
    writer(r).ok();
  } else if (config::equalsNoCase(sub, "getname") && args.size() == 2) {
    if (name_.empty()) {
      writer(r).null();
    } else {
      writer(r).bulk(name_);
    }
  } else if (config::equalsNoCase(sub, "id") && args.size() == 2) {
    writer(r).integer(static_cast<int64_t>(id_));
  } else if (config::equalsNoCase(sub, "info") && args.size() == 2) {
    writer(r).verbatim("txt", infoLine() + "\n");
  } else if (config::equalsNoCase(sub, "list")) {
    cmdClientList(r, args);  // answered once every worker has listed its clients
    return;
  } else if (config::equalsNoCase(sub, "kill")) {
    cmdClientKill(r, args);
    return;
  } else if (config::equalsNoCase(sub, "reply") && args.size() != 3) {
    replyError(r, "ERR wrong number of arguments for 'client|reply' command");
    return;
  } else if (config::equalsNoCase(sub, "reply")) {
    // As Redis: ON answers OK; OFF answers nothing from now on; SKIP answers nothing and drops
    // the next command's reply (dispatch() marks the requests silent).
    if (config::equalsNoCase(args[2], "on")) {
      replyMode_ = ReplyMode::kOn;
      r->silent = false;
    } else if (config::equalsNoCase(args[2], "off")) {
      replyMode_ = ReplyMode::kOff;
      r->silent = true;
    } else if (config::equalsNoCase(args[2], "skip")) {
      if (replyMode_ != ReplyMode::kOff) replyMode_ = ReplyMode::kSkipNext;
      r->silent = true;
    } else {
      replyError(r, "ERR syntax error");
      return;
    }
    writer(r).ok();
  } else if (config::equalsNoCase(sub, "setinfo") || config::equalsNoCase(sub, "no-evict") ||
             config::equalsNoCase(sub, "no-touch")) {
    writer(r).ok();
  } else {
    replyError(r, "ERR unknown subcommand '" + std::string(sub) + "'. Try CLIENT HELP.");
    return;
  }
  replyLocal(r);
}

void ClientConn::cmdCommand(Request* r, const Args& args) {
  const CommandTable* table = worker_.commands();
  if (!table) {
    replyError(r, "ERR proxy: the command table is not loaded yet");
    return;
  }
  auto w = writer(r);
  const resp::Value& all = table->raw();
  if (args.size() == 1) {
    w.value(all);
  } else if (config::equalsNoCase(args[1], "count")) {
    w.integer(static_cast<int64_t>(all.elements.size()));
  } else {  // COMMAND INFO name...
    w.arrayHeader(args.size() - 2);
    for (size_t i = 2; i < args.size(); ++i) {
      const resp::Value* found = nullptr;
      for (const auto& entry : all.elements) {
        if (!entry.elements.empty() && config::equalsNoCase(entry.elements[0].str, args[i])) {
          found = &entry;
          break;
        }
      }
      if (found) {
        w.value(*found);
      } else {
        w.nullArray();
      }
    }
  }
  replyLocal(r);
}

}  // namespace strata::proxy
