// writeSnapshot (snapshot.h): walks every live key and emits the RESP commands that recreate it,
// buffered into ~64 KB chunks. Const walk only: safe in the AOF rewrite child after fork().
#include "node/persistence/snapshot.h"

#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

#include "node/keyspace/containers.h"
#include "node/keyspace/stream.h"
#include "node/keyspace/zset.h"
#include "node/persistence/propagation.h"

namespace strata::node {

namespace {

constexpr size_t kChunkBytes = 64 * 1024;

class SnapshotWriter {
 public:
  explicit SnapshotWriter(const std::function<bool(std::string_view)>& out) : out_(out) {
    buf_.reserve(kChunkBytes * 2);
  }

  bool ok() const { return ok_; }

  void command(const std::vector<std::string_view>& argv) {
    if (!ok_) return;
    appendRespCommand(buf_, argv);
    if (buf_.size() >= kChunkBytes) drain();
  }

  bool finish() {
    drain();
    return ok_;
  }

  // Emits `verb key items...` in commands of at most kSnapshotItemsPerCommand items, each item
  // being `per` arguments (1 for lists and sets, 2 for hash fields and zset entries).
  template <typename It, typename Emit>
  void batched(std::string_view verb, std::string_view key, It begin, It end, size_t per,
               Emit emit) {
    argv_.clear();
    for (It it = begin; it != end; ++it) {
      if (argv_.empty()) {
        argv_.push_back(verb);
        argv_.push_back(key);
      }
      emit(*it, argv_);
      if ((argv_.size() - 2) / per >= kSnapshotItemsPerCommand) {
        command(argv_);
        argv_.clear();
      }
    }
    if (!argv_.empty()) command(argv_);
  }

 private:
  void drain() {
    if (!ok_ || buf_.empty()) return;
    ok_ = out_(buf_);
    buf_.clear();
  }

  const std::function<bool(std::string_view)>& out_;
  std::string buf_;
  std::vector<std::string_view> argv_;
  bool ok_ = true;
};

// Redis's rewriteStreamObject: XADD per entry (an empty stream: XADD MAXLEN 0 0-1 x y), XSETID
// with ENTRIESADDED and MAXDELETEDID, then per group XGROUP CREATE ... ENTRIESREAD, XCLAIM ...
// TIME RETRYCOUNT JUSTID FORCE per pending entry and XGROUP CREATECONSUMER for idle consumers.
void writeStream(SnapshotWriter& w, std::string_view key, const StreamObject& s) {
  std::vector<std::string_view> argv;
  char idBuf[48];
  if (s.length() > 0) {
    s.range(StreamID::min(), StreamID::max(), false, [&](const StreamEntryView& e) {
      argv.assign({"XADD", key, e.id.format(idBuf)});
      argv.insert(argv.end(), e.fv->begin(), e.fv->end());
      w.command(argv);
      return w.ok();
    });
  } else {
    w.command({"XADD", key, "MAXLEN", "0", "0-1", "x", "y"});
  }
  const std::string last = s.lastId().str(), maxDel = s.maxDeletedId().str();
  const std::string added = std::to_string(s.entriesAdded());
  w.command({"XSETID", key, last, "ENTRIESADDED", added, "MAXDELETEDID", maxDel});
  for (const auto& [name, g] : s.groups()) {
    const std::string gl = g->lastId.str(), read = std::to_string(g->entriesRead);
    w.command({"XGROUP", "CREATE", key, name, gl, "ENTRIESREAD", read});
    for (const auto& [cname, c] : g->consumers) {
      if (c->pel.empty()) {
        w.command({"XGROUP", "CREATECONSUMER", key, name, cname});
        continue;
      }
      for (const StreamID& id : c->pel) {
        const StreamNACK& nack = g->pel.at(id);
        const std::string ids = id.str(), time = std::to_string(nack.deliveryTime);
        const std::string count = std::to_string(nack.deliveryCount);
        w.command({"XCLAIM", key, name, cname, "0", ids, "TIME", time, "RETRYCOUNT", count,
                   "JUSTID", "FORCE"});
      }
    }
  }
}

}  // namespace

std::function<std::string()>& snapshotPrelude() {
  static std::function<std::string()> prelude;
  return prelude;
}

void setSnapshotPrelude(std::function<std::string()> prelude) {
  snapshotPrelude() = std::move(prelude);
}

bool writeSnapshot(const Keyspace& ks, const std::function<bool(std::string_view)>& out) {
  if (snapshotPrelude()) {
    const std::string prelude = snapshotPrelude()();
    if (!prelude.empty() && !out(prelude)) return false;
  }
  SnapshotWriter w(out);
  ks.forEach([&](const Entry& e) {
    if (!w.ok()) return;
    const std::string_view key = e.key();
    switch (e.type()) {
      case ValueType::kString: {
        char scratch[24];
        w.command({"SET", key, e.stringView(scratch)});
        break;
      }
      case ValueType::kList: {
        const auto items = static_cast<const ListObject*>(e.object())->views();
        w.batched("RPUSH", key, items.begin(), items.end(), 1,
                  [](std::string_view v, std::vector<std::string_view>& a) { a.push_back(v); });
        break;
      }
      case ValueType::kSet: {
        const auto* s = static_cast<const SetObject*>(e.object());
        // An intset's members are formatted on the fly: strings first, then views of them.
        std::vector<std::string> ints;
        std::vector<std::string_view> members;
        if (s->intset()) {
          ints = s->list();
          members.assign(ints.begin(), ints.end());
        } else {
          members.reserve(s->size());
          s->forEach([&](std::string_view m) { members.push_back(m); });
        }
        w.batched("SADD", key, members.begin(), members.end(), 1,
                  [](std::string_view m, std::vector<std::string_view>& a) { a.push_back(m); });
        break;
      }
      case ValueType::kHash: {
        std::vector<std::pair<std::string_view, std::string_view>> map;
        const auto* h = static_cast<const HashObject*>(e.object());
        map.reserve(h->size());
        h->forEach([&](std::string_view f, std::string_view v) { map.emplace_back(f, v); });
        w.batched("HSET", key, map.begin(), map.end(), 2,
                  [](const auto& kv, std::vector<std::string_view>& a) {
                    a.push_back(kv.first);
                    a.push_back(kv.second);
                  });
        break;
      }
      case ValueType::kZSet: {
        // ZADD key score member ..., ascending; scores as "%.17g" (exact round trip; "inf").
        const auto* z = static_cast<const ZSetObject*>(e.object());
        std::vector<std::pair<std::string_view, std::string>> items;
        items.reserve(z->size());
        z->walk(0, z->size(), false, [&](std::string_view m, double s) {
          char buf[32];
          int n = std::snprintf(buf, sizeof(buf), "%.17g", s);
          items.emplace_back(m, std::string(buf, static_cast<size_t>(n)));
        });
        w.batched("ZADD", key, items.begin(), items.end(), 2,
                  [](const auto& it, std::vector<std::string_view>& a) {
                    a.push_back(it.second);
                    a.push_back(it.first);
                  });
        break;
      }
      case ValueType::kStream:
        writeStream(w, key, *static_cast<const StreamObject*>(e.object()));
        break;
    }
    const Millis at = ks.expireAt(&e);
    if (at >= 0) {
      char buf[24];
      auto res = std::to_chars(buf, buf + sizeof(buf), at);
      w.command({"PEXPIREAT", key, std::string_view(buf, static_cast<size_t>(res.ptr - buf))});
    }
  });
  return w.finish();
}

}  // namespace strata::node
