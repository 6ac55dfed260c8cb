// maxmemory: the node's used-memory figure, and eviction by maxmemory-policy with Redis's
// approximations (evict.c): each round samples maxmemory-samples keys (all keys, or only those
// with a TTL for volatile-*), scores them (LRU idle seconds, 255 - LFU counter, or time to
// expiry), merges them into a pool of the 16 best candidates kept across rounds, and deletes the
// best one still present. Random policies delete a random key.
//
//   Server::memoryGate (eviction.cpp) ── used > maxmemory? ── evict() ── still over and the
//   command is denyoom? ──> -OOM command not allowed when used memory > 'maxmemory'.
//   Server cron ─────────────────────── refresh() (client buffers, peak) ── evict() (a lowered
//                                        maxmemory takes effect without waiting for a command)
//
// used memory = the keyspace's own accounting (malloc_usable_size of every entry + container
// bytes + tables; O(1) to read) + client query/output buffers (summed by the cron) + the heap in
// use at start-up (command table, settings). Reading glibc's counters (mallinfo2) walks the free
// lists, too slow for every command. Evicted keys are deleted through the keyspace (so WATCH,
// dirty and the modified hook see them), counted in Stats::evictedKeys and propagated as DEL.
// A replica never evicts (Redis's replica-ignore-maxmemory yes): its master's DELs arrive
// through replication. Owned by Server; event-loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace strata::node {

class Server;

class Eviction {
 public:
  static constexpr size_t kPoolSize = 16;
  static constexpr size_t kMaxSamples = 64;

  explicit Eviction(Server& server);

  // Bytes counted against maxmemory.
  size_t usedMemory() const;
  size_t peakMemory() const { return peak_; }
  size_t startupMemory() const { return startup_; }
  size_t clientBuffers() const { return clientBuffers_; }
  // Cron: recounts client buffers, updates the peak, evicts if over the limit.
  void cron();
  // CONFIG SET succeeded: an LFU policy switch takes effect for the next access (a lowered
  // maxmemory is enforced by the next command or cron tick, as Redis's eviction timer).
  void configChanged();
  // Evicts until used memory <= maxmemory: kOk when under the limit, kRunning when the time
  // limit ran out first (the cron carries on; commands are admitted, as Redis's EVICT_RUNNING),
  // kFail when nothing can be evicted (noeviction, or no candidate key left).
  enum class Result { kOk, kRunning, kFail };
  Result evict(int64_t timeLimitUs);
  void notePeak() {
    size_t used = usedMemory();
    if (used > peak_) peak_ = used;
  }

 private:
  struct Candidate {
    uint64_t idle = 0;  // higher = better to evict
    std::string key;
  };
  void populatePool(int kind, bool volatileOnly);
  // Deletes one key; false when no candidate is left.
  bool evictOne(int kind, bool volatileOnly);

  Server& server_;
  size_t startup_ = 0;
  size_t clientBuffers_ = 0;
  size_t peak_ = 0;
  std::vector<Candidate> pool_;  // kPoolSize slots; sorted ascending by idle, empty key = free
  size_t poolUsed_ = 0;
  std::string victim_;  // the key being evicted (reused buffer)
};

// The body of INFO memory, Redis 7.0's fields in its order (node/commands/memory.cpp).
std::string memoryInfo(Server& server);

}  // namespace strata::node
