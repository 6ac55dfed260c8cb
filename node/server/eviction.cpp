// maxmemory admission (Server::memoryGate) and eviction (Eviction): see eviction.h for the
// policies, the pool and how used memory is counted. Event-loop thread only.
#include "node/server/eviction.h"

#include <malloc.h>

#include <algorithm>
#include <limits>
#include <string_view>

#include "common/errors.h"
#include "node/scripting/scripting.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

enum PolicyKind { kLru, kLfu, kTtl, kRandom, kNoEviction };

PolicyKind policyKind(std::string_view policy) {
  if (policy == "noeviction") return kNoEviction;
  if (policy.ends_with("-lru")) return kLru;
  if (policy.ends_with("-lfu")) return kLfu;
  if (policy.ends_with("-ttl")) return kTtl;
  return kRandom;
}

// Redis's performEvictions time limit for the default maxmemory-eviction-tenacity (10): past it
// the command is admitted and the cron carries on.
constexpr int64_t kEvictTimeLimitUs = 500;
constexpr int64_t kCronEvictTimeLimitUs = 20000;

}  // namespace

Eviction::Eviction(Server& server) : server_(server), pool_(kPoolSize) {
  struct mallinfo2 mi = mallinfo2();
  startup_ = mi.uordblks + mi.hblkhd;
  for (auto& c : pool_) c.key.reserve(48);
}

size_t Eviction::usedMemory() const {
  return startup_ + clientBuffers_ + server_.keyspace().memoryUsage();
}

void Eviction::cron() {
  size_t buffers = 0;
  for (const auto& [id, c] : server_.clients()) {
    buffers += c->queryBufferSize() + c->pendingOutput();
  }
  clientBuffers_ = buffers;
  const auto& s = server_.settings();
  server_.keyspace().setLfu(s.lfuPolicy(), s.lfuLogFactor, s.lfuDecayTime);
  notePeak();
  if (s.maxmemory != 0) evict(kCronEvictTimeLimitUs);
}

void Eviction::configChanged() {
  const auto& s = server_.settings();
  server_.keyspace().setLfu(s.lfuPolicy(), s.lfuLogFactor, s.lfuDecayTime);
}

Eviction::Result Eviction::evict(int64_t timeLimitUs) {
  const auto& s = server_.settings();
  if (s.maxmemory == 0) return Result::kOk;
  // replica-ignore-maxmemory (yes, Redis's default): a replica mirrors its master's evictions.
  if (server_.isReplica()) return Result::kOk;
  const size_t limit = static_cast<size_t>(s.maxmemory);
  if (usedMemory() <= limit) return Result::kOk;
  notePeak();
  const PolicyKind kind = policyKind(s.maxmemoryPolicy);
  if (kind == kNoEviction) return Result::kFail;
  server_.keyspace().setLfu(kind == kLfu, s.lfuLogFactor, s.lfuDecayTime);
  const bool volatileOnly = s.maxmemoryPolicy.starts_with("volatile-");
  const int64_t start = nowUs();
  for (size_t n = 1; usedMemory() > limit; ++n) {
    if (!evictOne(kind, volatileOnly)) return Result::kFail;
    if (n % 16 == 0 && nowUs() - start > timeLimitUs) {
      return usedMemory() > limit ? Result::kRunning : Result::kOk;
    }
  }
  return Result::kOk;
}

