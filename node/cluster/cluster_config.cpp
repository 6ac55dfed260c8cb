// nodes.conf: the node's cluster state on disk in Redis's format (the CLUSTER NODES lines of
// every node but handshake ones, slot-migration markers on the myself line, then
// `vars currentEpoch N lastVoteEpoch N`). Loaded at start-up (missing or empty file: a new node
// with a random id, epochs 0). Saved two ways, as Redis 7.0 decides whether to fsync:
//   - an epoch or the vote changed (must survive power loss): a temp file, fsync, rename over
//     nodes.conf and fsync of the directory, so a crash leaves the old or the new file;
//   - anything else (slot moves, flags, markers: a reshard saves on every CLUSTER SETSLOT):
//     rewritten in place in one write, as Redis 7.0's clusterSaveConfig, when the text fits in the
//     file's allocated blocks (so the write cannot fail half-way for lack of space); otherwise the
//     first way without the fsyncs. On ext4 here the temp-file way costs ~1.4 ms (a new inode,
//     rename-replace writeback, the old inode freed) against ~6 us in place.
// The file is flocked for the life of the process so a second node cannot share it (re-taken
// after every rename, since the lock belongs to the old inode). Event-loop thread only.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "node/cluster/cluster.h"
#include "node/cluster/nodes_conf.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

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
// there was no state to load. The text is parsed by parseNodesConf (nodes_conf.h), then applied.
bool Cluster::loadConfig(bool& created) {
  created = false;
  std::string text;
  {
    std::ifstream in(configPath_, std::ios::binary);
    std::ostringstream all;
    all << in.rdbuf();
    text = all.str();
  }
  auto corrupt = [&](const std::string& line) {
    spdlog::error("Unrecoverable error: corrupted cluster config file \"{}\".", line);
    return false;
  };
  NodesConf conf;
  std::string badLine;
  if (!parseNodesConf(text, conf, badLine)) return corrupt(badLine);
  if (conf.empty) {
    created = true;
    return true;
  }
  currentEpoch_ = conf.currentEpoch;
  lastVoteEpoch_ = conf.lastVoteEpoch;
  for (const NodesConfNode& c : conf.nodes) {
    ClusterNode* n = lookup(c.name);
    if (n == nullptr) n = createNode(c.name, 0);
    n->ip = c.ip;
    n->port = c.port;
    n->cport = c.cport;
    n->flags |= c.flags;
    if (c.flags & kFlagMyself) myself_ = n;
    if (c.flags & kFlagFail) n->failTime = nowMs();
    if (c.pingSent) n->pingSent = nowMs();
    if (c.pongReceived) n->pongReceived = nowMs();
    n->configEpoch = c.configEpoch;
    for (const auto& [start, end] : c.slots) {
      for (int j = start; j <= end; ++j) {
        delSlot(j);
        addSlot(n, j);
      }
    }
  }
  for (const NodesConfNode& c : conf.nodes) {
    if (c.master.empty()) continue;
    ClusterNode* m = lookup(c.master);
    if (m == nullptr) m = createNode(c.master, kFlagMaster | kFlagNoAddr);
    setNodeMaster(lookup(c.name), m);
  }
  for (const NodesConfMarker& mk : conf.markers) {
    ClusterNode* other = lookup(mk.other);
    if (other == nullptr) return corrupt(mk.token);
    setOpen(mk.migrating ? migrating_ : importing_, mk.slot, other);
  }
  // Reconnect from scratch: stale PFAIL is re-learned, link state is live.
  for (auto& [name, n] : nodes_) n->flags = static_cast<uint16_t>(n->flags & ~kFlagPfail);
  return true;
}

// The no-fsync save: `text` over the current file from offset 0 in one write, padded with
// newlines to the old length (blank lines, which the loader skips, if the process dies before the
// truncate), then cut to size. False, with the file as it was, when it is missing or the text
// would need a block the file does not have yet.
bool Cluster::overwriteConfigInPlace(std::string& text) {
  net::UniqueFd fd(::open(configPath_.c_str(), O_WRONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0) return false;
  const size_t oldSize = static_cast<size_t>(st.st_size);
  const size_t allocated = static_cast<size_t>(st.st_blocks) * 512;  // st_blocks: 512-byte units
  const size_t size = text.size();
  if (size > allocated) return false;
  if (oldSize > size) text.append(oldSize - size, '\n');
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n =
        ::pwrite(fd.get(), text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      text.resize(size);  // the caller rewrites the whole file the other way
      return false;
    }
    done += static_cast<size_t>(n);
  }
  text.resize(size);
  if (oldSize > size && ::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
    spdlog::debug("nodes.conf: truncate after the save failed: {}", std::strerror(errno));
  }
  return true;
}

bool Cluster::saveNow(std::string* error) {
  todoSave_ = false;
  std::string text = nodesText(true);
  text += "vars currentEpoch " + std::to_string(currentEpoch_) + " lastVoteEpoch " +
          std::to_string(lastVoteEpoch_) + "\n";
  const std::array<uint64_t, 3> epochs{currentEpoch_, lastVoteEpoch_, myself_->configEpoch};
  const bool sync = epochs != savedEpochs_;
  if (!sync && overwriteConfigInPlace(text)) return true;
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
  // left to the kernel, so a reshard does not pay a disk flush per slot.
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
