// writeSnapshot (snapshot.h): walks every live key and emits the RESP commands that recreate it,
// buffered into ~64 KB chunks. Const walk only: safe in the AOF rewrite child after fork().
#include "node/persistence/snapshot.h"

#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

#include "node/keyspace/containers.h"
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

}  // namespace

bool writeSnapshot(const Keyspace& ks, const std::function<bool(std::string_view)>& out) {
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
        const auto& items = static_cast<const ListObject*>(e.object())->items();
        w.batched("RPUSH", key, items.begin(), items.end(), 1,
                  [](const std::string& v, std::vector<std::string_view>& a) { a.push_back(v); });
        break;
      }
      case ValueType::kSet: {
        const auto& members = static_cast<const SetObject*>(e.object())->members();
        w.batched("SADD", key, members.begin(), members.end(), 1,
                  [](const std::string& m, std::vector<std::string_view>& a) { a.push_back(m); });
        break;
      }
      case ValueType::kHash: {
        const auto& map = static_cast<const HashObject*>(e.object())->map();
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
        // TODO(streams): XADD/XSETID/XGROUP CREATE when streams land.
        return;
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
