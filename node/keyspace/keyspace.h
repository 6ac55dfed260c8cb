// The node's keyspace (one database, db 0): every key with its value, its expiry and its
// eviction metadata, in a chained hash table with power-of-two buckets and incremental rehashing
// (two tables while growing or shrinking, one bucket moved per write and more per cron tick), so
// no single command pays for a whole resize. SCAN uses Redis's reverse-binary cursor, which
// returns every key present for the whole scan at least once even across resizes.
//
// Memory: one allocation per key (Entry, see entry.h); other types hang off the entry as an owned
// Object. Keys with an expiry are also in a dense index (volatile_: entry pointer + expiry time),
// the entry remembering its slot, so TTL lookups, the active expire cycle and volatile-* eviction
// sampling are all O(1).
//
// Cluster mode adds a per-slot key index (enableSlotIndex() at start-up): each entry's allocation
// then starts with two links {prev, next} chaining it into its hash slot's list, exactly the
// 16 bytes per key Redis 7.0 pays for its slot lists; a 16384-entry head table keeps each slot's
// first entry and key count. Insert and delete are O(1) (one CRC16 of the key); standalone mode
// allocates no links at all.
//
// Single-threaded: owned by the node's event loop. Lookups never return expired keys (lazy
// expiry: find() deletes an expired key it meets and reports it through the expired hook).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/keyspace/entry.h"
#include "node/keyspace/value.h"

namespace strata::node {

using Millis = int64_t;  // Unix time in milliseconds (expiry times, PXAT)

class Keyspace {
 public:
  // Called for every key removed because it expired (lazily or by the active cycle).
  using ExpiredHook = std::function<void(std::string_view key)>;
  // Called for every change a command makes to a key (set, erase, rename, copy, expiry change,
  // in-place container change through reaccount). WATCH and CLIENT TRACKING hang off it.
  using ModifiedHook = std::function<void(std::string_view key)>;
  // Called by clear() (FLUSHDB, FLUSHALL) before the keys go: a change of every key. Separate
  // from ModifiedHook so that "" stays an ordinary key name.
  using FlushedHook = std::function<void()>;
  // Called when a key is created (Redis's dbAdd: SET of a new key, a container's first element,
  // RENAME's and COPY's destination), before the modified hook hears of it.
  using AddedHook = std::function<void(std::string_view key)>;

  Keyspace();
  ~Keyspace();
  Keyspace(const Keyspace&) = delete;
  Keyspace& operator=(const Keyspace&) = delete;

  void setExpiredHook(ExpiredHook hook) { expiredHook_ = std::move(hook); }
  void setModifiedHook(ModifiedHook hook) { modifiedHook_ = std::move(hook); }
  void setFlushedHook(FlushedHook hook) { flushedHook_ = std::move(hook); }
  void setAddedHook(AddedHook hook) { addedHook_ = std::move(hook); }
  // Installs `hook` and returns the one it replaces (an RDB load adds keys with none).
  AddedHook swapAddedHook(AddedHook hook) { return std::exchange(addedHook_, std::move(hook)); }
  // Changes made since start (Redis's server.dirty): one per modified key, flushes count the
  // keys they dropped. Persistence and replication propagate a command when it moved this.
  uint64_t dirty() const { return dirty_; }
  // The time used for expiry decisions; the server sets it once per command (as Redis caches
  // mstime()), tests set it directly.
  void setNow(Millis now) { now_ = now; }
  Millis now() const { return now_; }
  // The LRU clock stamped on entries when accessed (seconds, 24 bits, like Redis's LRU_CLOCK).
  void setLruClock(uint32_t clock) { lruClock_ = clock & 0xFFFFFF; }
  uint32_t lruClock() const { return lruClock_; }
  // Sets the access clock of `e` (RESTORE IDLETIME back-dates it).
  void setLru(Entry* e, uint32_t clock) { e->lru_ = clock & 0xFFFFFF; }
  // Redis's objectSetLRUOrLFU (RESTORE's IDLETIME/FREQ, an RDB's IDLE/FREQ): under an LFU policy
  // `lfuFreq` (>= 0) sets the counter; otherwise `lruIdle` seconds (>= 0) back-date the clock.
  void setLruOrLfu(Entry* e, int64_t lfuFreq, int64_t lruIdle);

