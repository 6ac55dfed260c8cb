// Propagation of write commands to the AOF and replicas (see propagation.h): the RESP encoder,
// the Propagator's call frames and pending bytes, Server::propagateCommand (called by
// Server::call when the keyspace's dirty counter moved) with Redis 7.0's deterministic rewrites,
// and the Server's propagation API. Event-loop thread only.
#include "node/persistence/propagation.h"

#include <algorithm>
#include <charconv>

#include "node/commands/handlers.h"
#include "node/keyspace/containers.h"
#include "node/persistence/persistence.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

void appendHeader(std::string& out, char kind, size_t n) {
  char buf[24];
  buf[0] = kind;
  auto res = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n);
  *res.ptr++ = '\r';
  *res.ptr++ = '\n';
  out.append(buf, static_cast<size_t>(res.ptr - buf));
}

template <typename Range>
void appendCommand(std::string& out, const Range& argv, size_t n) {
  appendHeader(out, '*', n);
  for (std::string_view a : argv) {
    appendHeader(out, '$', a.size());
    out.append(a);
    out.append("\r\n", 2);
  }
}

std::string_view formatInt(char (&buf)[24], int64_t v) {
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return {buf, static_cast<size_t>(res.ptr - buf)};
}

bool equalsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

void appendRespCommand(std::string& out, const std::vector<std::string_view>& argv) {
  appendCommand(out, argv, argv.size());
}

void appendRespCommand(std::string& out, std::initializer_list<std::string_view> argv) {
  appendCommand(out, argv, argv.size());
}

// ---- Propagator -------------------------------------------------------------------------------

void Propagator::addSink(PropagationSink* sink) {
  if (std::find(sinks_.begin(), sinks_.end(), sink) == sinks_.end()) sinks_.push_back(sink);
}

void Propagator::removeSink(PropagationSink* sink) {
  sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end());
}

Propagator::Frame Propagator::begin() {
  Frame f{overrideStart_, overrideCount_, overridden_};
  overrideStart_ = overrides_.size();
  overrideCount_ = 0;
  overridden_ = false;
  ++depth_;
  return f;
}

void Propagator::end(const Frame& frame) {
  overrides_.resize(overrideStart_);  // a handler's override without a change is dropped
  overrideStart_ = frame.overrideStart;
  overrideCount_ = frame.overrideCount;
  overridden_ = frame.overridden;
  if (--depth_ == 0) flush();
}

void Propagator::overrideWith(const std::vector<std::string_view>& argv) {
  if (!active()) return;
  overridden_ = true;
  ++overrideCount_;
  appendRespCommand(overrides_, argv);
}

void Propagator::overrideWith(std::initializer_list<std::string_view> argv) {
  if (!active()) return;
  overridden_ = true;
  ++overrideCount_;
  appendRespCommand(overrides_, argv);
}

void Propagator::commitOverrides() {
  pending_.append(overrides_, overrideStart_, std::string::npos);
  propagatedCount_ += overrideCount_;
  overrides_.resize(overrideStart_);
  overrideCount_ = 0;
  if (depth_ == 0) flush();
}

void Propagator::add(const std::vector<std::string_view>& argv) {
  if (!active()) return;
  appendRespCommand(pending_, argv);
  ++propagatedCount_;
  if (depth_ == 0) flush();
}

void Propagator::add(std::initializer_list<std::string_view> argv) {
  if (!active()) return;
  appendRespCommand(pending_, argv);
  ++propagatedCount_;
  if (depth_ == 0) flush();
}

void Propagator::flush() {
  if (pending_.empty()) {
    transaction_ = false;
    propagatedCount_ = 0;
    return;
  }
  if (transaction_ && propagatedCount_ > 1) {
    std::string wrapped;
    wrapped.reserve(pending_.size() + 32);
    appendRespCommand(wrapped, {"MULTI"});
    wrapped.append(pending_);
    appendRespCommand(wrapped, {"EXEC"});
    for (PropagationSink* s : sinks_) s->feed(wrapped);
  } else {
    for (PropagationSink* s : sinks_) s->feed(pending_);
  }
  pending_.clear();
  transaction_ = false;
  propagatedCount_ = 0;
}

