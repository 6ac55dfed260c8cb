// StreamObject (stream.h): packed nodes, ID parsing, trimming, range walks and consumer groups,
// following Redis 7.0's t_stream.c step by step where the observable result depends on it
// (node split rule, streamTrim, the entries-read / lag estimates).
#include "node/keyspace/stream.h"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "node/keyspace/listpack.h"

namespace strata::node {

namespace {

constexpr uint8_t kFlagDeleted = 1;
constexpr uint8_t kFlagSameFields = 2;

// Per-node bookkeeping the accounting charges besides the packed bytes (map node + Node).
constexpr size_t kNodeOverhead = 96;
constexpr size_t kNackBytes = 96;       // group PEL map node + consumer PEL set node
constexpr size_t kConsumerBytes = 112;  // consumer + its map node
constexpr size_t kGroupBytes = 160;

void putVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

uint64_t getVarint(const std::string& s, size_t& pos) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<uint8_t>(s[pos++]);
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return v;
  }
}

void putBytes(std::string& out, std::string_view s) {
  putVarint(out, s.size());
  out.append(s);
}

std::string_view getBytes(const std::string& s, size_t& pos) {
  const size_t n = getVarint(s, pos);
  std::string_view v(s.data() + pos, n);
  pos += n;
  return v;
}

// string2ull: string2ll, else strtoull (which takes leading spaces and '+').
bool string2ull(std::string_view s, uint64_t& out) {
  int64_t ll;
  if (parseCanonicalInt(s, ll)) {
    if (ll < 0) return false;
    out = static_cast<uint64_t>(ll);
    return true;
  }
  if (s.empty() || s.size() > 127) return false;
  char buf[128];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  if (std::memchr(buf, '\0', s.size()) != nullptr) return false;
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(buf, &end, 10);
  if (errno == EINVAL || errno == ERANGE || *end != '\0') return false;
  out = v;
  return true;
}

}  // namespace

// ---- StreamID ----

bool StreamID::incr() {
  if (seq == UINT64_MAX) {
    if (ms == UINT64_MAX) return false;
    ++ms;
    seq = 0;
  } else {
    ++seq;
  }
  return true;
}

bool StreamID::decr() {
  if (seq == 0) {
    if (ms == 0) return false;
    --ms;
    seq = UINT64_MAX;
  } else {
    --seq;
  }
  return true;
}

std::string_view StreamID::format(char* buf) const {
  auto r = std::to_chars(buf, buf + 21, ms);
  *r.ptr++ = '-';
  r = std::to_chars(r.ptr, r.ptr + 21, seq);
  return {buf, static_cast<size_t>(r.ptr - buf)};
}

std::string StreamID::str() const {
  char buf[48];
  return std::string(format(buf));
}

bool parseStreamID(std::string_view s, StreamID& out, uint64_t missingSeq, bool* seqGiven,
                   bool allowAutoSeq, bool strict) {
  if (s.size() > 127) return false;
  if (strict && s.size() == 1 && (s[0] == '-' || s[0] == '+')) return false;
  if (seqGiven) *seqGiven = true;
  if (s == "-") {
    out = StreamID::min();
    return true;
  }
  if (s == "+") {
    out = StreamID::max();
    return true;
  }
  // The C string ends at an embedded NUL.
  if (auto nul = s.find('\0'); nul != std::string_view::npos) s = s.substr(0, nul);
  const size_t dash = s.find('-');
  uint64_t ms = 0, seq = missingSeq;
  if (!string2ull(s.substr(0, dash), ms)) return false;
  if (dash != std::string_view::npos) {
    std::string_view rest = s.substr(dash + 1);
    if (allowAutoSeq && rest == "*") {
      seq = 0;
      if (seqGiven) *seqGiven = false;
    } else if (!string2ull(rest, seq)) {
      return false;
    }
  }
  out = {ms, seq};
  return true;
}

// ---- consumer groups ----

