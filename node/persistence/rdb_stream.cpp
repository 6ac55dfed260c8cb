// Streams in the RDB object serialization (t_stream.c's listpack node layout, rdb.c's stream
// body). A node's listpack is
//
//   master entry: count, deleted, num-fields, field_1..field_N, 0
//   each entry:   flags, ms-diff, seq-diff, [num-fields, field, value, ...] or (SAMEFIELDS flag)
//                 [value_1..value_N], lp-count
//
// IDs relative to the node's master ID (its 16-byte big-endian key). Saving writes our nodes as
// they are (StreamObject splits them by Redis's rule and keeps deleted entries as Redis does, so
// the bytes are redis-server's); loading re-appends every entry, deleted ones marked deleted
// again, so the node layout follows the source's.
#include "node/persistence/rdb_stream.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/persistence/rdb_blobs.h"

namespace strata::node::rdb {

namespace {

constexpr int64_t kFlagDeleted = 1;     // STREAM_ITEM_FLAG_DELETED
constexpr int64_t kFlagSameFields = 2;  // STREAM_ITEM_FLAG_SAMEFIELDS

void putId(std::string& out, StreamID id) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((id.ms >> (8 * i)) & 0xFF));
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((id.seq >> (8 * i)) & 0xFF));
}

StreamID getId(std::string_view p) {
  StreamID id;
  for (int i = 0; i < 8; ++i) id.ms = (id.ms << 8) | static_cast<uint8_t>(p[i]);
  for (int i = 8; i < 16; ++i) id.seq = (id.seq << 8) | static_cast<uint8_t>(p[i]);
  return id;
}

}  // namespace

void saveStream(const StreamObject& s, Writer& w) {
  w.len(s.nodeCount());
  std::string key, blob;
  std::optional<ListpackBuilder> lp;
  StreamID master;
  auto close = [&] {
    if (!lp) return;
    lp->finish();
    key.clear();
    putId(key, master);
    w.string(key);
    w.string(blob);
    lp.reset();
  };
  s.forEachNode(
      [&](const StreamObject::NodeView& n) {
        close();
        blob.clear();
        lp.emplace(blob);
        master = n.master;
        lp->addInt(n.live);
        lp->addInt(n.deleted);
        lp->addInt(static_cast<int64_t>(n.masterFields->size()));
        for (const std::string& f : *n.masterFields) lp->add(f);
        lp->addInt(0);  // master entry terminator
      },
      [&](uint8_t flags, const StreamEntryView& e) {
        lp->addInt(flags);
        lp->addInt(static_cast<int64_t>(e.id.ms - master.ms));
        lp->addInt(static_cast<int64_t>(e.id.seq - master.seq));
        const auto pairs = static_cast<int64_t>(e.pairs());
        if ((flags & kFlagSameFields) != 0) {
          for (size_t i = 0; i < e.pairs(); ++i) lp->add((*e.fv)[i * 2 + 1]);
          lp->addInt(pairs + 3);
        } else {
          lp->addInt(pairs);
          for (std::string_view f : *e.fv) lp->add(f);
          lp->addInt(pairs * 2 + 4);
        }
      });
  close();

  w.len(s.length());
  w.len(s.lastId().ms);
  w.len(s.lastId().seq);
  const StreamID first = s.length() > 0 ? s.firstId() : StreamID{};
  w.len(first.ms);
  w.len(first.seq);
  w.len(s.maxDeletedId().ms);
  w.len(s.maxDeletedId().seq);
  w.len(s.entriesAdded());
  w.len(s.groups().size());
  std::string id;
  for (const auto& [name, g] : s.groups()) {
    w.string(name);
    w.len(g->lastId.ms);
    w.len(g->lastId.seq);
    w.len(static_cast<uint64_t>(g->entriesRead));
    w.len(g->pel.size());
    for (const auto& [pid, nack] : g->pel) {
      id.clear();
      putId(id, pid);
      w.raw(id);
      w.millis(nack.deliveryTime);
      w.len(nack.deliveryCount);
    }
    w.len(g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      w.string(cname);
      w.millis(c->seenTime);
      w.len(c->pel.size());
      for (const StreamID& pid : c->pel) {
        id.clear();
        putId(id, pid);
        w.raw(id);
      }
    }
  }
}

