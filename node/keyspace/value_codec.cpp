// DUMP payload codec: CRC64 (Redis's polynomial), the varint writer/reader, one encoder and one
// decoder per type. The reader never trusts a claimed size: see value_codec.h.
#include "node/keyspace/value_codec.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <unordered_set>
#include <utility>
#include <vector>

#include "node/keyspace/containers.h"
#include "node/keyspace/stream.h"
#include "node/keyspace/zset.h"

namespace strata::node::codec {

namespace {

// ---- CRC64 ----

constexpr uint64_t kPolyReflected = 0x95AC9329AC4BC9B5ULL;  // Jones 0xad93d23594c935a9, reflected

constexpr std::array<uint64_t, 256> makeTable() {
  std::array<uint64_t, 256> t{};
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPolyReflected : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint64_t, 256> kCrcTable = makeTable();

// ---- writer ----

void putVarint(std::string& out, uint64_t v) {
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out.append(buf, n);
}

void putBytes(std::string& out, std::string_view s) {
  putVarint(out, s.size());
  out.append(s);
}

void putFooter(std::string& out, size_t start) {
  out.push_back(static_cast<char>(kFormatVersion & 0xFF));
  out.push_back(static_cast<char>(kFormatVersion >> 8));
  uint64_t crc = crc64(0, out.data() + start, out.size() - start);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
}

// ---- streams ----
// Body: last-id, max-deleted-id (ms, seq varints), entries-added, entry count, then per entry
// id (ms, seq) + field count + (field, value) pairs; group count, then per group: name,
// last-id, entries-read (zigzag), consumer count x (name, seen-time zigzag), PEL count x
// (id, consumer name, delivery time zigzag, delivery count).

uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t unzigzag(uint64_t z) {
  return static_cast<int64_t>((z >> 1) ^ (0 - (z & 1)));
}

void putId(std::string& out, StreamID id) {
  putVarint(out, id.ms);
  putVarint(out, id.seq);
}

void encodeStream(const StreamObject& s, std::string& out) {
  putId(out, s.lastId());
  putId(out, s.maxDeletedId());
  putVarint(out, s.entriesAdded());
  putVarint(out, s.length());
  s.range(StreamID::min(), StreamID::max(), false, [&](const StreamEntryView& e) {
    putId(out, e.id);
    putVarint(out, e.pairs());
    for (std::string_view f : *e.fv) putBytes(out, f);
    return true;
  });
  putVarint(out, s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    putBytes(out, name);
    putId(out, g->lastId);
    putVarint(out, zigzag(g->entriesRead));
    putVarint(out, g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      putBytes(out, cname);
      putVarint(out, zigzag(c->seenTime));
    }
    putVarint(out, g->pel.size());
    for (const auto& [id, nack] : g->pel) {
      putId(out, id);
      putBytes(out, nack.consumer->name);
      putVarint(out, zigzag(nack.deliveryTime));
      putVarint(out, nack.deliveryCount);
    }
  }
}

// ---- reader ----

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  size_t left() const { return in_.size() - pos_; }
  bool byte(uint8_t& out) {
    if (left() < 1) return false;
    out = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool varint(uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!byte(b)) return false;
      // The 10th byte may only carry the top bit of a 64-bit value.
      if (shift == 63 && (b & 0x7E) != 0) return false;
      out |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool fixed64(uint64_t& out) {
    if (left() < 8) return false;
    out = 0;
    for (int i = 0; i < 8; ++i) {
      out |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_++])) << (8 * i);
    }
    return true;
  }
  bool bytes(std::string_view& out) {
    uint64_t len;
    if (!varint(len) || len > left()) return false;
    out = in_.substr(pos_, len);
    pos_ += len;
    return true;
  }
  // An element count: at least one element, each of at least `minBytes` bytes still unread.
  bool count(uint64_t& out, size_t minBytes) {
    return varint(out) && out != 0 && out <= left() / minBytes;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

bool validHint(ValueType type, Encoding enc) {
  switch (type) {
    case ValueType::kString:
      return enc == Encoding::kInt || enc == Encoding::kEmbstr || enc == Encoding::kRaw;
    case ValueType::kList:
      return enc == Encoding::kQuicklist || enc == Encoding::kListpack;
    case ValueType::kSet:
      return enc == Encoding::kIntset || enc == Encoding::kHashtable || enc == Encoding::kListpack;
    case ValueType::kHash:
      return enc == Encoding::kListpack || enc == Encoding::kHashtable;
    case ValueType::kZSet:
      return enc == Encoding::kListpack || enc == Encoding::kSkiplist;
    case ValueType::kStream:
      return enc == Encoding::kStream;
  }
  return false;
}

bool decodeList(Reader& r, Value& out) {
  uint64_t n;
  if (!r.count(n, 1)) return false;
  auto list = std::make_unique<ListObject>();
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view item;
    if (!r.bytes(item)) return false;
    list->push(item, false);
  }
  const Encoding enc = list->encoding();
  out = Value::object(ValueType::kList, enc, std::move(list));
  return true;
}

bool decodeSet(Reader& r, Value& out) {
  uint64_t n;
  if (!r.count(n, 1)) return false;
  auto set = std::make_unique<SetObject>();
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view m;
    if (!r.bytes(m)) return false;
    if (i == 0) set->startWith(m);
    if (!set->add(m)) return false;  // duplicate member
  }
  const Encoding enc = set->encoding();
  out = Value::object(ValueType::kSet, enc, std::move(set));
  return true;
}

