// loadObject: one value of any RDB type redis-server 7.0 loads (plus 7.2's set listpack), built
// into our containers with the encoding their contents and the limits call for, as rdbLoadObject
// converts after loading. Empty containers and duplicate members/fields are Bad data format, as
// with Redis's deep sanitization. Streams are in rdb_stream.cpp.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "node/keyspace/containers.h"
#include "node/keyspace/zset.h"
#include "node/persistence/rdb_blobs.h"
#include "node/persistence/rdb_codec.h"
#include "node/persistence/rdb_stream.h"

namespace strata::node::rdb {

namespace {

constexpr LoadStatus kBad = LoadStatus::kBadFormat;

LoadStatus finish(bool ok, size_t size, ValueType type, std::unique_ptr<Object> o, Value& out) {
  if (!ok || size == 0) return kBad;  // a malformed blob, or an empty container
  const Encoding enc = o->encoding();
  out = Value::object(type, enc, std::move(o));
  return LoadStatus::kOk;
}

// Feeds every element of a ziplist/listpack/zipmap blob to f(text); false if the blob is
// malformed or f refuses an element.
template <class BlobReader, class F>
bool forEachItem(std::string_view blob, F&& f) {
  BlobReader rd(blob);
  PackedItem item;
  char buf[PackedItem::kTextBuf];
  while (rd.next(item)) {
    if (!f(item.text(buf))) return false;
  }
  return !rd.failed();
}

// ---- lists ----

LoadStatus loadList(uint8_t type, Reader& r, Value& out, const LoadLimits& limits) {
  auto list = std::make_unique<ListObject>();
  auto push = [&](std::string_view v) {
    list->push(v, false, limits.list);
    return true;
  };
  bool ok = true;
  if (type == kTypeList) {
    uint64_t n;
    if (!r.len(n) || n == 0) return kBad;
    for (uint64_t i = 0; ok && i < n; ++i) {
      std::string_view v;
      ok = r.stringView(v) && push(v);
    }
  } else if (type == kTypeListZiplist) {
    std::string_view blob;
    ok = r.stringView(blob) && forEachItem<ZiplistReader>(blob, push);
  } else {  // quicklist (ziplist nodes) or quicklist2 (listpack or plain nodes)
    uint64_t nodes;
    if (!r.len(nodes) || nodes == 0) return kBad;
    for (uint64_t i = 0; ok && i < nodes; ++i) {
      uint64_t container = kQuicklistNodePacked;
      if (type == kTypeListQuicklist2 &&
          (!r.len(container) ||
           (container != kQuicklistNodePlain && container != kQuicklistNodePacked))) {
        return kBad;
      }
      std::string_view blob;
      if (!r.stringView(blob)) return kBad;
      if (container == kQuicklistNodePlain) {
        push(blob);
      } else if (type == kTypeListQuicklist) {
        ok = forEachItem<ZiplistReader>(blob, push);  // empty nodes are skipped, as Redis
      } else {
        ok = forEachItem<ListpackReader>(blob, push);
      }
    }
  }
  const size_t size = list->size();
  return finish(ok, size, ValueType::kList, std::move(list), out);
}

// ---- sets ----

LoadStatus loadSet(uint8_t type, Reader& r, Value& out, const LoadLimits& limits) {
  auto set = std::make_unique<SetObject>();
  size_t added = 0;
  auto add = [&](std::string_view m) {
    if (added++ == 0) set->startWith(m);
    return set->add(m, limits.setMaxIntsetEntries);  // false: a duplicate member
  };
  bool ok = true;
  if (type == kTypeSet) {
    uint64_t n;
    if (!r.len(n) || n == 0) return kBad;
    if (n > limits.setMaxIntsetEntries) set->convert();  // as Redis: too big for an intset
    for (uint64_t i = 0; ok && i < n; ++i) {
      std::string_view m;
      ok = r.stringView(m) && add(m);
    }
  } else if (type == kTypeSetIntset) {
    std::string_view blob;
    if (!r.stringView(blob)) return kBad;
    IntsetReader is(blob);
    ok = is.valid();
    if (ok && is.size() > limits.setMaxIntsetEntries) set->convert();
    char buf[PackedItem::kTextBuf];
    for (size_t i = 0; ok && i < is.size(); ++i) {
      PackedItem item;
      item.isInt = true;
      item.num = is.at(i);
      ok = add(item.text(buf));
    }
  } else {  // 7.2's set listpack
    std::string_view blob;
    ok = r.stringView(blob) && forEachItem<ListpackReader>(blob, add);
  }
  const size_t size = set->size();
  return finish(ok, size, ValueType::kSet, std::move(set), out);
}

// ---- hashes ----

LoadStatus loadHash(uint8_t type, Reader& r, Value& out, const LoadLimits& limits) {
  auto hash = std::make_unique<HashObject>();
  bool ok = true;
  if (type == kTypeHash) {
    uint64_t n;
    if (!r.len(n) || n == 0) return kBad;
    if (n > limits.hash.maxEntries) hash->convert();
    std::string field;
    for (uint64_t i = 0; ok && i < n; ++i) {
      std::string_view v;
      // The field is copied: the value's read may reuse the reader's scratch.
      ok = r.string(field) && r.stringView(v) && hash->set(field, v, limits.hash);
    }
  } else {
    std::string_view blob;
    if (!r.stringView(blob)) return kBad;
    // As 7.0: a listpack/ziplist hash converts by its length only (long values stay packed).
    HashLimits packed = limits.hash;
    if (type != kTypeHashZipmap) packed.maxValue = SIZE_MAX;
    std::string field;
    size_t count = 0;
    auto pair = [&](std::string_view v) {
      if (count++ % 2 == 0) {
        field.assign(v);
        return true;
      }
      return hash->set(field, v, packed);  // false: a duplicate field
    };
    if (type == kTypeHashZipmap) {
      ok = forEachItem<ZipmapReader>(blob, pair);
    } else if (type == kTypeHashZiplist) {
      ok = forEachItem<ZiplistReader>(blob, pair);
    } else {
      ok = forEachItem<ListpackReader>(blob, pair);
    }
    ok = ok && count % 2 == 0;
  }
  const size_t size = hash->size();
  return finish(ok, size, ValueType::kHash, std::move(hash), out);
}

// ---- sorted sets ----

// zzlStrtod: a listpack score stored as text.
bool parseScore(std::string_view s, double& d) {
  if (s.empty() || s.size() >= 128) return false;
  char buf[128];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  char* end = nullptr;
  d = std::strtod(buf, &end);
  return end == buf + s.size();
}

LoadStatus loadZSet(uint8_t type, Reader& r, Value& out, const LoadLimits& limits) {
  ZSetLimits zl = limits.zset;
  // As 7.0: a listpack/ziplist zset converts by its length only (long members stay packed).
  if (type == kTypeZSetZiplist || type == kTypeZSetListpack) zl.maxValue = SIZE_MAX;
  std::unique_ptr<ZSetObject> zset;
  auto add = [&](std::string_view member, double score) {
    double old;
    if (std::isnan(score) || zset->score(member, old)) return false;  // NaN, duplicate
    zset->insert(member, score, zl);
    return true;
  };
  bool ok = true;
  if (type == kTypeZSet || type == kTypeZSet2) {
    uint64_t n;
    if (!r.len(n) || n == 0) return kBad;
    zset = std::make_unique<ZSetObject>(zl.maxEntries > 0 && n <= zl.maxEntries);
    std::string member;
    for (uint64_t i = 0; ok && i < n; ++i) {
      double score = 0;
      ok = r.string(member) && (type == kTypeZSet2 ? r.binaryDouble(score) : r.textDouble(score)) &&
           add(member, score);
    }
  } else {
    std::string_view blob;
    if (!r.stringView(blob)) return kBad;
    zset = std::make_unique<ZSetObject>(zl.maxEntries > 0);
    std::string member;
    size_t count = 0;
    auto pair = [&](std::string_view v) {
      if (count++ % 2 == 0) {
        member.assign(v);
        return true;
      }
      double score;
      return parseScore(v, score) && add(member, score);
    };
    ok = type == kTypeZSetZiplist ? forEachItem<ZiplistReader>(blob, pair)
                                  : forEachItem<ListpackReader>(blob, pair);
    ok = ok && count % 2 == 0;
  }
  const size_t size = zset->size();
  return finish(ok, size, ValueType::kZSet, std::move(zset), out);
}

}  // namespace

LoadLimits loadLimits(const NodeSettings& s) {
  LoadLimits l;
  l.hash = {static_cast<size_t>(s.hashMaxListpackEntries),
            static_cast<size_t>(s.hashMaxListpackValue)};
  l.zset = {static_cast<size_t>(s.zsetMaxListpackEntries),
            static_cast<size_t>(s.zsetMaxListpackValue)};
  l.setMaxIntsetEntries = static_cast<size_t>(s.setMaxIntsetEntries);
  l.list = ListLimits::fromFill(s.listMaxListpackSize);
  return l;
}

LoadStatus loadObject(uint8_t type, Reader& r, Value& out, const LoadLimits& limits) {
  switch (type) {
    case kTypeString: {
      std::string_view v;
      if (!r.stringView(v)) return kBad;
      out = Value::string(v);  // tryObjectEncoding, as rdbLoadObject
      return LoadStatus::kOk;
    }
    case kTypeList:
    case kTypeListZiplist:
    case kTypeListQuicklist:
    case kTypeListQuicklist2:
      return loadList(type, r, out, limits);
    case kTypeSet:
    case kTypeSetIntset:
    case kTypeSetListpack:
      return loadSet(type, r, out, limits);
    case kTypeHash:
    case kTypeHashZipmap:
    case kTypeHashZiplist:
    case kTypeHashListpack:
      return loadHash(type, r, out, limits);
    case kTypeZSet:
    case kTypeZSet2:
    case kTypeZSetZiplist:
    case kTypeZSetListpack:
      return loadZSet(type, r, out, limits);
    case kTypeStreamListpacks:
    case kTypeStreamListpacks2:
    case kTypeStreamListpacks3:
      return loadStream(type, r, out);
    case kTypeModule2:
      return LoadStatus::kUnsupported;
    default:
      return kBad;
  }
}

}  // namespace strata::node::rdb
