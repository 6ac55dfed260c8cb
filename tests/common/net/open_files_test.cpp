// net::adjustOpenFilesLimit (common/net/open_files.h): a limit that already fits changes nothing;
// a low one is raised when the hard limit allows it, else maxclients is lowered to what fits, or
// to <= 0 when not even the reserve (and one client) fits; with several descriptors per client
// (the proxy's 2) each client counts that many. Each case that lowers RLIMIT_NOFILE runs in a
// forked child, so this process keeps its own limits; the child reports through a pipe.
#include "common/net/open_files.h"

#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

using strata::net::adjustOpenFilesLimit;

namespace {

// Runs `body` in a child process and returns what it returned (or a failure description).
std::string inChild(const std::function<std::string()>& body) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::string out = body();
    ssize_t written = write(fds[1], out.data(), out.size());
    _exit(written == static_cast<ssize_t>(out.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "child failed: " + out;
  return out;
}

// True if this process may raise its hard limit (CAP_SYS_RESOURCE): then no limit binds it, and
// adjustOpenFilesLimit always gets maxclients + reserve.
bool mayRaiseHardLimit() {
  return inChild([] {
           rlimit limit{};
           getrlimit(RLIMIT_NOFILE, &limit);
           limit.rlim_cur = limit.rlim_max = 64;
           if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return "no";
           limit.rlim_max = 65;
           return setrlimit(RLIMIT_NOFILE, &limit) == 0 ? "yes" : "no";
         }) == "yes";
}

// Sets RLIMIT_NOFILE to soft/hard, calls adjustOpenFilesLimit and reports
// "<returned> <soft after> <hard after>".
std::string adjustUnder(rlim_t soft, rlim_t hard, int64_t maxclients, int64_t reserve,
                        int64_t fdsPerClient = 1) {
  return inChild([=] {
    rlimit limit{soft, hard};
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return std::string("setrlimit failed");
    int64_t allowed = adjustOpenFilesLimit(maxclients, reserve, fdsPerClient);
    getrlimit(RLIMIT_NOFILE, &limit);
    return std::to_string(allowed) + " " + std::to_string(limit.rlim_cur) + " " +
           std::to_string(limit.rlim_max);
  });
}

}  // namespace

TEST_SUITE("common.net.open_files") {
  TEST_CASE("a limit that already fits returns maxclients and changes nothing") {
    rlimit before{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &before) == 0);
    REQUIRE(before.rlim_cur > 16);
    CHECK(adjustOpenFilesLimit(static_cast<int64_t>(before.rlim_cur) - 16, 16) ==
          static_cast<int64_t>(before.rlim_cur) - 16);
    CHECK(adjustOpenFilesLimit(1, 2) == 1);
    rlimit after{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &after) == 0);
    CHECK(after.rlim_cur == before.rlim_cur);
    CHECK(after.rlim_max == before.rlim_max);
  }

  TEST_CASE("a soft limit below maxclients + reserve is raised to it within the hard limit") {
    // As Redis: soft and hard limit both set to maxclients + reserve.
    CHECK(adjustUnder(64, 512, 100, 32) == "100 132 132");
  }

  TEST_CASE("a hard limit below maxclients + reserve lowers maxclients to what fits") {
    const bool privileged = mayRaiseHardLimit();
    CHECK(adjustUnder(64, 64, 1000, 32) == (privileged ? "1000 1032 1032" : "32 64 64"));
  }

  TEST_CASE("a limit that does not even hold the reserve returns <= 0 (the caller exits)") {
    const bool privileged = mayRaiseHardLimit();
    CHECK(adjustUnder(64, 64, 1000, 64) == (privileged ? "1000 1064 1064" : "0 64 64"));
    CHECK(adjustUnder(48, 48, 10, 100) == (privileged ? "10 110 110" : "-52 48 48"));
  }

  TEST_CASE("several descriptors per client (the proxy: its socket and a dedicated link)") {
    CHECK(adjustUnder(64, 512, 100, 32, 2) == "100 232 232");
    const bool privileged = mayRaiseHardLimit();
    // (101 - 32) / 2 = 34 clients fit; one descriptor past the reserve is not even one client.
    CHECK(adjustUnder(101, 101, 1000, 32, 2) == (privileged ? "1000 2032 2032" : "34 101 101"));
    CHECK(adjustUnder(33, 33, 10, 32, 2) == (privileged ? "10 52 52" : "0 33 33"));
  }
}
