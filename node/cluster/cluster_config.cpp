// nodes.conf: the node's cluster state on disk in Redis's format (the CLUSTER NODES lines of
// every node but handshake ones, slot-migration markers on the myself line, then
// `vars currentEpoch N lastVoteEpoch N`). Loaded at start-up (missing or empty file: a new node
// with a random id, epochs 0); saved by writing a temp file, fsync, rename over nodes.conf and
// fsync of the directory, so a crash leaves the old or the new file, never half of one. The file
// is flocked for the life of the process so a second node cannot share it (re-taken after every
// rename, since the lock belongs to the old inode). Event-loop thread only.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "node/cluster/cluster.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

std::vector<std::string> splitSpaces(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string tok;
  while (in >> tok) out.push_back(tok);
  return out;
}

bool parseInt(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  out = v;
  return true;
}

bool validName(const std::string& s) {
  if (s.size() != kNodeIdLen) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

std::string dirOf(const std::string& path) {
  auto pos = path.rfind('/');
  return pos == std::string::npos ? "." : (pos == 0 ? "/" : path.substr(0, pos));
}

}  // namespace

bool Cluster::lockConfig() {
  int fd = ::open(configPath_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    spdlog::error("Can't open {} in order to acquire a lock: {}", configPath_,
                  std::strerror(errno));
    return false;
  }
  net::UniqueFd owned(fd);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      spdlog::error(
          "Sorry, the cluster configuration file {} is already used by a different Redis Cluster "
          "node. Please make sure that different nodes use different cluster configuration "
          "files.",
          configPath_);
    } else {
      spdlog::error("Impossible to lock {}: {}", configPath_, std::strerror(errno));
    }
    return false;
  }
  configLock_ = std::move(owned);
  return true;
}

// Returns false on a corrupt file (the node must not start, as Redis); `created` is set when
// there was no state to load.
bool Cluster::loadConfig(bool& created) {
  created = false;
  std::ifstream in(configPath_);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  if (lines.empty()) {
    created = true;
    return true;
  }
  auto corrupt = [&](const std::string& line) {
    spdlog::error("Unrecoverable error: corrupted cluster config file \"{}\".", line);
    return false;
  };
  struct Pending {
    ClusterNode* node;
    std::string master;
  };
  std::vector<Pending> masters;
  std::vector<std::pair<std::string, std::string>> markers;  // slot token, on myself
  for (const std::string& line : lines) {
    auto argv = splitSpaces(line);
    if (argv.empty()) continue;
    if (argv[0] == "vars") {
      for (size_t i = 1; i + 1 < argv.size(); i += 2) {
        int64_t v = 0;
        if (!parseInt(argv[i + 1], v)) return corrupt(line);
        if (argv[i] == "currentEpoch") currentEpoch_ = static_cast<uint64_t>(v);
        if (argv[i] == "lastVoteEpoch") lastVoteEpoch_ = static_cast<uint64_t>(v);
      }
      continue;
    }
    if (argv.size() < 8 || !validName(argv[0])) return corrupt(line);
    ClusterNode* n = lookup(argv[0]);
    if (n == nullptr) n = createNode(argv[0], 0);
    // ip:port@cport[,hostname]
    std::string addr = argv[1];
    if (auto comma = addr.find(','); comma != std::string::npos) addr.resize(comma);
    auto at = addr.find('@');
    auto colon = addr.rfind(':', at);
    if (at == std::string::npos || colon == std::string::npos) return corrupt(line);
    int64_t port = 0, cport = 0;
    if (!parseInt(addr.substr(colon + 1, at - colon - 1), port) ||
        !parseInt(addr.substr(at + 1), cport)) {
      return corrupt(line);
    }
    n->ip = addr.substr(0, colon);
    n->port = static_cast<int>(port);
    n->cport = static_cast<int>(cport);
    std::istringstream flags(argv[2]);
    for (std::string f; std::getline(flags, f, ',');) {
      if (f == "myself") {
        if (myself_ != nullptr && myself_ != n) return corrupt(line);
        myself_ = n;
        n->flags |= kFlagMyself;
      } else if (f == "master") {
        n->flags |= kFlagMaster;
      } else if (f == "slave") {
        n->flags |= kFlagReplica;
      } else if (f == "fail?") {
        n->flags |= kFlagPfail;
      } else if (f == "fail") {
        n->flags |= kFlagFail;
        n->failTime = nowMs();
      } else if (f == "handshake") {
        n->flags |= kFlagHandshake;
      } else if (f == "noaddr") {
        n->flags |= kFlagNoAddr;
      } else if (f == "nofailover") {
        n->flags |= kFlagNoFailover;
      } else if (f != "noflags") {
        return corrupt(line);
      }
    }
    if (argv[3] != "-") masters.push_back({n, argv[3]});
    int64_t v = 0;
    if (!parseInt(argv[4], v)) return corrupt(line);
    if (v) n->pingSent = nowMs();
    if (!parseInt(argv[5], v)) return corrupt(line);
    if (v) n->pongReceived = nowMs();
    if (!parseInt(argv[6], v)) return corrupt(line);
    n->configEpoch = static_cast<uint64_t>(v);
    for (size_t i = 8; i < argv.size(); ++i) {
      const std::string& tok = argv[i];
      if (tok.front() == '[') {
        markers.emplace_back(tok, n->name);
        continue;
      }
      int64_t start = 0, end = 0;
      auto dash = tok.find('-');
      if (dash == std::string::npos) {
        if (!parseInt(tok, start)) return corrupt(line);
        end = start;
      } else if (!parseInt(tok.substr(0, dash), start) || !parseInt(tok.substr(dash + 1), end)) {
        return corrupt(line);
      }
      if (start < 0 || end >= kClusterSlots || start > end) return corrupt(line);
      for (int64_t j = start; j <= end; ++j) {
        delSlot(static_cast<int>(j));
        addSlot(n, static_cast<int>(j));
      }
    }
  }
  if (myself_ == nullptr) {
    spdlog::error("Unrecoverable error: corrupted cluster config file (no myself line).");
    return false;
  }
  for (const auto& [n, masterName] : masters) {
    ClusterNode* m = lookup(masterName);
    if (m == nullptr) m = createNode(masterName, kFlagMaster | kFlagNoAddr);
    setNodeMaster(n, m);
  }
  for (const auto& [tok, owner] : markers) {
    // [slot->-id] migrating to id, [slot-<-id] importing from id.
    auto arrow = tok.find("->-");
    bool migrating = arrow != std::string::npos;
    if (!migrating) arrow = tok.find("-<-");
    if (arrow == std::string::npos || tok.back() != ']') return corrupt(tok);
    int64_t slot = 0;
    if (!parseInt(tok.substr(1, arrow - 1), slot) || slot < 0 || slot >= kClusterSlots) {
      return corrupt(tok);
    }
    ClusterNode* other = lookup(tok.substr(arrow + 3, tok.size() - arrow - 4));
    if (other == nullptr) return corrupt(tok);
    (migrating ? migrating_ : importing_)[slot] = other;
  }
  // Reconnect from scratch: stale PFAIL is re-learned, link state is live.
  for (auto& [name, n] : nodes_) n->flags = static_cast<uint16_t>(n->flags & ~kFlagPfail);
  return true;
}

