// The proxy's knowledge of commands, learned at start-up from a backend's COMMAND reply instead
// of a hand-written list, so new commands route correctly: arity, flags and Redis 7 key specs
// (begin_search index/keyword, find_keys range/keynum), subcommands included ("object|encoding").
// Built once by the topology thread and shared read-only (shared_ptr<const CommandTable>) by
// every worker; keyPositions() runs on the request path and does not allocate once `out` has
// grown to the command's key count.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/resp/reply_parser.h"

namespace strata::proxy {

enum CommandFlag : uint32_t {
  kFlagWrite = 1u << 0,
  kFlagReadonly = 1u << 1,
  kFlagBlocking = 1u << 2,
  kFlagPubsub = 1u << 3,
  kFlagMovableKeys = 1u << 4,
  kFlagAdmin = 1u << 5,
  kFlagNoScript = 1u << 6,
  kFlagNotKeyChannel = 1u << 7,  // the "key" is a shard channel (SPUBLISH, SSUBSCRIBE)
};

struct KeySpec {
  enum class Begin : uint8_t { kIndex, kKeyword, kUnknown } begin = Begin::kUnknown;
  enum class Find : uint8_t { kRange, kKeynum, kUnknown } find = Find::kUnknown;
  int index = 0;        // begin index
  std::string keyword;  // begin keyword (upper case)
  int startFrom = 0;    // keyword search start (negative: from the end, backwards)
  int lastKey = 0;      // range
  int keyStep = 1;      // range and keynum
  int limit = 0;        // range
  int keyNumIdx = 0;    // keynum
  int firstKey = 1;     // keynum
  // Flag "incomplete" (MIGRATE's KEYS): when it matches, Redis uses the command's getkeys proc.
  bool incomplete = false;
};

struct CommandInfo;
// Name-keyed maps looked up by string_view (no std::string per request): FNV-1a over the few
// bytes of a command name.
struct CommandNameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const {
    uint64_t h = 1469598103934665603ull;
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return static_cast<size_t>(h);
  }
};
using CommandMap = std::unordered_map<std::string, CommandInfo, CommandNameHash, std::equal_to<>>;

struct CommandInfo {
  std::string name;  // lower case; "container|sub" for subcommands
  int arity = 0;     // Redis arity: negative means "at least -arity"
  uint32_t flags = 0;
  uint16_t id = 0;         // dense index (1..size), for per-command arrays such as metrics
  bool special = false;    // the proxy handles it itself (answers, splits, fans out, pins)
  bool oneKeyAt1 = false;  // its only key spec is argv[1] (GET, SET ...): keyPositions' fast path
  std::vector<KeySpec> keySpecs;
  CommandMap subcommands;  // keyed by lower-case sub name

  bool has(CommandFlag f) const { return (flags & f) != 0; }
  bool arityOk(size_t argc) const {
    return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
  }
};

class CommandTable {
 public:
  CommandTable() = default;
  CommandTable(const CommandTable&) = delete;  // index_ points into commands_
  // Parses a COMMAND reply (RESP2 or RESP3 shapes). Returns nullptr and sets `error` if the reply
  // is not a command list.
  static std::shared_ptr<CommandTable> fromCommandReply(const resp::Value& reply,
                                                        std::string& error);

  // The command for argv (resolving a subcommand when the command has them), or nullptr.
  const CommandInfo* lookup(const std::vector<std::string_view>& args) const;

  // Appends to `out` the argv indexes of every key of the command, per its key specs. Returns
  // false when the arguments don't fit the specs (e.g. a bad numkeys): the backend will answer.
  static bool keyPositions(const CommandInfo& info, const std::vector<std::string_view>& args,
                           std::vector<uint32_t>& out);

  size_t size() const { return commands_.size(); }
  // Highest CommandInfo::id handed out (subcommands included).
  uint16_t maxId() const { return maxId_; }
  // The original COMMAND reply, re-served by the proxy for COMMAND / COMMAND INFO / COUNT.
  const resp::Value& raw() const { return raw_; }

 private:
  // Fills index_ from commands_ (after the last change to commands_).
  void buildIndex();

  CommandMap commands_;
  // Top-level commands by name for lookup(): open addressing over a power-of-two table at most a
  // quarter full, keyed by the lower-cased first 8 bytes of the name (one integer: most names
  // entirely) and its length, so a lookup folds the case of a few bytes at once and compares one
  // or two slots instead of lower-casing a copy, hashing it and walking an unordered_map bucket.
  struct IndexSlot {
    uint64_t head = 0;  // lower-cased first 8 bytes, zero padded
    size_t size = 0;
    const CommandInfo* info = nullptr;  // null: an empty slot
  };
  size_t slotFor(uint64_t head, size_t size) const;
  std::vector<IndexSlot> index_;
  int indexShift_ = 60;
  resp::Value raw_;
  uint16_t maxId_ = 0;
};

}  // namespace strata::proxy
