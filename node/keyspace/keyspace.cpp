// Keyspace implementation: the two-table chained hash (Redis dict.c's rehashing and dictScan
// cursor), entry allocation and in-place string overwrite, the dense volatile index, lazy and
// active expiry, random sampling, memory accounting and the per-slot key index.
#include "node/keyspace/keyspace.h"

#include <malloc.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>

#include "common/slots/key_slot.h"

namespace strata::node {

namespace {

constexpr size_t kInitialBuckets = 4;
constexpr size_t kMinFillPercent = 10;

inline uint64_t load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

size_t nextPow2(size_t n) {
  size_t p = kInitialBuckets;
  while (p < n) p <<= 1;
  return p;
}

uint64_t rev(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

}  // namespace

std::string_view Entry::stringView(char (&scratch)[24]) const {
  if (!isInt()) return bytes();
  int64_t v = intValue();
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  char* end = scratch + sizeof(scratch);
  char* p = end;
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0) *--p = '-';
  return {p, static_cast<size_t>(end - p)};
}

size_t Entry::stringLength() const {
  if (!isInt()) return valLen_;
  char scratch[24];
  return stringView(scratch).size();
}

Keyspace::Keyspace() : seed_(std::random_device{}()), rng_(seed_ ^ 0x5bd1e995) {}

Keyspace::~Keyspace() {
  flushedHook_ = nullptr;  // its owner may be half destroyed: freeing the keys is no flush
  clear();
}

uint64_t Keyspace::hash(std::string_view key) const {
  const char* p = key.data();
  size_t n = key.size();
  uint64_t h = seed_ ^ (n * 0x9E3779B97F4A7C15ULL);
  while (n >= 8) {
    uint64_t k = load64(p) * 0xbf58476d1ce4e5b9ULL;
    k ^= k >> 31;
    h = (h ^ k) * 0x94d049bb133111ebULL;
    h = (h << 27) | (h >> 37);
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  h ^= tail * 0x9E3779B97F4A7C15ULL;
  return mix(h);
}

Entry** Keyspace::findLink(std::string_view key, uint64_t h, int* tableOut) {
  for (int t = 0; t < 2; ++t) {
    Table& table = tables_[t];
    if (table.size == 0) break;
    Entry** link = &table.buckets[h & (table.size - 1)];
    for (; *link; link = &(*link)->next_) {
      Entry* e = *link;
      if (e->keyLen_ == key.size() && std::memcmp(e->keyData(), key.data(), key.size()) == 0) {
        if (tableOut) *tableOut = t;
        return link;
      }
    }
    if (!rehashing()) break;
  }
  return nullptr;
}

Entry* Keyspace::allocate(std::string_view key, ValueType type, Encoding encoding,
                          const void* payload, size_t payloadLen) {
  void* mem = std::malloc(slotPrefix_ + sizeof(Entry) + key.size() + payloadLen);
  if (mem == nullptr) throw std::bad_alloc();
  Entry* e = new (static_cast<char*>(mem) + slotPrefix_) Entry();
  e->keyLen_ = static_cast<uint32_t>(key.size());
  e->valLen_ = static_cast<uint32_t>(payloadLen);
  e->type_ = static_cast<uint32_t>(type);
  e->encoding_ = static_cast<uint32_t>(encoding);
  std::memcpy(e->keyData(), key.data(), key.size());
  if (payloadLen) std::memcpy(e->valueData(), payload, payloadLen);
  return e;
}

Entry* Keyspace::allocateValue(std::string_view key, Value& value) {
  if (value.type() != ValueType::kString) {
    Object* o = value.object().release();
    return allocate(key, value.type(), value.encoding(), &o, sizeof(o));
  }
  if (value.encoding() == Encoding::kInt) {
    int64_t v = value.intValue();
    return allocate(key, ValueType::kString, Encoding::kInt, &v, sizeof(v));
  }
  return allocate(key, ValueType::kString, value.encoding(), value.bytes().data(),
                  value.bytes().size());
}

void Keyspace::account(const Entry* e, bool add) {
  size_t bytes = malloc_usable_size(allocationOf(e));
  if (!e->isString()) {
    Object* o = e->object();
    if (add) o->accountedBytes = o->memoryUsage();
    bytes += o->accountedBytes;
  }
  if (add) {
    entryBytes_ += bytes;
  } else {
    entryBytes_ -= bytes;
  }
}

void Keyspace::freeEntry(Entry* e) {
  if (!e->isString()) delete e->object();
  void* mem = allocationOf(e);
  e->~Entry();
  std::free(mem);
}

void Keyspace::removeVolatile(Entry* e) {
  uint32_t idx = e->volIndex_;
  Volatile last = volatile_.back();
  volatile_[idx] = last;
  last.entry->volIndex_ = idx;
  volatile_.pop_back();
  e->volIndex_ = Entry::kNoExpire;
}

void Keyspace::startResize(size_t buckets) {
  Table fresh;
  fresh.size = buckets;
  fresh.buckets = static_cast<Entry**>(std::calloc(buckets, sizeof(Entry*)));
  if (fresh.buckets == nullptr) throw std::bad_alloc();
  if (tables_[0].size == 0) {
    tables_[0] = fresh;
    return;
  }
  tables_[1] = fresh;
  rehashIdx_ = 0;
}

void Keyspace::expandIfNeeded() {
  if (rehashing()) return;
  if (tables_[0].size == 0) {
    startResize(kInitialBuckets);
  } else if (tables_[0].used >= tables_[0].size) {
    startResize(nextPow2(tables_[0].used + 1));
  }
}

void Keyspace::shrinkIfSparse() {
  if (rehashing() || tables_[0].size <= kInitialBuckets) return;
  if (tables_[0].used * 100 / tables_[0].size < kMinFillPercent) {
    startResize(nextPow2(tables_[0].used));
  }
}

bool Keyspace::rehashStep(size_t buckets) {
  if (!rehashing()) return false;
  Table& from = tables_[0];
  Table& to = tables_[1];
  size_t emptyVisits = buckets * 10;
  while (buckets-- > 0 && from.used != 0) {
    while (from.buckets[rehashIdx_] == nullptr) {
      ++rehashIdx_;
      if (--emptyVisits == 0) return true;
    }
    Entry* e = from.buckets[rehashIdx_];
    while (e) {
      Entry* next = e->next_;
      size_t idx = hash(e->key()) & (to.size - 1);
      e->next_ = to.buckets[idx];
      to.buckets[idx] = e;
      --from.used;
      ++to.used;
      e = next;
    }
    from.buckets[rehashIdx_] = nullptr;
    ++rehashIdx_;
  }
  if (from.used == 0) {
    std::free(from.buckets);
    tables_[0] = to;
    tables_[1] = Table{};
    rehashIdx_ = -1;
    return false;
  }
  return true;
}

void Keyspace::insertNew(Entry* e, uint64_t h) {
  expandIfNeeded();
  Table& t = tables_[rehashing() ? 1 : 0];
  size_t idx = h & (t.size - 1);
  e->next_ = t.buckets[idx];
  t.buckets[idx] = e;
  ++t.used;
  if (slotPrefix_) slotLink(e);
  account(e, true);
  if (addedHook_) addedHook_(e->key());
}

void Keyspace::unlinkAndFree(Entry** link, Entry* e, int table, bool expired) {
  *link = e->next_;
  --tables_[table].used;
  if (e->hasExpire()) removeVolatile(e);
  if (slotPrefix_) slotUnlink(e);
  account(e, false);
  if (expired && expiredHook_) expiredHook_(e->key());
  freeEntry(e);
}

void Keyspace::replace(Entry** link, Entry* old, Entry* fresh) {
  fresh->next_ = old->next_;
  fresh->lru_ = old->lru_;
  *link = fresh;
  if (old->hasExpire()) {
    fresh->volIndex_ = old->volIndex_;
    volatile_[old->volIndex_].entry = fresh;
    old->volIndex_ = Entry::kNoExpire;
  }
  if (slotPrefix_) slotReplace(old, fresh);
  account(old, false);
  account(fresh, true);
  freeEntry(old);
}

Entry** Keyspace::liveLink(std::string_view key, uint64_t h) {
  if (rehashing()) rehashStep(1);
  if (size() == 0) return nullptr;
  int table = 0;
  Entry** link = findLink(key, h, &table);
  if (link && isExpired(*link)) {
    unlinkAndFree(link, *link, table, true);
    return nullptr;
  }
  return link;
}

Entry* Keyspace::lookup(std::string_view key, bool touch) {
  Entry** link = liveLink(key, hash(key));
  if (link == nullptr) return nullptr;
  Entry* e = *link;
  if (touch) this->touch(e);
  return e;
}

Entry* Keyspace::find(std::string_view key) {
  return lookup(key, true);
}
Entry* Keyspace::peek(std::string_view key) {
  return lookup(key, false);
}

Entry* Keyspace::set(std::string_view key, Value value, bool keepTtl) {
  uint64_t h = hash(key);
  Entry** link = liveLink(key, h);
  if (link == nullptr) {
    Entry* e = allocateValue(key, value);
    e->lru_ = initialStamp();
    insertNew(e, h);
    modified(key);
    return e;
  }
  Entry* old = *link;
  Entry* result = nullptr;
  size_t payload = value.type() != ValueType::kString   ? sizeof(Object*)
                   : value.encoding() == Encoding::kInt ? sizeof(int64_t)
                                                        : value.bytes().size();
  if (old->isString() && value.type() == ValueType::kString && old->valLen_ == payload) {
    // Same-size string: overwrite in place, no allocation.
    if (value.encoding() == Encoding::kInt) {
      int64_t v = value.intValue();
      std::memcpy(old->valueData(), &v, sizeof(v));
    } else if (payload) {
      std::memcpy(old->valueData(), value.bytes().data(), payload);
    }
    old->encoding_ = static_cast<uint32_t>(value.encoding());
    old->privateInt_ = 0;  // a new value: shared again if small (OBJECT REFCOUNT)
    result = old;
  } else {
    result = allocateValue(key, value);
    replace(link, old, result);
  }
  touch(result);  // an overwrite is an access (LFU keeps and bumps the old counter)
  if (!keepTtl && result->hasExpire()) removeVolatile(result);
  modified(key);
  return result;
}

bool Keyspace::erase(std::string_view key, bool evenExpired) {
  if (rehashing()) rehashStep(1);
  if (size() == 0) return false;
  int table = 0;
  Entry** link = findLink(key, hash(key), &table);
  if (link == nullptr) return false;
  Entry* e = *link;
  bool expired = !evenExpired && isExpired(e);
  unlinkAndFree(link, e, table, expired);
  if (!expired) modified(key);
  return !expired;
}

bool Keyspace::rename(std::string_view from, std::string_view to) {
  Entry* src = find(from);
  if (src == nullptr) return false;
  Millis at = expireAt(src);
  Entry* fresh = allocate(to, src->type(), src->encoding(), src->valueData(), src->valLen_);
  fresh->privateInt_ = src->privateInt_;
  fresh->lru_ = src->lru_;
  // The object (if any) now belongs to `fresh`: detach it from `src` before freeing.
  if (!src->isString()) {
    entryBytes_ -= src->object()->accountedBytes;
    src->type_ = static_cast<uint32_t>(ValueType::kString);
  }
  int table = 0;
  Entry** link = findLink(from, hash(from), &table);
  // Free src without touching the moved object (type forced to string above).
  unlinkAndFree(link, src, table, false);
  // The old value of `to` goes without a signal of its own (Redis's dbDelete in RENAME): the
  // modified hook hears of `from`, then `to`, once each (WATCH, CLIENT TRACKING's order).
  int toTable = 0;
  Entry** old = size() > 0 ? findLink(to, hash(to), &toTable) : nullptr;
  if (old != nullptr) unlinkAndFree(old, *old, toTable, isExpired(*old));
  insertNew(fresh, hash(to));
  if (at >= 0) setExpireAt(fresh, at);
  modified(from);
  modified(to);
  return true;
}

Entry* Keyspace::copy(const Entry* e, std::string_view to) {
  Millis at = expireAt(e);
  Entry* fresh;
  if (e->isString()) {
    fresh = allocate(to, e->type(), e->encoding(), e->valueData(), e->valLen_);
    fresh->privateInt_ = 1;  // Redis's dupStringObject: never a shared integer
  } else {
    Object* o = e->object()->clone().release();
    fresh = allocate(to, e->type(), e->encoding(), &o, sizeof(o));
  }
  fresh->lru_ = initialStamp();
  erase(to);
  insertNew(fresh, hash(to));
  if (at >= 0) setExpireAt(fresh, at);
  modified(to);
  return fresh;
}

Millis Keyspace::expireAt(const Entry* e) const {
  return e->hasExpire() ? volatile_[e->volIndex_].at : -1;
}

void Keyspace::setExpireAt(Entry* e, Millis at) {
  modified(e->key());
  if (at < 0) {
    if (e->hasExpire()) removeVolatile(e);
    return;
  }
  if (e->hasExpire()) {
    volatile_[e->volIndex_].at = at;
    return;
  }
  e->volIndex_ = static_cast<uint32_t>(volatile_.size());
  volatile_.push_back(Volatile{e, at});
}

void Keyspace::clear() {
  dirty_ += size();
  if (flushedHook_) flushedHook_();
  for (Table& t : tables_) {
    for (size_t i = 0; i < t.size; ++i) {
      for (Entry* e = t.buckets[i]; e;) {
        Entry* next = e->next_;
        freeEntry(e);
        e = next;
      }
    }
    std::free(t.buckets);
    t = Table{};
  }
  rehashIdx_ = -1;
  if (slotHeads_) std::fill_n(slotHeads_.get(), slots::kSlotCount, SlotHead{});
  volatile_.clear();
  volatile_.shrink_to_fit();
  entryBytes_ = 0;
}

uint64_t Keyspace::scan(uint64_t cursor, const std::function<void(const Entry&)>& visit) {
  if (size() == 0) return 0;
  std::vector<Entry*> found;
  auto collect = [&](const Table& t, uint64_t idx) {
    for (Entry* e = t.buckets[idx & (t.size - 1)]; e; e = e->next_) found.push_back(e);
  };
  uint64_t v = cursor;
  if (!rehashing()) {
    const Table& t0 = tables_[0];
    uint64_t m0 = t0.size - 1;
    collect(t0, v & m0);
    v |= ~m0;
    v = rev(v);
    ++v;
    v = rev(v);
  } else {
    const Table* t0 = &tables_[0];
    const Table* t1 = &tables_[1];
    if (t0->size > t1->size) std::swap(t0, t1);
    uint64_t m0 = t0->size - 1;
    uint64_t m1 = t1->size - 1;
    collect(*t0, v & m0);
    do {
      collect(*t1, v & m1);
      v |= ~m1;
      v = rev(v);
      ++v;
      v = rev(v);
    } while (v & (m0 ^ m1));
  }
  std::vector<std::string> expired;
  for (Entry* e : found) {
    if (isExpired(e)) {
      expired.emplace_back(e->key());
    } else {
      visit(*e);
    }
  }
  for (const auto& key : expired) peek(key);  // lazy expiry deletes it
  return v;
}

void Keyspace::forEach(const std::function<void(const Entry&)>& visit) const {
  for (const Table& t : tables_) {
    for (size_t i = 0; i < t.size; ++i) {
      for (Entry* e = t.buckets[i]; e; e = e->next_) {
        if (!isExpired(e)) visit(*e);
      }
    }
  }
}

bool Keyspace::randomKey(std::string& out) {
  while (size() > 0) {
    if (rehashing()) rehashStep(1);
    Entry* head = nullptr;
    while (head == nullptr) {
      if (rehashing()) {
        size_t span = tables_[0].size + tables_[1].size - static_cast<size_t>(rehashIdx_);
        size_t idx = static_cast<size_t>(rehashIdx_) + rng_() % span;
        head = idx >= tables_[0].size ? tables_[1].buckets[idx - tables_[0].size]
                                      : tables_[0].buckets[idx];
      } else {
        head = tables_[0].buckets[rng_() & (tables_[0].size - 1)];
      }
    }
    size_t len = 0;
    for (Entry* e = head; e; e = e->next_) ++len;
    Entry* pick = head;
    for (size_t skip = rng_() % len; skip > 0; --skip) pick = pick->next_;
    if (!isExpired(pick)) {
      out.assign(pick->key());
      return true;
    }
    std::string key(pick->key());
    peek(key);  // deletes it
  }
  return false;
}

size_t Keyspace::expireCycle(size_t budget, size_t& sampled) {
  size_t expired = 0;
  sampled = 0;
  while (budget-- > 0 && !volatile_.empty()) {
    const Volatile& v = volatile_[rng_() % volatile_.size()];
    ++sampled;
    if (v.at > now_) continue;
    std::string_view key = v.entry->key();
    int table = 0;
    Entry** link = findLink(key, hash(key), &table);
    if (link) {
      unlinkAndFree(link, *link, table, true);
      ++expired;
    }
  }
  return expired;
}

void Keyspace::reaccount(Entry* e) {
  if (e->isString()) {
    modified(e->key());  // its allocation (what accounting counts) did not change
    return;
  }
  Object* o = e->object();
  size_t now = o->memoryUsage();
  entryBytes_ = entryBytes_ - o->accountedBytes + now;
  o->accountedBytes = now;
  modified(e->key());
}

char* Keyspace::stringForWrite(std::string_view key, size_t minLen, Entry*& entry) {
  uint64_t h = hash(key);
  Entry** link = liveLink(key, h);
  Entry* old = link ? *link : nullptr;
  char scratch[24];
  std::string_view cur = old ? old->stringView(scratch) : std::string_view();
  size_t len = std::max(cur.size(), minLen);
  if (old && !old->isInt()) {
    size_t capacity =
        malloc_usable_size(allocationOf(old)) - slotPrefix_ - sizeof(Entry) - old->keyLen_;
    if (len <= capacity) {  // room in place: the allocation (and its accounting) is unchanged
      std::memset(old->valueData() + old->valLen_, 0, len - old->valLen_);
      old->valLen_ = static_cast<uint32_t>(len);
      old->encoding_ = static_cast<uint32_t>(Encoding::kRaw);
      entry = old;
      return old->valueData();
    }
  }
  constexpr size_t kMaxPrealloc = 1024 * 1024;  // SDS_MAX_PREALLOC
  size_t capacity = len == cur.size() ? len : len < kMaxPrealloc ? len * 2 : len + kMaxPrealloc;
  // calloc: a large block comes zeroed from mmap, so pages the command never writes stay
  // untouched (SETBIT at 2^32-1 does not make the node resident for 512 MB).
  void* mem = std::calloc(1, slotPrefix_ + sizeof(Entry) + key.size() + capacity);
  if (mem == nullptr) throw std::bad_alloc();
  Entry* fresh = new (static_cast<char*>(mem) + slotPrefix_) Entry();
  fresh->keyLen_ = static_cast<uint32_t>(key.size());
  fresh->valLen_ = static_cast<uint32_t>(len);
  fresh->type_ = static_cast<uint32_t>(ValueType::kString);
  fresh->encoding_ = static_cast<uint32_t>(Encoding::kRaw);
  std::memcpy(fresh->keyData(), key.data(), key.size());
  if (!cur.empty()) std::memcpy(fresh->valueData(), cur.data(), cur.size());
  if (old) {
    replace(link, old, fresh);
  } else {
    fresh->lru_ = initialStamp();
    insertNew(fresh, h);
  }
  entry = fresh;
  return fresh->valueData();
}

size_t Keyspace::sampleEntries(Entry** out, size_t count) {
  if (size() == 0 || count == 0) return 0;
  if (rehashing()) rehashStep(1);
  size_t found = 0;
  size_t maxSteps = count * 10;
  const size_t mask0 = tables_[0].size - 1;
  const size_t mask1 = rehashing() ? tables_[1].size - 1 : 0;
  const size_t maxMask = std::max(mask0, mask1);
  size_t i = rng_() & maxMask;
  for (size_t empty = 0; found < count && maxSteps-- > 0; i = (i + 1) & maxMask) {
    bool any = false;
    for (int t = 0; t < (rehashing() ? 2 : 1); ++t) {
      const Table& tab = tables_[t];
      // Buckets of table 0 below rehashIdx_ are already moved (empty).
      if (t == 0 && rehashing() && i < static_cast<size_t>(rehashIdx_)) continue;
      if (i >= tab.size) continue;
      for (Entry* e = tab.buckets[i]; e && found < count; e = e->next_) {
        any = true;
        if (!isExpired(e)) out[found++] = e;
      }
    }
    // Like dictGetSomeKeys: after a run of empty buckets, jump elsewhere.
    if (!any && ++empty >= 5 && empty > count) {
      i = rng_() & maxMask;
      empty = 0;
    }
  }
  return found;
}

size_t Keyspace::sampleVolatile(Entry** out, size_t count) {
  size_t found = 0;
  for (size_t n = 0; n < count && !volatile_.empty(); ++n) {
    Entry* e = volatile_[rng_() % volatile_.size()].entry;
    if (!isExpired(e)) out[found++] = e;
  }
  return found;
}

void Keyspace::setLruOrLfu(Entry* e, int64_t lfuFreq, int64_t lruIdle) {
  if (lfu_) {
    // stamp = minutes << 8 | freq
    if (lfuFreq >= 0) {
      const auto minutes = static_cast<uint32_t>(now_ / 60000) & 0xFFFF;
      setLru(e, (minutes << 8) | static_cast<uint32_t>(lfuFreq & 0xFF));
    }
  } else if (lruIdle >= 0) {
    // 24-bit seconds, wrapping.
    constexpr int64_t kLruMax = (1 << 24) - 1;
    const int64_t clock = lruClock_;
    int64_t abs = clock - lruIdle;
    if (abs < 0) abs = (clock + kLruMax / 2) % kLruMax;
    setLru(e, static_cast<uint32_t>(abs));
  }
}

uint32_t Keyspace::lfuFrequency(const Entry* e) const {
  const uint32_t stamp = e->lru_;
  const uint32_t ldt = stamp >> 8;
  const uint32_t counter = stamp & 255;
  const uint32_t now = lfuMinutes();
  const uint32_t elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
  const uint32_t periods =
      lfuDecayMinutes_ > 0 ? elapsed / static_cast<uint32_t>(lfuDecayMinutes_) : 0;
  return periods >= counter ? 0 : counter - periods;
}

void Keyspace::touchLfu(Entry* e) {
  uint32_t counter = lfuFrequency(e);
  if (counter < 255) {
    const double r = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    const double base = counter > 5 ? counter - 5.0 : 0.0;
    if (r < 1.0 / (base * lfuLogFactor_ + 1)) ++counter;
  }
  e->lru_ = (lfuMinutes() << 8) | counter;
}

size_t Keyspace::entryMemory(const Entry* e) const {
  size_t bytes = malloc_usable_size(allocationOf(e)) + sizeof(Entry*);
  if (!e->isString()) bytes += e->object()->memoryUsage();
  if (e->hasExpire()) bytes += sizeof(Volatile);
  return bytes;
}

size_t Keyspace::memoryUsage() const {
  return entryBytes_ + (tables_[0].size + tables_[1].size) * sizeof(Entry*) +
         volatile_.capacity() * sizeof(Volatile) +
         (slotHeads_ ? slots::kSlotCount * sizeof(SlotHead) : 0);
}

// ---- Per-slot key index ----

void Keyspace::enableSlotIndex() {
  if (slotPrefix_ != 0 || size() != 0) return;
  slotPrefix_ = sizeof(SlotLinks);
  slotHeads_ = std::make_unique<SlotHead[]>(slots::kSlotCount);
}

void Keyspace::slotLink(Entry* e) {
  SlotHead& h = slotHeads_[slots::keySlot(e->key())];
  SlotLinks* l = links(e);
  l->prev = nullptr;
  l->next = h.head;
  if (h.head) links(h.head)->prev = e;
  h.head = e;
  ++h.count;
}

void Keyspace::slotUnlink(Entry* e) {
  SlotHead& h = slotHeads_[slots::keySlot(e->key())];
  SlotLinks* l = links(e);
  if (l->prev) {
    links(l->prev)->next = l->next;
  } else {
    h.head = l->next;
  }
  if (l->next) links(l->next)->prev = l->prev;
  --h.count;
}

void Keyspace::slotReplace(Entry* old, Entry* fresh) {
  SlotLinks* o = links(old);
  *links(fresh) = *o;
  if (o->prev) {
    links(o->prev)->next = fresh;
  } else {
    slotHeads_[slots::keySlot(old->key())].head = fresh;
  }
  if (o->next) links(o->next)->prev = fresh;
}

size_t Keyspace::countKeysInSlot(uint16_t slot) const {
  if (!slotHeads_ || slot >= slots::kSlotCount) return 0;
  return slotHeads_[slot].count;
}

size_t Keyspace::keysInSlot(uint16_t slot, size_t count, std::vector<std::string>& out) const {
  if (!slotHeads_ || slot >= slots::kSlotCount) return 0;
  size_t n = 0;
  for (Entry* e = slotHeads_[slot].head; e && n < count; e = links(e)->next, ++n) {
    out.emplace_back(e->key());
  }
  return n;
}

size_t Keyspace::deleteKeysInSlot(uint16_t slot) {
  if (!slotHeads_ || slot >= slots::kSlotCount) return 0;
  size_t n = 0;
  std::string key;
  while (Entry* e = slotHeads_[slot].head) {
    key.assign(e->key());
    int table = 0;
    Entry** link = findLink(key, hash(key), &table);
    if (link == nullptr) break;  // cannot happen: every indexed entry is in the table
    unlinkAndFree(link, e, table, false);
    modified(key);
    ++n;
  }
  return n;
}

}  // namespace strata::node