StreamConsumer* ConsumerGroup::findConsumer(std::string_view name) const {
  auto it = consumers.find(name);
  return it == consumers.end() ? nullptr : it->second.get();
}

StreamConsumer* ConsumerGroup::createConsumer(std::string_view name, int64_t now) {
  auto c = std::make_unique<StreamConsumer>();
  c->name = std::string(name);
  c->seenTime = now;
  StreamConsumer* raw = c.get();
  consumers.emplace(c->name, std::move(c));
  return raw;
}

size_t ConsumerGroup::deleteConsumer(std::string_view name) {
  auto it = consumers.find(name);
  if (it == consumers.end()) return 0;
  const size_t pending = it->second->pel.size();
  for (const StreamID& id : it->second->pel) pel.erase(id);
  consumers.erase(it);
  return pending;
}

// ---- StreamObject ----

ConsumerGroup* StreamObject::findGroup(std::string_view name) const {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : it->second.get();
}

size_t StreamObject::memoryUsage() const {
  size_t bytes = sizeof(StreamObject) + dataBytes_;
  for (const auto& [name, g] : groups_) {
    bytes += kGroupBytes + name.size() + g->pel.size() * kNackBytes;
    for (const auto& [cname, c] : g->consumers) bytes += kConsumerBytes + cname.size() * 2;
  }
  return bytes;
}

std::unique_ptr<Object> StreamObject::clone() const {
  auto s = std::make_unique<StreamObject>();
  s->nodes_ = nodes_;
  s->length_ = length_;
  s->lastId_ = lastId_;
  s->firstId_ = firstId_;
  s->maxDeletedId_ = maxDeletedId_;
  s->entriesAdded_ = entriesAdded_;
  s->dataBytes_ = dataBytes_;
  for (const auto& [name, g] : groups_) {
    auto ng = std::make_unique<ConsumerGroup>();
    ng->lastId = g->lastId;
    ng->entriesRead = g->entriesRead;
    for (const auto& [cname, c] : g->consumers) {
      StreamConsumer* nc = ng->createConsumer(cname, c->seenTime);
      nc->pel = c->pel;
    }
    for (const auto& [id, nack] : g->pel) {
      StreamNACK n = nack;
      n.consumer = ng->findConsumer(nack.consumer->name);
      ng->pel.emplace(id, n);
    }
    s->groups_.emplace(name, std::move(ng));
  }
  return s;
}

size_t StreamObject::decode(const Node& n, StreamID master, size_t pos, uint8_t& flags,
                            StreamID& id, std::vector<std::string_view>* fv) {
  const std::string& d = n.data;
  flags = static_cast<uint8_t>(d[pos++]);
  const uint64_t msDelta = getVarint(d, pos);
  const uint64_t seqField = getVarint(d, pos);
  id.ms = master.ms + msDelta;
  id.seq = msDelta == 0 ? master.seq + seqField : seqField;
  if (fv) fv->clear();
  if (flags & kFlagSameFields) {
    for (const auto& f : n.masterFields) {
      std::string_view v = getBytes(d, pos);
      if (fv) {
        fv->push_back(f);
        fv->push_back(v);
      }
    }
  } else {
    const uint64_t nf = getVarint(d, pos);
    for (uint64_t i = 0; i < nf; ++i) {
      std::string_view f = getBytes(d, pos);
      std::string_view v = getBytes(d, pos);
      if (fv) {
        fv->push_back(f);
        fv->push_back(v);
      }
    }
  }
  return pos;
}

