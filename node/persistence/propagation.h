// Propagation of the dataset's changes to the AOF and to replicas, shaped like Redis 7.0's
// call() -> alsoPropagate() -> propagatePendingCommands():
//
//   Server::call(outermost) ── handler ──> dirty moved? ──> its propagated form ──┐
//        │  (nested calls: EXEC's commands, expiry DELs, Server::propagate)        v
//        └── end of the outermost call ── pending RESP bytes (MULTI..EXEC when EXEC
//                                          propagated more than one) ──> every sink's feed()
//
// A command is encoded once, as a RESP multibulk, and the same bytes go to every sink (the AOF
// buffer, the replication backlog). Commands whose effect depends on time or randomness are
// rewritten as Redis 7.0 does so that a replay is deterministic: relative expiries become
// PEXPIREAT / SET ... PXAT, an expiry in the past a DEL, SPOP SREM, INCRBYFLOAT a SET ... KEEPTTL,
// HINCRBYFLOAT an HSET, GETEX PERSIST a PERSIST, served blocking pops their non-blocking form,
// expired keys DEL. Handlers state their own propagated form through Server::propagateAs (cheap:
// a no-op while nothing listens); the generic rewrites live in propagation.cpp.
//
// Event-loop thread only. Sinks are not owned; a sink removes itself before it is destroyed.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace strata::node {

class PropagationSink {
 public:
  virtual ~PropagationSink() = default;
  // One or more complete RESP multibulk commands (never a partial one). Called on the event-loop
  // thread at the end of the outermost command that changed the dataset; must not call back into
  // the Server's command execution.
  virtual void feed(std::string_view respCommands) = 0;
  // False while feed() would drop everything (a master with no replica and no backlog): when no
  // sink listens, commands are not encoded at all.
  virtual bool listening() const { return true; }
};

// Appends `argv` to `out` as a RESP multibulk (`*N\r\n$len\r\narg\r\n...`).
void appendRespCommand(std::string& out, const std::vector<std::string_view>& argv);
void appendRespCommand(std::string& out, std::initializer_list<std::string_view> argv);

// The propagation state the Server keeps (one instance, owned through Persistence): the sinks,
// the bytes pending for the current outermost call, and the handler's "propagate as" override.
class Propagator {
 public:
  void addSink(PropagationSink* sink);
  void removeSink(PropagationSink* sink);
  // True when at least one sink listens (and the server is not replaying its own AOF).
  bool active() const {
    if (suppressed_) return false;
    for (const PropagationSink* s : sinks_) {
      if (s->listening()) return true;
    }
    return false;
  }
  // While suppressed (AOF loading, DEBUG RELOAD) nothing is recorded.
  void setSuppressed(bool yes) { suppressed_ = yes; }
  bool suppressed() const { return suppressed_; }

  // Call nesting (Server::call): begin() returns the state the matching end() restores.
  struct Frame {
    size_t overrideStart;  // the enclosing call's override segment
    uint32_t overrideCount;
    bool overridden;
  };
  Frame begin();
  // Ends one call level; at the outermost level the pending bytes go to the sinks.
  void end(const Frame& frame);
  int depth() const { return depth_; }

  // The current command's explicit propagated form (each call adds one command).
  void overrideWith(const std::vector<std::string_view>& argv);
  void overrideWith(std::initializer_list<std::string_view> argv);
  // The current command propagates nothing even if it changed the dataset.
  void preventPropagation() { overridden_ = true; }
  bool overridden() const { return overridden_; }
  // Moves the running call's overrides into the pending bytes (the command's effect).
  void commitOverrides();

  // Adds one command to the pending bytes of the current outermost call (or sends it at once
  // when no call is running: active expiry, cron).
  void add(const std::vector<std::string_view>& argv);
  void add(std::initializer_list<std::string_view> argv);
  // Marks that the outermost call runs a transaction (EXEC): its commands are wrapped in
  // MULTI ... EXEC when more than one propagates.
  void markTransaction() { transaction_ = true; }

  // Sends the pending bytes to every sink (end of the outermost call).
  void flush();

 private:
  std::vector<PropagationSink*> sinks_;
  bool suppressed_ = false;
  int depth_ = 0;
  std::string pending_;       // commands of the current outermost call
  std::string overrides_;     // propagateAs() commands of the calls in progress (a stack)
  size_t overrideStart_ = 0;  // where the running call's segment of overrides_ starts
  uint32_t overrideCount_ = 0;
  bool overridden_ = false;
  bool transaction_ = false;
  uint32_t propagatedCount_ = 0;  // commands in pending_
};

}  // namespace strata::node
