// Raising RLIMIT_NOFILE for maxclients (see open_files.h): Redis's search and warning texts.
#include "common/net/open_files.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace strata::net {

namespace {

constexpr rlim_t kDecrementStep = 16;

// No limit above /proc/sys/fs/nr_open can be set, so the search may start below it; 0 if unknown.
rlim_t openFilesCeiling() {
  std::ifstream in("/proc/sys/fs/nr_open");
  unsigned long long value = 0;
  return (in >> value) ? static_cast<rlim_t>(value) : 0;
}

}  // namespace

int64_t adjustOpenFilesLimit(int64_t maxclients, int64_t reserve, int64_t fdsPerClient) {
  fdsPerClient = std::max<int64_t>(fdsPerClient, 1);
  const rlim_t maxfiles = static_cast<rlim_t>(maxclients * fdsPerClient + reserve);
  struct rlimit limit {};
  if (getrlimit(RLIMIT_NOFILE, &limit) == -1) {
    spdlog::warn(
        "Unable to obtain the current NOFILE limit ({}), assuming 1024 and setting the max "
        "clients configuration accordingly.",
        strerror(errno));
    return (1024 - reserve) / fdsPerClient;
  }
  const rlim_t oldlimit = limit.rlim_cur;
  if (oldlimit >= maxfiles) return maxclients;
  // Try maxfiles, then lower by 16 at a time, until a limit is accepted or the current one is
  // reached. Any try above both the hard limit and nr_open fails, so those are skipped.
  rlim_t bestlimit = maxfiles;
  const rlim_t ceiling = std::max(limit.rlim_max, openFilesCeiling());
  if (ceiling > oldlimit && bestlimit > ceiling) {
    bestlimit -= (bestlimit - ceiling + kDecrementStep - 1) / kDecrementStep * kDecrementStep;
  }
  int setrlimitError = EPERM;  // what refused maxfiles itself when the search skipped it
  while (bestlimit > oldlimit) {
    limit.rlim_cur = bestlimit;
    limit.rlim_max = bestlimit;
    if (setrlimit(RLIMIT_NOFILE, &limit) != -1) break;
    setrlimitError = errno;
    if (bestlimit < kDecrementStep) {
      bestlimit = oldlimit;
      break;
    }
    bestlimit -= kDecrementStep;
  }
  bestlimit = std::max(bestlimit, oldlimit);
  if (bestlimit >= maxfiles) {
    spdlog::info("Increased maximum number of open files to {} (it was originally set to {}).",
                 static_cast<unsigned long long>(maxfiles),
                 static_cast<unsigned long long>(oldlimit));
    return maxclients;
  }
  if (static_cast<int64_t>(bestlimit) - reserve < fdsPerClient) {  // not even one client
    spdlog::warn(
        "Your current 'ulimit -n' of {} is not enough for the server to start. Please increase "
        "your open file limit to at least {}. Exiting.",
        static_cast<unsigned long long>(oldlimit), static_cast<unsigned long long>(maxfiles));
    return (static_cast<int64_t>(bestlimit) - reserve) / fdsPerClient;
  }
  const int64_t allowed = (static_cast<int64_t>(bestlimit) - reserve) / fdsPerClient;
  spdlog::warn("You requested maxclients of {} requiring at least {} max file descriptors.",
               maxclients, static_cast<unsigned long long>(maxfiles));
  spdlog::warn("Server can't set maximum open files to {} because of OS error: {}.",
               static_cast<unsigned long long>(maxfiles), strerror(setrlimitError));
  spdlog::warn(
      "Current maximum open files is {}. maxclients has been reduced to {} to compensate for low "
      "ulimit. If you need higher maxclients increase 'ulimit -n'.",
      static_cast<unsigned long long>(bestlimit), allowed);
  return allowed;
}

}  // namespace strata::net