void StreamObject::append(StreamID id, const std::string_view* fv, size_t n) {
  const size_t pairs = n / 2;
  size_t totelelen = 0;
  for (size_t i = 0; i < n; ++i) totelelen += fv[i].size();
  Node* node = nullptr;
  StreamID master;
  if (!nodes_.empty()) {
    auto last = std::prev(nodes_.end());
    Node& t = last->second;
    if (!(t.lpBytes + totelelen >= kNodeMaxBytes || t.live + t.deleted >= kNodeMaxEntries)) {
      node = &t;
      master = last->first;
    }
  }
  if (node == nullptr) {
    master = id;
    node = &nodes_[id];
    dataBytes_ += kNodeOverhead;
    // Master entry: count, deleted, num-fields, fields..., 0; plus the listpack header/end.
    node->lpBytes = 7 + redisListpackIntSize(1) + redisListpackIntSize(0) +
                    redisListpackIntSize(static_cast<int64_t>(pairs)) + redisListpackIntSize(0);
    for (size_t i = 0; i < pairs; ++i) {
      node->masterFields.emplace_back(fv[i * 2]);
      node->lpBytes += redisListpackStringSize(fv[i * 2]);
      dataBytes_ += fv[i * 2].size() + 32;
    }
  }
  bool same = node->masterFields.size() == pairs;
  for (size_t i = 0; same && i < pairs; ++i) same = node->masterFields[i] == fv[i * 2];
  const size_t before = node->data.size();
  std::string& d = node->data;
  d.push_back(static_cast<char>(same ? kFlagSameFields : 0));
  const uint64_t msDelta = id.ms - master.ms;
  const uint64_t seqField = msDelta == 0 ? id.seq - master.seq : id.seq;
  putVarint(d, msDelta);
  putVarint(d, seqField);
  size_t lp = redisListpackIntSize(same ? kFlagSameFields : 0) +
              redisListpackIntSize(static_cast<int64_t>(msDelta)) +
              redisListpackIntSize(static_cast<int64_t>(id.seq - master.seq));
  if (same) {
    for (size_t i = 0; i < pairs; ++i) {
      putBytes(d, fv[i * 2 + 1]);
      lp += redisListpackStringSize(fv[i * 2 + 1]);
    }
    lp += redisListpackIntSize(static_cast<int64_t>(pairs + 3));
  } else {
    putVarint(d, pairs);
    lp += redisListpackIntSize(static_cast<int64_t>(pairs));
    for (size_t i = 0; i < n; ++i) {
      putBytes(d, fv[i]);
      lp += redisListpackStringSize(fv[i]);
    }
    lp += redisListpackIntSize(static_cast<int64_t>(pairs * 2 + 4));
  }
  node->lpBytes += lp;
  node->live++;
  node->lastId = id;
  dataBytes_ += d.size() - before;
  length_++;
  entriesAdded_++;
  lastId_ = id;
  if (length_ == 1) firstId_ = id;
}

bool StreamObject::remove(StreamID id) {
  if (nodes_.empty()) return false;
  auto it = nodes_.upper_bound(id);
  if (it != nodes_.begin()) --it;
  // The walk of range(): a node whose entries all precede `id` is passed, the first live entry
  // past `id` ends the search.
  for (; it != nodes_.end(); ++it) {
    Node& n = it->second;
    if (n.lastId < id) continue;
    size_t pos = 0;
    while (pos < n.data.size()) {
      const size_t at = pos;
      uint8_t flags;
      StreamID cur;
      pos = decode(n, it->first, pos, flags, cur, nullptr);
      // Tombstones are skipped, not compared: after XSETID below a deleted entry, a later entry
      // of the same node can have a smaller ID (streamDeleteItem's iterator skips them too).
      if ((flags & kFlagDeleted) || cur < id) continue;
      if (cur > id) return false;
      n.data[at] = static_cast<char>(flags | kFlagDeleted);
      n.live--;
      n.deleted++;
      length_--;
      if (n.live == 0) {
        dataBytes_ -= kNodeOverhead + n.data.size();
        for (const auto& f : n.masterFields) dataBytes_ -= f.size() + 32;
        nodes_.erase(it);
      }
      // XDEL keeps first-entry and max-deleted bookkeeping (7.0's xdelCommand).
      if (id > maxDeletedId_) maxDeletedId_ = id;
      if (length_ == 0) {
        firstId_ = {};
      } else if (id == firstId_) {
        refreshFirstId();
      }
      return true;
    }
  }
  return false;
}

