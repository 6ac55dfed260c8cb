// ChildProcess (child_process.h): fork, non-blocking reap, kill. Shared by the AOF rewrite and
// BGSAVE so that both follow one set of rules (one child at a time, _exit in the child).
#include "node/persistence/child_process.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace strata::node {

namespace {

int liveChildren = 0;

int64_t wallMs() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  return static_cast<int64_t>(tv.tv_sec) * 1000 + tv.tv_usec / 1000;
}

}  // namespace

bool anyPersistenceChild() {
  return liveChildren > 0;
}

bool ChildProcess::start(const std::function<bool()>& work, std::string& error) {
  if (pid_ > 0) {
    error = "a child is already running";
    return false;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (pid == 0) ::_exit(work() ? 0 : 1);  // the child: a copy of the keyspace as of fork()
  pid_ = pid;
  startMs_ = wallMs();
  ++liveChildren;
  return true;
}

std::optional<bool> ChildProcess::poll(std::string_view what) {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0 || (r < 0 && errno == EINTR)) return std::nullopt;
  pid_ = -1;
  --liveChildren;
  const bool ok = r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok) {
    if (r > 0 && WIFSIGNALED(status)) {
      spdlog::warn("{} terminated by signal {}", what, WTERMSIG(status));
    } else {
      spdlog::warn("{} terminated with error", what);
    }
  }
  return ok;
}

void ChildProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  --liveChildren;
}

}  // namespace strata::node