bool decodeHash(Reader& r, Value& out) {
  uint64_t n;
  if (!r.count(n, 2)) return false;
  auto hash = std::make_unique<HashObject>();
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view field, value;
    if (!r.bytes(field) || !r.bytes(value)) return false;
    if (!hash->set(field, value)) return false;  // duplicate field
  }
  const Encoding enc = hash->encoding();
  out = Value::object(ValueType::kHash, enc, std::move(hash));
  return true;
}

// count x (member, score as IEEE-754 bits LE); loaded as zsetConvertToListpackIfNeeded would.
bool decodeZSet(Reader& r, Value& out, const ZSetLimits& limits) {
  uint64_t n;
  if (!r.count(n, 9)) return false;
  std::vector<std::pair<std::string, double>> items;
  items.reserve(n);
  std::unordered_set<std::string_view> seen;
  seen.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view member;
    uint64_t bits;
    if (!r.bytes(member) || !r.fixed64(bits)) return false;
    double score;
    std::memcpy(&score, &bits, sizeof(score));
    if (std::isnan(score) || !seen.insert(member).second) return false;  // as Redis's loader
    items.emplace_back(member, score);
  }
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    return a.second < b.second || (a.second == b.second && a.first < b.first);
  });
  auto zset = ZSetObject::fromSorted(items, limits);
  const Encoding enc = zset->encoding();
  out = Value::object(ValueType::kZSet, enc, std::move(zset));
  return true;
}

bool readId(Reader& r, StreamID& id) {
  return r.varint(id.ms) && r.varint(id.seq);
}

// A count of items each at least `minBytes` long (0 allowed: streams may be empty).
bool readCount(Reader& r, uint64_t& n, size_t minBytes) {
  return r.varint(n) && n <= r.left() / minBytes;
}

bool decodeStream(Reader& r, Value& out) {
  auto s = std::make_unique<StreamObject>();
  StreamID last, maxDeleted;
  uint64_t added, n;
  if (!readId(r, last) || !readId(r, maxDeleted) || !r.varint(added) || !readCount(r, n, 3)) {
    return false;
  }
  std::vector<std::string_view> fv;
  StreamID prev;
  for (uint64_t i = 0; i < n; ++i) {
    StreamID id;
    uint64_t pairs;
    if (!readId(r, id) || !r.count(pairs, 2)) return false;
    if (id <= prev || id > last) return false;
    fv.clear();
    for (uint64_t j = 0; j < pairs * 2; ++j) {
      std::string_view b;
      if (!r.bytes(b)) return false;
      fv.push_back(b);
    }
    s->append(id, fv.data(), fv.size());
    prev = id;
  }
  if (added < n) return false;
  s->setLastId(last);
  s->setEntriesAdded(added);
  s->setMaxDeletedId(maxDeleted);
  uint64_t groups;
  if (!readCount(r, groups, 5)) return false;
  for (uint64_t i = 0; i < groups; ++i) {
    std::string_view name;
    auto g = std::make_unique<ConsumerGroup>();
    uint64_t read, consumers, pel;
    if (!r.bytes(name) || !readId(r, g->lastId) || !r.varint(read) || !readCount(r, consumers, 2)) {
      return false;
    }
    g->entriesRead = unzigzag(read);
    for (uint64_t j = 0; j < consumers; ++j) {
      std::string_view cname;
      uint64_t seen;
      if (!r.bytes(cname) || !r.varint(seen)) return false;
      if (g->findConsumer(cname) != nullptr) return false;
      g->createConsumer(cname, unzigzag(seen));
    }
    if (!readCount(r, pel, 5)) return false;
    for (uint64_t j = 0; j < pel; ++j) {
      StreamID id;
      std::string_view cname;
      uint64_t time, count;
      if (!readId(r, id) || !r.bytes(cname) || !r.varint(time) || !r.varint(count)) {
        return false;
      }
      StreamConsumer* c = g->findConsumer(cname);
      if (c == nullptr || !c->pel.insert(id).second) return false;
      StreamNACK nack;
      nack.consumer = c;
      nack.deliveryTime = unzigzag(time);
      nack.deliveryCount = count;
      if (!g->pel.emplace(id, nack).second) return false;
    }
    if (!s->groups().emplace(std::string(name), std::move(g)).second) return false;
  }
  out = Value::object(ValueType::kStream, Encoding::kStream, std::move(s));
  return true;
}
}  // namespace