void StreamObject::refreshFirstId() {
  StreamID id;
  if (edgeId(true, id)) {
    firstId_ = id;
  } else {
    firstId_ = {};
  }
}

int64_t StreamObject::trimInside(NodeMap::iterator it, const std::function<bool(StreamID)>& more) {
  Node& n = it->second;
  int64_t removed = 0;
  size_t pos = 0;
  while (pos < n.data.size()) {
    const size_t at = pos;
    uint8_t flags;
    StreamID cur;
    pos = decode(n, it->first, pos, flags, cur, nullptr);
    if (!more(cur)) break;
    if (!(flags & kFlagDeleted)) {
      n.data[at] = static_cast<char>(flags | kFlagDeleted);
      n.live--;
      n.deleted++;
      length_--;
      removed++;
    }
  }
  return removed;
}

int64_t StreamObject::trimMaxlen(uint64_t maxlen, bool approx, int64_t limit) {
  int64_t removed = 0;
  auto it = nodes_.begin();
  while (it != nodes_.end()) {
    if (length_ <= maxlen) break;
    Node& n = it->second;
    const int64_t entries = n.live;
    if (limit && removed + entries > limit) break;
    if (length_ - entries >= maxlen) {
      dataBytes_ -= kNodeOverhead + n.data.size();
      for (const auto& f : n.masterFields) dataBytes_ -= f.size() + 32;
      length_ -= entries;
      removed += entries;
      it = nodes_.erase(it);
      continue;
    }
    if (approx) break;
    removed += trimInside(it, [&](StreamID) { return length_ > maxlen; });
    break;
  }
  if (length_ == 0) {
    firstId_ = {};
  } else {
    refreshFirstId();
  }
  return removed;
}

int64_t StreamObject::trimMinid(StreamID minid, bool approx, int64_t limit) {
  int64_t removed = 0;
  auto it = nodes_.begin();
  while (it != nodes_.end()) {
    Node& n = it->second;
    const int64_t entries = n.live;
    if (limit && removed + entries > limit) break;
    if (n.lastId < minid) {
      dataBytes_ -= kNodeOverhead + n.data.size();
      for (const auto& f : n.masterFields) dataBytes_ -= f.size() + 32;
      length_ -= entries;
      removed += entries;
      it = nodes_.erase(it);
      continue;
    }
    if (approx) break;
    removed += trimInside(it, [&](StreamID id) { return id < minid; });
    break;
  }
  if (length_ == 0) {
    firstId_ = {};
  } else {
    refreshFirstId();
  }
  return removed;
}

void StreamObject::range(StreamID start, StreamID end, bool rev,
                         const std::function<bool(const StreamEntryView&)>& fn) const {
  if (nodes_.empty() || start > end) return;
  thread_local std::vector<std::string_view> fv;
  StreamEntryView view;
  view.fv = &fv;
  if (!rev) {
    auto it = nodes_.upper_bound(start);
    if (it != nodes_.begin()) --it;
    // As streamIteratorGetID: only a live entry past `end` ends the walk, a tombstone (or a node
    // key: its master entry may be one) past `end` does not, since an entry appended after
    // XSETID lowered the last ID can follow it with a smaller ID.
    for (; it != nodes_.end(); ++it) {
      const Node& n = it->second;
      if (n.lastId < start) continue;
      size_t pos = 0;
      while (pos < n.data.size()) {
        uint8_t flags;
        StreamID cur;
        // Only decode the fields of entries that are reported.
        size_t next = decode(n, it->first, pos, flags, cur, nullptr);
        if (cur >= start && !(flags & kFlagDeleted)) {
          if (cur > end) return;
          decode(n, it->first, pos, flags, cur, &fv);
          view.id = cur;
          if (!fn(view)) return;
        }
        pos = next;
      }
    }
    return;
  }
  auto it = nodes_.upper_bound(end);
  std::vector<size_t> offsets;
  while (it != nodes_.begin()) {
    --it;
    const Node& n = it->second;
    if (n.lastId < start) return;
    offsets.clear();
    size_t pos = 0;
    while (pos < n.data.size()) {
      offsets.push_back(pos);
      uint8_t flags;
      StreamID cur;
      pos = decode(n, it->first, pos, flags, cur, nullptr);
    }
    for (size_t i = offsets.size(); i-- > 0;) {
      uint8_t flags;
      StreamID cur;
      decode(n, it->first, offsets[i], flags, cur, nullptr);
      if (cur > end || (flags & kFlagDeleted)) continue;
      if (cur < start) return;
      decode(n, it->first, offsets[i], flags, cur, &fv);
      view.id = cur;
      if (!fn(view)) return;
    }
  }
}