// ---- Server API -------------------------------------------------------------------------------

void Server::addPropagationSink(PropagationSink* sink) {
  persistence_->propagator().addSink(sink);
}

void Server::removePropagationSink(PropagationSink* sink) {
  // Sinks destroyed with the Server may leave after the persistence subsystem.
  if (persistence_) persistence_->propagator().removeSink(sink);
}

void Server::propagate(const std::vector<std::string_view>& argv) {
  if (persistence_) persistence_->propagator().add(argv);
}

void Server::propagateAs(std::initializer_list<std::string_view> argv) {
  persistence_->propagator().overrideWith(argv);
}

void Server::propagateAs(const std::vector<std::string_view>& argv) {
  persistence_->propagator().overrideWith(argv);
}

void Server::preventPropagation() {
  persistence_->propagator().preventPropagation();
}

bool Server::propagationActive() const {
  return persistence_ && persistence_->propagator().active();
}

// The command's effect in a deterministic form (Redis 7.0's rewrites), or its own argv.
void Server::propagateCommand(const CommandDef& def, const std::vector<std::string_view>& argv) {
  Propagator& p = persistence_->propagator();
  if (!p.active()) return;
  // The override frame of this call starts where the enclosing call's overrides end; a handler
  // that called propagateAs() (or preventPropagation()) decides alone.
  if (p.overridden()) return p.commitOverrides();
  char buf[24];
  switch (persistence_->rewriteOf(def)) {
    case Persistence::Rewrite::kNone:
      p.add(argv);
      return;
    case Persistence::Rewrite::kExec:
      p.markTransaction();  // its commands were propagated by their own call()s
      return;
    case Persistence::Rewrite::kExpire:
    case Persistence::Rewrite::kGetex: {
      std::string_view key = argv[1];
      Entry* e = keyspace_.peek(key);
      if (e == nullptr) return p.add({"DEL", key});
      const Millis at = keyspace_.expireAt(e);
      if (at < 0) return p.add({"PERSIST", key});
      return p.add({"PEXPIREAT", key, formatInt(buf, at)});
    }
    case Persistence::Rewrite::kSet:
    case Persistence::Rewrite::kSetex: {
      std::string_view key = argv[1];
      const bool setex = persistence_->rewriteOf(def) == Persistence::Rewrite::kSetex;
      bool relative = setex;
      if (!setex) {
        for (size_t i = 3; i < argv.size(); ++i) {
          if (equalsNoCase(argv[i], "ex") || equalsNoCase(argv[i], "px") ||
              equalsNoCase(argv[i], "exat")) {
            relative = true;
          }
        }
      }
      if (!relative) return p.add(argv);
      Entry* e = keyspace_.peek(key);
      if (e == nullptr) return p.add({"DEL", key});
      const Millis at = keyspace_.expireAt(e);
      std::string_view value = setex ? argv[3] : argv[2];
      if (at < 0) return p.add({"SET", key, value});
      return p.add({"SET", key, value, "PXAT", formatInt(buf, at)});
    }
    case Persistence::Rewrite::kIncrbyfloat: {
      std::string_view key = argv[1];
      Entry* e = keyspace_.peek(key);
      if (e == nullptr || !e->isString()) return p.add(argv);
      char scratch[24];
      return p.add({"SET", key, e->stringView(scratch), "KEEPTTL"});
    }
    case Persistence::Rewrite::kHincrbyfloat: {
      std::string_view key = argv[1];
      Entry* e = keyspace_.peek(key);
      if (e == nullptr || e->type() != ValueType::kHash) return p.add(argv);
      std::optional<std::string_view> v = static_cast<HashObject*>(e->object())->get(argv[2]);
      if (!v) return p.add(argv);
      return p.add({"HSET", key, argv[2], *v});
    }
  }
}

}  // namespace strata::node