namespace {

// Integer elements of a node as text, in buffers that stay put while an entry is appended.
using TextBufs = std::vector<std::array<char, PackedItem::kTextBuf>>;

bool nextInt(ListpackReader& lp, int64_t& v) {
  PackedItem it;
  if (!lp.next(it) || !it.isInt) return false;
  v = it.num;
  return true;
}

bool nextText(ListpackReader& lp, std::array<char, PackedItem::kTextBuf>& buf,
              std::string_view& out) {
  PackedItem it;
  if (!lp.next(it)) return false;
  out = it.text(buf.data());
  return true;
}

// Loads the entries of one node into `s`; `prev` is the last ID loaded so far (ascending check).
bool loadNode(std::string_view key, std::string_view blob, StreamObject& s, StreamID& prev,
              bool& any, uint64_t& live, StreamID& lastSeen) {
  const StreamID master = getId(key);
  ListpackReader lp(blob);
  int64_t count, deleted, numFields, zero;
  if (!nextInt(lp, count) || !nextInt(lp, deleted) || !nextInt(lp, numFields)) return false;
  if (count < 0 || deleted < 0 || numFields < 0 ||
      static_cast<size_t>(numFields) > blob.size() / 2) {
    return false;
  }
  TextBufs masterBufs(static_cast<size_t>(numFields));
  std::vector<std::string_view> masterFields(static_cast<size_t>(numFields));
  for (size_t i = 0; i < masterFields.size(); ++i) {
    if (!nextText(lp, masterBufs[i], masterFields[i])) return false;
  }
  if (!nextInt(lp, zero) || zero != 0) return false;
  TextBufs bufs;
  std::vector<std::string_view> fv;
  int64_t seenLive = 0, seenDeleted = 0;
  for (;;) {
    PackedItem flagsItem;
    if (!lp.next(flagsItem)) break;
    if (!flagsItem.isInt || flagsItem.num < 0 || flagsItem.num > 3) return false;
    const int64_t flags = flagsItem.num;
    int64_t msDiff, seqDiff;
    if (!nextInt(lp, msDiff) || !nextInt(lp, seqDiff)) return false;
    StreamID id{master.ms + static_cast<uint64_t>(msDiff),
                master.seq + static_cast<uint64_t>(seqDiff)};
    if (any && id <= prev) return false;
    int64_t fields = numFields;
    const bool same = (flags & kFlagSameFields) != 0;
    if (!same) {
      if (!nextInt(lp, fields) || fields < 0 || static_cast<size_t>(fields) > blob.size() / 4) {
        return false;
      }
    }
    const auto pairs = static_cast<size_t>(fields);
    bufs.resize(std::max(bufs.size(), pairs * 2));
    fv.resize(pairs * 2);
    for (size_t i = 0; i < pairs; ++i) {
      if (same) {
        fv[i * 2] = masterFields[i];
      } else if (!nextText(lp, bufs[i * 2], fv[i * 2])) {
        return false;
      }
      if (!nextText(lp, bufs[i * 2 + 1], fv[i * 2 + 1])) return false;
    }
    int64_t lpCount;
    const auto want = static_cast<int64_t>(same ? pairs + 3 : pairs * 2 + 4);
    if (!nextInt(lp, lpCount) || lpCount != want) return false;
    if (pairs == 0) return false;  // XADD needs a field; Redis's deep check refuses none
    s.append(id, fv.data(), fv.size());
    if ((flags & kFlagDeleted) != 0) {
      s.remove(id);
      ++seenDeleted;
    } else {
      ++seenLive;
      ++live;
    }
    prev = id;
    lastSeen = id;
    any = true;
  }
  if (lp.failed()) return false;
  // The master entry's counters must describe the node; an empty node is corrupt.
  return seenLive == count && seenDeleted == deleted && seenLive + seenDeleted > 0;
}

bool readId(Reader& r, StreamID& id) {
  return r.len(id.ms) && r.len(id.seq);
}

bool readRawId(Reader& r, StreamID& id) {
  std::string_view p;
  if (!r.raw(16, p)) return false;
  id = getId(p);
  return true;
}

}  // namespace