bool StreamObject::contains(StreamID id) const {
  bool found = false;
  range(id, id, false, [&](const StreamEntryView&) {
    found = true;
    return false;
  });
  return found;
}

bool StreamObject::edgeId(bool first, StreamID& out) const {
  bool found = false;
  range(StreamID::min(), StreamID::max(), !first, [&](const StreamEntryView& e) {
    out = e.id;
    found = true;
    return false;
  });
  return found;
}

bool StreamObject::rangeHasTombstones(StreamID start, StreamID end) const {
  // streamRangeHasTombstones: only the max-deleted-id is known, as Redis.
  if (length_ == 0 || maxDeletedId_.isZero()) return false;
  if (firstId_ > maxDeletedId_) return false;
  return start <= maxDeletedId_ && maxDeletedId_ <= end;
}

int64_t StreamObject::estimateDistanceFromFirstEver(StreamID id) const {
  // streamEstimateDistanceFromFirstEverEntry (7.0).
  if (entriesAdded_ == 0) return 0;
  if (length_ == 0 && id <= lastId_) return static_cast<int64_t>(entriesAdded_);
  if (id == lastId_) return static_cast<int64_t>(entriesAdded_);
  if (id > lastId_) return kInvalidEntriesRead;
  if (maxDeletedId_.isZero() || maxDeletedId_ < firstId_) {
    if (id < firstId_) return static_cast<int64_t>(entriesAdded_ - length_);
    if (id == firstId_) return static_cast<int64_t>(entriesAdded_ - length_ + 1);
  }
  return kInvalidEntriesRead;
}

std::optional<int64_t> StreamObject::groupLag(const ConsumerGroup& g) const {
  // streamReplyWithCGLag.
  if (entriesAdded_ == 0) return 0;
  if (g.entriesRead != kInvalidEntriesRead && !rangeHasTombstones(g.lastId, StreamID::max())) {
    return static_cast<int64_t>(entriesAdded_) - g.entriesRead;
  }
  const int64_t read = estimateDistanceFromFirstEver(g.lastId);
  if (read == kInvalidEntriesRead) return std::nullopt;
  return static_cast<int64_t>(entriesAdded_) - read;
}

void StreamObject::forEachNode(
    const std::function<void(const NodeView&)>& onNode,
    const std::function<void(uint8_t, const StreamEntryView&)>& onEntry) const {
  std::vector<std::string_view> fv;
  StreamEntryView view;
  view.fv = &fv;
  for (const auto& [master, n] : nodes_) {
    onNode(NodeView{master, &n.masterFields, n.live, n.deleted});
    uint8_t flags;
    for (size_t pos = 0; pos < n.data.size();) {
      pos = decode(n, master, pos, flags, view.id, &fv);
      onEntry(flags, view);
    }
  }
}

std::vector<size_t> StreamObject::nodeSizes() const {
  std::vector<size_t> out;
  for (const auto& [id, n] : nodes_) out.push_back(n.live + n.deleted);
  return out;
}

std::vector<StreamID> StreamObject::nodeKeys() const {
  std::vector<StreamID> out;
  out.reserve(nodes_.size());
  for (const auto& [id, n] : nodes_) out.push_back(id);
  return out;
}

}  // namespace strata::node