  // Lookup: nullptr if absent or expired (an expired key is deleted on the way). find() stamps
  // the LRU clock; peek() does not (TYPE, TTL, OBJECT, SCAN).
  Entry* find(std::string_view key);
  Entry* peek(std::string_view key);
  // Inserts or replaces the value of `key`. Replacing keeps the expiry only if keepTtl.
  Entry* set(std::string_view key, Value value, bool keepTtl = false);
  // Removes the key. False if it did not exist (or had expired). `evenExpired`: an expired key
  // is removed as a live one (a replica applying its master's DEL, as Redis's replicas, which
  // never expire keys themselves: no expired hook, true).
  bool erase(std::string_view key, bool evenExpired = false);
  // Moves `from` to `to` (RENAME), replacing `to`, keeping value and expiry. False if `from` is
  // absent.
  bool rename(std::string_view from, std::string_view to);
  // A deep copy of `e`'s value under `to` (COPY), replacing `to`; keeps the expiry.
  Entry* copy(const Entry* e, std::string_view to);

  // Expiry: -1 when the entry has none.
  Millis expireAt(const Entry* e) const;
  // Sets (at >= 0) or clears (at < 0) the expiry of an existing entry.
  void setExpireAt(Entry* e, Millis at);
  bool isExpired(const Entry* e) const { return e->hasExpire() && expireAt(e) <= now_; }

  size_t size() const { return tables_[0].used + tables_[1].used; }
  size_t volatileCount() const { return volatile_.size(); }
  void clear();  // FLUSHDB

  // One step of SCAN: visits the keys of the bucket(s) under `cursor` (expired ones skipped and
  // deleted), returns the next cursor (0 when the scan is complete).
  uint64_t scan(uint64_t cursor, const std::function<void(const Entry&)>& visit);
  // Every live key (KEYS).
  void forEach(const std::function<void(const Entry&)>& visit) const;
  // A random live key (RANDOMKEY); false when there is none.
  bool randomKey(std::string& out);

  // Active expiry: examines up to `budget` random keys with an expiry and removes the expired
  // ones; `sampled` receives how many were examined. Returns how many were removed.
  size_t expireCycle(size_t budget, size_t& sampled);

  // Incremental rehash: moves up to `buckets` buckets; true while a rehash is in progress.
  bool rehashStep(size_t buckets);
  // Starts a shrink when the table is less than 10% full (server cron).
  void shrinkIfSparse();
  bool rehashing() const { return rehashIdx_ >= 0; }
  size_t bucketCount() const { return tables_[0].size + tables_[1].size; }
  // Bytes used by the tables, the volatile index and every entry (keys, inline values, objects).
  size_t memoryUsage() const;
  // Recounts the object of `e` after a command changed it in place (container sizes, or bytes
  // written through stringForWrite); counts as a modification of its key.
  void reaccount(Entry* e);
  // In-place string writes (SETBIT, BITFIELD), as Redis's lookupStringForBitCommand: the bytes of
  // the string at `key` (created empty when absent; it must not hold another type), made raw and
  // padded with zero bytes to at least `minLen`. Growth moves the value to a larger entry with
  // sdsMakeRoomFor's headroom (double below 1 MB, +1 MB above; expiry and LRU kept), so growing
  // a bitmap a bit at a time costs amortised O(1) and a write never copies the value twice.
  // `entry` receives the entry; the caller writes through the pointer, then calls reaccount(entry)
  // if it changed anything. Valid until the next keyspace call.
  char* stringForWrite(std::string_view key, size_t minLen, Entry*& entry);

  // Eviction support (node/server/eviction.cpp). Up to `count` live entries from consecutive
  // buckets starting at a random one (Redis's dictGetSomeKeys), or random entries with an expiry.
  size_t sampleEntries(Entry** out, size_t count);
  size_t sampleVolatile(Entry** out, size_t count);
  // LFU mode (an LFU maxmemory-policy): an entry's 24-bit stamp holds the last access time in
  // minutes (16 bits) and a logarithmic access counter (8 bits: Redis's LFULogIncr with
  // lfu-log-factor, minus one per lfu-decay-time minutes idle) instead of LRU seconds.
  void setLfu(bool enabled, int logFactor, int decayMinutes) {
    lfu_ = enabled;
    lfuLogFactor_ = logFactor;
    lfuDecayMinutes_ = decayMinutes;
  }
  bool lfu() const { return lfu_; }
  // The LFU counter of `e` after decay (OBJECT FREQ, eviction scores).
  uint32_t lfuFrequency(const Entry* e) const;
  // Bytes `e` costs (MEMORY USAGE): its allocation, its object, its bucket and expiry slots.
  size_t entryMemory(const Entry* e) const;