uint64_t crc64(uint64_t crc, const void* data, size_t len) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < len; ++i) crc = kCrcTable[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return crc;
}

bool encode(const Entry& e, std::string& out) {
  const size_t start = out.size();
  if (e.isString()) {
    out.push_back(static_cast<char>(ValueType::kString));
    out.push_back(static_cast<char>(e.encoding()));
    if (e.isInt()) {
      const int64_t v = e.intValue();
      putVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
    } else {
      putBytes(out, e.bytes());
    }
    putFooter(out, start);
    return true;
  }
  const Object* o = e.object();
  out.push_back(static_cast<char>(e.type()));
  out.push_back(static_cast<char>(o->encoding()));
  switch (e.type()) {
    case ValueType::kList: {
      const auto* l = static_cast<const ListObject*>(o);
      putVarint(out, l->size());
      l->forEach([&](std::string_view item) { putBytes(out, item); });
      break;
    }
    case ValueType::kSet: {
      const auto* s = static_cast<const SetObject*>(o);
      putVarint(out, s->size());
      s->forEach([&](std::string_view m) { putBytes(out, m); });
      break;
    }
    case ValueType::kHash: {
      const auto* h = static_cast<const HashObject*>(o);
      putVarint(out, h->size());
      h->forEach([&](std::string_view field, std::string_view value) {
        putBytes(out, field);
        putBytes(out, value);
      });
      break;
    }
    case ValueType::kZSet: {
      const auto* z = static_cast<const ZSetObject*>(o);
      putVarint(out, z->size());
      z->walk(0, z->size(), false, [&](std::string_view member, double score) {
        putBytes(out, member);
        uint64_t bits;
        std::memcpy(&bits, &score, sizeof(bits));
        for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
      });
      break;
    }
    case ValueType::kStream:
      encodeStream(*static_cast<const StreamObject*>(o), out);
      break;
    case ValueType::kString:
      out.resize(start);
      return false;
  }
  putFooter(out, start);
  return true;
}

bool verify(std::string_view payload) {
  if (payload.size() < 2 + kFooterSize) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(payload.data());
  const size_t n = payload.size();
  const uint16_t version = static_cast<uint16_t>(p[n - 10] | (p[n - 9] << 8));
  if (version != kFormatVersion) return false;
  uint64_t crc = 0;
  for (int i = 0; i < 8; ++i) crc |= static_cast<uint64_t>(p[n - 8 + i]) << (8 * i);
  return crc64(0, p, n - 8) == crc;
}

DecodeStatus decode(std::string_view payload, Value& out, const ZSetLimits& zsetLimits) {
  if (!verify(payload)) return DecodeStatus::kBadChecksum;
  Reader r(payload.substr(0, payload.size() - kFooterSize));
  uint8_t typeByte, encByte;
  if (!r.byte(typeByte) || !r.byte(encByte)) return DecodeStatus::kBadFormat;
  if (typeByte > static_cast<uint8_t>(ValueType::kStream) ||
      encByte > static_cast<uint8_t>(Encoding::kStream)) {
    return DecodeStatus::kBadFormat;
  }
  const auto type = static_cast<ValueType>(typeByte);
  const auto hint = static_cast<Encoding>(encByte);
  if (!validHint(type, hint)) return DecodeStatus::kBadFormat;
  bool ok = false;
  switch (type) {
    case ValueType::kString:
      if (hint == Encoding::kInt) {
        uint64_t z;
        ok = r.varint(z);
        if (ok) out = Value::integer(static_cast<int64_t>((z >> 1) ^ (0 - (z & 1))));
      } else {
        std::string_view bytes;
        ok = r.bytes(bytes);
        // As Redis's rdbLoadObject + tryObjectEncoding: the loaded bytes pick their encoding.
        if (ok) out = Value::string(bytes);
      }
      break;
    case ValueType::kList:
      ok = decodeList(r, out);
      break;
    case ValueType::kSet:
      ok = decodeSet(r, out);
      break;
    case ValueType::kHash:
      ok = decodeHash(r, out);
      break;
    case ValueType::kZSet:
      ok = decodeZSet(r, out, zsetLimits);
      break;
    case ValueType::kStream:
      ok = decodeStream(r, out);
      break;
  }
  if (!ok || r.left() != 0) return DecodeStatus::kBadFormat;
  return DecodeStatus::kOk;
}

}  // namespace strata::node::codec
