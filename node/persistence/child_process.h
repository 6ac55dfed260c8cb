// One fork()ed persistence child (Redis's childpid / hasActiveChildProcess): the AOF rewrite and
// BGSAVE both write a snapshot of the keyspace as it was at fork() from a child process while the
// event loop goes on. start() forks and runs `work` in the child, which then _exit()s with 0 when
// `work` returned true; poll() reaps it without blocking (called from the cron); stop() kills and
// reaps it. The child must not log, touch the event loop or return into the parent's code.
// Event-loop thread only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace strata::node {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess() { stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // fork()s; the child runs `work` and _exit()s. False with `error` ("fork: <strerror>").
  bool start(const std::function<bool()>& work, std::string& error);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Wall-clock milliseconds at start().
  int64_t startMs() const { return startMs_; }
  // Reaps the child if it ended: nullopt while it runs (or none runs), else whether it succeeded
  // (a signal or a non-zero status is logged as "<what> terminated ...").
  std::optional<bool> poll(std::string_view what);
  // SIGKILL and reap (shutdown, CONFIG SET appendonly, a superseding job).
  void stop();

 private:
  pid_t pid_ = -1;
  int64_t startMs_ = 0;
};

// True while any persistence child runs (Redis's hasActiveChildProcess: one fork at a time).
bool anyPersistenceChild();

}  // namespace strata::node
