// saveObject / saveKeyValue: the RDB type byte and body of one value, as redis-server 7.0's
// rdbSaveObjectType and rdbSaveObject write them for the encoding the value has (see
// rdb_codec.h); the file's key-value pair puts the key between the two (rdbSaveKeyValuePair).
// Streams are in rdb_stream.cpp.
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/keyspace/containers.h"
#include "node/keyspace/stream.h"
#include "node/keyspace/zset.h"
#include "node/persistence/rdb_blobs.h"
#include "node/persistence/rdb_codec.h"
#include "node/persistence/rdb_stream.h"

namespace strata::node::rdb {

namespace {

// Builds a blob in `scratch` with f(ListpackBuilder&) and writes it as one RDB string.
template <class F>
void listpackString(Writer& w, std::string& scratch, F&& f) {
  scratch.clear();
  ListpackBuilder lp(scratch);
  f(lp);
  lp.finish();
  w.string(scratch);
}

// A list as quicklist2: listpack nodes no bigger than list-max-listpack-size -2 allows (8 KiB, as
// Redis's own quicklist nodes), elements of kPackedThreshold bytes or more in plain nodes. The
// nodes go to a side buffer first: their count leads.
void saveList(const ListObject& l, Writer& w) {
  const ListLimits limits;
  std::string body, node;
  Writer nodes(body, w.compresses());
  uint64_t count = 0;
  std::optional<ListpackBuilder> open;
  auto close = [&] {
    if (!open) return;
    open->finish();
    nodes.len(kQuicklistNodePacked);
    nodes.string(node);
    open.reset();
    ++count;
  };
  l.forEach([&](std::string_view v) {
    if (v.size() >= kPackedThreshold) {
      close();
      nodes.len(kQuicklistNodePlain);
      nodes.string(v);
      ++count;
      return;
    }
    if (open && !limits.fits(open->count() + 1, open->bytes() + ListpackBuilder::entrySize(v))) {
      close();
    }
    if (!open) {
      node.clear();
      open.emplace(node);
    }
    open->add(v);
  });
  close();
  w.len(count);
  w.raw(body);
}

void saveSet(const SetObject& s, Writer& w) {
  if (s.intset()) {
    // The members ascending, as parsed back from the intset's text form.
    std::string blob;
    std::vector<int64_t> values;
    values.reserve(s.size());
    s.forEach([&](std::string_view m) {
      int64_t v = 0;
      parseCanonicalInt(m, v);
      values.push_back(v);
    });
    writeIntset(blob, values.size(), [&](size_t i) { return values[i]; });
    w.string(blob);
    return;
  }
  w.len(s.size());
  s.forEach([&](std::string_view m) { w.string(m); });
}

void saveHash(const HashObject& h, Writer& w) {
  if (h.listpack()) {
    std::string scratch;
    listpackString(w, scratch, [&](ListpackBuilder& lp) {
      h.forEach([&](std::string_view f, std::string_view v) {
        lp.add(f);
        lp.add(v);
      });
    });
    return;
  }
  w.len(h.size());
  h.forEach([&](std::string_view f, std::string_view v) {
    w.string(f);
    w.string(v);
  });
}

// d2string of 7.0: integral values in (-2^52, 2^52) as integers, others with %.17g.
std::string_view scoreText(double d, char (&buf)[64]) {
  constexpr double kMin = -4503599627370495.0, kMax = 4503599627370496.0;
  int n = 0;
  if (std::isinf(d)) {
    n = std::snprintf(buf, sizeof(buf), d > 0 ? "inf" : "-inf");
  } else if (d == 0) {
    n = std::snprintf(buf, sizeof(buf), std::signbit(d) ? "-0" : "0");
  } else if (d > kMin && d < kMax && d == static_cast<double>(static_cast<long long>(d))) {
    n = std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(d));
  } else {
    n = std::snprintf(buf, sizeof(buf), "%.17g", d);
  }
  return {buf, static_cast<size_t>(n)};
}

void saveZSet(const ZSetObject& z, Writer& w) {
  if (z.compact()) {
    std::string scratch;
    listpackString(w, scratch, [&](ListpackBuilder& lp) {
      z.walk(0, z.size(), false, [&](std::string_view m, double score) {
        char buf[64];
        lp.add(m);
        lp.add(scoreText(score, buf));
      });
    });
    return;
  }
  // ZSET2, greatest to smallest as 7.0 writes it (loading then appends at the head cheaply).
  w.len(z.size());
  z.walk(z.size() - 1, z.size(), true, [&](std::string_view m, double score) {
    w.string(m);
    w.binaryDouble(score);
  });
}

// rdbSaveObjectType: the type byte of the encoding the value has.
uint8_t objectType(const Entry& e) {
  // A string's value bytes are not an Object pointer: object() only for the other types.
  const Object* o = e.type() == ValueType::kString ? nullptr : e.object();
  switch (e.type()) {
    case ValueType::kString:
      return kTypeString;
    case ValueType::kList:
      return kTypeListQuicklist2;
    case ValueType::kSet:
      return static_cast<const SetObject*>(o)->intset() ? kTypeSetIntset : kTypeSet;
    case ValueType::kHash:
      return static_cast<const HashObject*>(o)->listpack() ? kTypeHashListpack : kTypeHash;
    case ValueType::kZSet:
      return static_cast<const ZSetObject*>(o)->compact() ? kTypeZSetListpack : kTypeZSet2;
    case ValueType::kStream:
      return kTypeStreamListpacks2;
  }
  return kTypeString;
}

// rdbSaveObject: the body for objectType(e).
void saveBody(const Entry& e, Writer& w) {
  if (e.isString()) {
    if (e.isInt()) {
      w.integerString(e.intValue());
    } else {
      w.string(e.bytes());
    }
    return;
  }
  const Object* o = e.object();
  switch (e.type()) {
    case ValueType::kList:
      saveList(*static_cast<const ListObject*>(o), w);
      break;
    case ValueType::kSet:
      saveSet(*static_cast<const SetObject*>(o), w);
      break;
    case ValueType::kHash:
      saveHash(*static_cast<const HashObject*>(o), w);
      break;
    case ValueType::kZSet:
      saveZSet(*static_cast<const ZSetObject*>(o), w);
      break;
    case ValueType::kStream:
      saveStream(*static_cast<const StreamObject*>(o), w);
      break;
    case ValueType::kString:
      break;
  }
}

}  // namespace

void saveObject(const Entry& e, Writer& w) {
  w.byte(objectType(e));
  saveBody(e, w);
}

void saveKeyValue(const Entry& e, Writer& w) {
  w.byte(objectType(e));
  w.string(e.key());
  saveBody(e, w);
}

}  // namespace strata::node::rdb