void Eviction::populatePool(int kind, bool volatileOnly) {
  Keyspace& ks = server_.keyspace();
  Entry* samples[kMaxSamples];
  const size_t want =
      std::clamp<size_t>(static_cast<size_t>(server_.settings().maxmemorySamples), 1, kMaxSamples);
  const size_t n =
      volatileOnly ? ks.sampleVolatile(samples, want) : ks.sampleEntries(samples, want);
  const uint32_t clock = ks.lruClock();
  for (size_t i = 0; i < n; ++i) {
    const Entry* e = samples[i];
    uint64_t idle = 0;
    if (kind == kLru) {
      const uint32_t lru = e->lru();
      idle = clock >= lru ? clock - lru : clock + (0xFFFFFF - lru);
    } else if (kind == kLfu) {
      idle = 255 - ks.lfuFrequency(e);
    } else {  // kTtl: the sooner it expires, the better
      idle = std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(ks.expireAt(e));
    }
    const std::string_view key = e->key();
    // Skip keys already pooled (small keyspaces sample the same keys over and over).
    bool pooled = false;
    for (size_t k = 0; k < poolUsed_ && !pooled; ++k) pooled = pool_[k].key == key;
    if (pooled) continue;
    size_t k = 0;
    while (k < poolUsed_ && pool_[k].idle < idle) ++k;
    if (poolUsed_ == kPoolSize) {
      if (k == 0) continue;  // worse than every candidate of a full pool
      // Drop the worst (slot 0): shift [1, k) down; its string buffer is reused at k - 1.
      std::rotate(pool_.begin(), pool_.begin() + 1, pool_.begin() + static_cast<long>(k));
      --k;
    } else {
      // Open slot k: the free slot at poolUsed_ moves there.
      std::rotate(pool_.begin() + static_cast<long>(k),
                  pool_.begin() + static_cast<long>(poolUsed_),
                  pool_.begin() + static_cast<long>(poolUsed_) + 1);
      ++poolUsed_;
    }
    pool_[k].idle = idle;
    pool_[k].key.assign(key);
  }
}

bool Eviction::evictOne(int kind, bool volatileOnly) {
  Keyspace& ks = server_.keyspace();
  victim_.clear();
  if (kind == kRandom) {
    Entry* e = nullptr;
    const size_t n = volatileOnly ? ks.sampleVolatile(&e, 1) : ks.sampleEntries(&e, 1);
    if (n == 0) {
      // Expired entries are skipped by sampling: drop them and tell whether anything is left.
      if ((volatileOnly ? ks.volatileCount() : ks.size()) == 0) return false;
      size_t sampled = 0;
      ks.expireCycle(64, sampled);
      return (volatileOnly ? ks.volatileCount() : ks.size()) != 0;
    }
    victim_.assign(e->key());
  } else {
    // Like Redis: keep populating while the pool yields only keys deleted meanwhile.
    for (int round = 0; round < 64 && victim_.empty(); ++round) {
      if ((volatileOnly ? ks.volatileCount() : ks.size()) == 0) {
        poolUsed_ = 0;
        return false;
      }
      populatePool(kind, volatileOnly);
      while (poolUsed_ > 0 && victim_.empty()) {
        Candidate& best = pool_[--poolUsed_];
        Entry* e = ks.peek(best.key);  // an expired one is deleted here (and freed memory)
        if (e != nullptr && (!volatileOnly || e->hasExpire())) victim_.swap(best.key);
        best.key.clear();
      }
    }
    if (victim_.empty()) return ks.size() != 0;  // only expired keys were met: memory freed
  }
  ks.erase(victim_);
  server_.stats().evictedKeys++;
  server_.notifyKeyspaceEvent(notify::kEvicted, "evicted", victim_);
  server_.propagate({std::string_view("DEL"), std::string_view(victim_)});
  return true;
}

bool Server::memoryGate(Client& client, const CommandDef& def,
                        const std::vector<std::string_view>& argv) {
  if (settings_.maxmemory == 0) return true;
  // While a busy script lets other clients in, nothing is evicted under it (7.0 skips the
  // check then; the busy-script gate refuses what it must).
  if (scripting_ && scripting_->running()) return true;
  if (eviction_->evict(kEvictTimeLimitUs) != Eviction::Result::kFail) return true;
  // Out of memory. As Redis's processCommand: refuse denyoom commands (a script's by its
  // declared flags), EXEC of a transaction that queued one, and inside MULTI anything but
  // EXEC/DISCARD/QUIT/RESET (the queue itself would grow without bound).
  constexpr auto kDenyoom = static_cast<uint32_t>(CommandFlag::kDenyoom);
  const std::string_view name = def.name;
  bool reject = (admissionFlags(def, argv) & kDenyoom) != 0;
  if (!reject && name == "exec") reject = (queuedAdmissionFlags(client, false) & kDenyoom) != 0;
  if (!reject && client.session.multi) {
    reject = name != "exec" && name != "discard" && name != "quit" && name != "reset";
  }
  if (!reject) return true;
  client.writer().error(errors::kOom);
  return false;
}

}  // namespace strata::node