bool Cluster::saveNow(std::string* error) {
  todoSave_ = false;
  std::string text = nodesText(true);
  text += "vars currentEpoch " + std::to_string(currentEpoch_) + " lastVoteEpoch " +
          std::to_string(lastVoteEpoch_) + "\n";
  const std::string tmp = configPath_ + ".tmp-" + std::to_string(getpid());
  auto fail = [&](const char* what) {
    std::string msg = std::string(what) + ": " + std::strerror(errno);
    spdlog::warn("Could not save the cluster config {}: {}", configPath_, msg);
    if (error) *error = msg;
    ::unlink(tmp.c_str());
    return false;
  };
  net::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return fail("open");
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    done += static_cast<size_t>(n);
  }
  // fsync when an epoch or vote changed (Redis's CLUSTER_TODO_FSYNC_CONFIG); other changes are
  // rewritten atomically but left to the kernel, so a reshard does not pay a disk flush per slot.
  const std::array<uint64_t, 3> epochs{currentEpoch_, lastVoteEpoch_, myself_->configEpoch};
  const bool sync = epochs != savedEpochs_;
  if (sync && ::fsync(fd.get()) != 0) return fail("fsync");
  fd.reset();
  if (::rename(tmp.c_str(), configPath_.c_str()) != 0) return fail("rename");
  if (sync) {
    net::UniqueFd dir(::open(dirOf(configPath_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir) ::fsync(dir.get());
    savedEpochs_ = epochs;
  }
  // The lock was on the replaced inode: take it on the new file (the old fd is then released).
  net::UniqueFd lock(::open(configPath_.c_str(), O_RDONLY | O_CLOEXEC));
  if (lock && flock(lock.get(), LOCK_EX | LOCK_NB) == 0) configLock_ = std::move(lock);
  return true;
}

}  // namespace strata::node