  // ---- Per-slot key index (cluster mode) ----
  // Turns the index on; only while the keyspace is empty (the server calls it at start-up when
  // cluster-enabled). Without it the three queries below answer 0 / nothing.
  void enableSlotIndex();
  bool slotIndexEnabled() const { return slotPrefix_ != 0; }
  // Keys stored in `slot` (< 16384), expired-but-not-yet-deleted ones included, as Redis's
  // countKeysInSlot. O(1).
  size_t countKeysInSlot(uint16_t slot) const;
  // Appends up to `count` key names of `slot` to `out` (CLUSTER GETKEYSINSLOT, most recently
  // added first); returns how many were appended. O(count).
  size_t keysInSlot(uint16_t slot, size_t count, std::vector<std::string>& out) const;
  // Deletes every key of `slot` (a slot lost to another node); each deletion goes through the
  // modified hook and the dirty counter. Returns how many keys were deleted.
  size_t deleteKeysInSlot(uint16_t slot);

 private:
  struct Table {
    Entry** buckets = nullptr;
    size_t size = 0;  // bucket count, a power of two (or 0)
    size_t used = 0;
  };
  struct Volatile {
    Entry* entry;
    Millis at;
  };

  uint64_t hash(std::string_view key) const;
  // Pointer to the link that points at `key`'s entry (nullptr if absent); `tableOut` receives
  // the table it is in.
  Entry** findLink(std::string_view key, uint64_t h, int* tableOut = nullptr);
  // The link to `key`'s live entry, or nullptr when it is absent; an expired entry met on the
  // way is deleted (the expired hook hears of it). Takes one rehash step first, as every lookup
  // and write does. `h` is hash(key).
  Entry** liveLink(std::string_view key, uint64_t h);
  Entry* lookup(std::string_view key, bool touch);
  Entry* allocate(std::string_view key, ValueType type, Encoding encoding, const void* payload,
                  size_t payloadLen);
  Entry* allocateValue(std::string_view key, Value& value);
  void freeEntry(Entry* e);
  void insertNew(Entry* e, uint64_t h);
  // Replaces *link (== old) by `fresh` in its chain and the volatile index; frees `old`.
  void replace(Entry** link, Entry* old, Entry* fresh);
  void unlinkAndFree(Entry** link, Entry* e, int table, bool expired);
  void removeVolatile(Entry* e);
  void expandIfNeeded();
  void startResize(size_t buckets);
  void account(const Entry* e, bool add);
  // The slot index: links live in the slotPrefix_ bytes before each Entry.
  struct SlotLinks {
    Entry* prev;
    Entry* next;
  };
  struct SlotHead {
    Entry* head = nullptr;
    size_t count = 0;
  };
  static SlotLinks* links(const Entry* e) {
    return reinterpret_cast<SlotLinks*>(const_cast<Entry*>(e)) - 1;
  }
  void* allocationOf(const Entry* e) const {
    return const_cast<char*>(reinterpret_cast<const char*>(e)) - slotPrefix_;
  }
  void slotLink(Entry* e);
  void slotUnlink(Entry* e);
  void slotReplace(Entry* old, Entry* fresh);

  Table tables_[2];
  long rehashIdx_ = -1;
  std::vector<Volatile> volatile_;
  size_t entryBytes_ = 0;
  uint64_t seed_;
  mutable std::mt19937_64 rng_;
  ExpiredHook expiredHook_;
  ModifiedHook modifiedHook_;
  FlushedHook flushedHook_;
  AddedHook addedHook_;
  uint64_t dirty_ = 0;
  size_t slotPrefix_ = 0;  // sizeof(SlotLinks) when the slot index is on
  std::unique_ptr<SlotHead[]> slotHeads_;
  void modified(std::string_view key) {
    ++dirty_;
    if (modifiedHook_) modifiedHook_(key);
  }
  Millis now_ = 0;
  uint32_t lruClock_ = 0;
  bool lfu_ = false;
  int lfuLogFactor_ = 10;
  int lfuDecayMinutes_ = 1;
  // The stamp of a new entry (LRU clock, or LFU's initial counter 5) and of an accessed one.
  uint32_t initialStamp() const { return lfu_ ? (lfuMinutes() << 8) | 5 : lruClock_; }
  void touch(Entry* e) {
    if (lfu_) {
      touchLfu(e);
    } else {
      e->lru_ = lruClock_;
    }
  }
  void touchLfu(Entry* e);
  uint32_t lfuMinutes() const { return static_cast<uint32_t>(now_ / 60000) & 0xFFFF; }
};

}  // namespace strata::node