LoadStatus loadStream(uint8_t type, Reader& r, Value& out) {
  auto s = std::make_unique<StreamObject>();
  uint64_t nodes;
  if (!r.len(nodes)) return LoadStatus::kBadFormat;
  StreamID prev, lastSeen;
  bool any = false;
  uint64_t live = 0;
  for (uint64_t i = 0; i < nodes; ++i) {
    std::string_view keyView, blob;
    if (!r.stringView(keyView) || keyView.size() != 16) return LoadStatus::kBadFormat;
    char key[16];
    std::memcpy(key, keyView.data(), 16);  // the blob may reuse the reader's scratch
    if (!r.stringView(blob)) return LoadStatus::kBadFormat;
    if (!loadNode(std::string_view(key, 16), blob, *s, prev, any, live, lastSeen)) {
      return LoadStatus::kBadFormat;
    }
  }
  uint64_t length;
  StreamID last, first, maxDeleted;
  uint64_t added = live;
  if (!r.len(length) || !readId(r, last)) return LoadStatus::kBadFormat;
  if (type >= kTypeStreamListpacks2) {
    if (!readId(r, first) || !readId(r, maxDeleted) || !r.len(added)) {
      return LoadStatus::kBadFormat;
    }
  }
  if (length != live || (any && lastSeen > last) || added < live) return LoadStatus::kBadFormat;
  s->setLastId(last);
  s->setEntriesAdded(added);
  s->setMaxDeletedId(maxDeleted);

  uint64_t groups;
  if (!r.len(groups)) return LoadStatus::kBadFormat;
  for (uint64_t i = 0; i < groups; ++i) {
    std::string name;
    auto g = std::make_unique<ConsumerGroup>();
    if (!r.string(name) || !readId(r, g->lastId)) return LoadStatus::kBadFormat;
    if (type >= kTypeStreamListpacks2) {
      uint64_t read;
      if (!r.len(read)) return LoadStatus::kBadFormat;
      g->entriesRead = static_cast<int64_t>(read);
    } else {
      g->entriesRead = s->estimateDistanceFromFirstEver(g->lastId);
    }
    uint64_t pel;
    if (!r.len(pel)) return LoadStatus::kBadFormat;
    for (uint64_t j = 0; j < pel; ++j) {
      StreamID id;
      StreamNACK nack;
      uint64_t deliveries;
      if (!readRawId(r, id) || !r.millis(nack.deliveryTime) || !r.len(deliveries)) {
        return LoadStatus::kBadFormat;
      }
      nack.deliveryCount = deliveries;
      nack.consumer = nullptr;
      if (!g->pel.emplace(id, nack).second) return LoadStatus::kBadFormat;  // duplicate
    }
    uint64_t consumers;
    if (!r.len(consumers)) return LoadStatus::kBadFormat;
    for (uint64_t j = 0; j < consumers; ++j) {
      std::string_view cname;
      int64_t seen, active;
      if (!r.stringView(cname) || g->findConsumer(cname) != nullptr || !r.millis(seen)) {
        return LoadStatus::kBadFormat;
      }
      if (type >= kTypeStreamListpacks3 && !r.millis(active)) return LoadStatus::kBadFormat;
      StreamConsumer* c = g->createConsumer(cname, seen);
      uint64_t owned;
      if (!r.len(owned)) return LoadStatus::kBadFormat;
      for (uint64_t k = 0; k < owned; ++k) {
        StreamID id;
        if (!readRawId(r, id)) return LoadStatus::kBadFormat;
        auto it = g->pel.find(id);
        // Every consumer entry is in the group PEL, owned by exactly one consumer.
        if (it == g->pel.end() || it->second.consumer != nullptr) return LoadStatus::kBadFormat;
        it->second.consumer = c;
        c->pel.insert(id);
      }
    }
    for (const auto& [id, nack] : g->pel) {
      if (nack.consumer == nullptr) return LoadStatus::kBadFormat;  // an orphan pending entry
    }
    if (!s->groups().emplace(std::move(name), std::move(g)).second) return LoadStatus::kBadFormat;
  }
  out = Value::object(ValueType::kStream, Encoding::kStream, std::move(s));
  return LoadStatus::kOk;
}

}  // namespace strata::node::rdb
