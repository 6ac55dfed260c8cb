// The command registry: every command the node implements, declared once (command_defs.cpp,
// generated from redis-server 7.0's COMMAND INFO/DOCS) with its arity, flags, ACL categories,
// tips, legacy first/last/step, Redis 7 key specs, docs and handler; subcommands nested under
// their container (CLIENT, CONFIG, OBJECT, COMMAND). CommandTable indexes it by lower-case name
// and renders COMMAND INFO / DOCS exactly as Redis 7.0 does; command_keys.h finds the keys.
// The flags the per-command gates test are bits (CommandDef::flagBits, set when the table loads;
// hasFlag("write") resolves the name at compile time), so no gate compares strings.
// Immutable after start-up; event-loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/resp/writer.h"

namespace strata::node {

struct CommandContext;
using Handler = void (*)(CommandContext&);
struct KeySink;
// A getkeys proc (command_keys.cpp): the keys of argv, for commands key specs cannot describe.
using GetKeysProc = void (*)(const std::vector<std::string_view>& argv, KeySink& out);

struct BeginSearch {
  enum class Type : uint8_t { kIndex, kKeyword, kUnknown };
  Type type = Type::kUnknown;
  int index = 0;
  std::string_view keyword;
  int startFrom = 0;
  static BeginSearch atIndex(int i) { return {Type::kIndex, i, {}, 0}; }
  static BeginSearch atKeyword(std::string_view k, int from) {
    return {Type::kKeyword, 0, k, from};
  }
  static BeginSearch unknown() { return {}; }
};

struct FindKeys {
  enum class Type : uint8_t { kRange, kKeynum, kUnknown };
  Type type = Type::kUnknown;
  int lastKey = 0, keyStep = 0, limit = 0;       // range
  int keyNumIdx = 0, firstKey = 0, numStep = 0;  // keynum
  static FindKeys range(int last, int step, int limit) {
    return {Type::kRange, last, step, limit, 0, 0, 0};
  }
  static FindKeys keynum(int idx, int first, int step) {
    return {Type::kKeynum, 0, 0, 0, idx, first, step};
  }
  static FindKeys unknown() { return {}; }
};

// Redis 7.0's command flags (COMMAND INFO's names), one bit each.
enum class CommandFlag : uint32_t {
  kWrite = 1u << 0,
  kReadonly = 1u << 1,
  kDenyoom = 1u << 2,
  kAdmin = 1u << 3,
  kPubsub = 1u << 4,
  kNoscript = 1u << 5,
  kBlocking = 1u << 6,
  kLoading = 1u << 7,
  kStale = 1u << 8,
  kSkipMonitor = 1u << 9,
  kSkipSlowlog = 1u << 10,
  kAsking = 1u << 11,
  kFast = 1u << 12,
  kNoAuth = 1u << 13,
  kMayReplicate = 1u << 14,
  kNoMandatoryKeys = 1u << 15,
  kNoAsyncLoading = 1u << 16,
  kNoMulti = 1u << 17,
  kMovablekeys = 1u << 18,
  kAllowBusy = 1u << 19,
  kModule = 1u << 20,
  kSentinel = 1u << 21,
  kOnlySentinel = 1u << 22,
};

// The bit of a flag name ("write" -> kWrite); 0 for a name Redis 7.0 does not have.
constexpr uint32_t commandFlagBit(std::string_view name) {
  constexpr std::pair<std::string_view, CommandFlag> kNames[] = {
      {"write", CommandFlag::kWrite},
      {"readonly", CommandFlag::kReadonly},
      {"denyoom", CommandFlag::kDenyoom},
      {"admin", CommandFlag::kAdmin},
      {"pubsub", CommandFlag::kPubsub},
      {"noscript", CommandFlag::kNoscript},
      {"blocking", CommandFlag::kBlocking},
      {"loading", CommandFlag::kLoading},
      {"stale", CommandFlag::kStale},
      {"skip_monitor", CommandFlag::kSkipMonitor},
      {"skip_slowlog", CommandFlag::kSkipSlowlog},
      {"asking", CommandFlag::kAsking},
      {"fast", CommandFlag::kFast},
      {"no_auth", CommandFlag::kNoAuth},
      {"may_replicate", CommandFlag::kMayReplicate},
      {"no_mandatory_keys", CommandFlag::kNoMandatoryKeys},
      {"no_async_loading", CommandFlag::kNoAsyncLoading},
      {"no_multi", CommandFlag::kNoMulti},
      {"movablekeys", CommandFlag::kMovablekeys},
      {"allow_busy", CommandFlag::kAllowBusy},
      {"module", CommandFlag::kModule},
      {"sentinel", CommandFlag::kSentinel},
      {"only_sentinel", CommandFlag::kOnlySentinel},
  };
  for (const auto& [n, f] : kNames) {
    if (n == name) return static_cast<uint32_t>(f);
  }
  return 0;
}

// A flag name written in the source (def.hasFlag("write")), turned into its bit at compile time;
// a misspelt name does not compile.
struct CommandFlagName {
  uint32_t bit;
  consteval CommandFlagName(const char* name) : bit(commandFlagBit(name)) {  // NOLINT: implicit
    if (bit == 0) throw "not a Redis 7.0 command flag";
  }
  constexpr CommandFlagName(CommandFlag f) : bit(static_cast<uint32_t>(f)) {}  // NOLINT
};

// A short list of trivially copyable items: up to N inline (no allocation for ordinary
// commands), more on the heap. KeyPositions (the cluster gate fills one per keyed command) and
// KeyRefs (command_keys.h: ACL's key check, COMMAND GETKEYS) are its two uses.
template <typename T, size_t N = 8>
class InlineVector {
 public:
  void push_back(const T& item) {
    if (n_ < N) {
      inline_[n_] = item;
    } else {
      if (n_ == N) heap_.assign(inline_, inline_ + N);
      heap_.push_back(item);
    }
    ++n_;
  }
  // Keeps the first `n` items (n <= size()).
  void truncate(size_t n) {
    if (n_ > N && n <= N) std::copy(heap_.begin(), heap_.begin() + n, inline_);
    if (n <= N) {
      heap_.clear();
    } else {
      heap_.resize(n);
    }
    n_ = n;
  }
  void clear() { truncate(0); }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  const T* begin() const { return n_ <= N ? inline_ : heap_.data(); }
  const T* end() const { return begin() + n_; }
  const T& operator[](size_t i) const { return begin()[i]; }

 private:
  T inline_[N];
  size_t n_ = 0;
  std::vector<T> heap_;
};

using KeyPositions = InlineVector<size_t>;

// What a key's flags ask of ACL's %R~ / %W~ patterns (ACLSelectorCheckKey): kKeyRead for
// "access", kKeyWrite for "insert", "delete" or "update". Found once, when the table loads.
inline constexpr uint8_t kKeyRead = 1, kKeyWrite = 2;
uint8_t keyAccessBits(const std::vector<std::string_view>& flags);

struct KeySpec {
  std::string_view notes;
  std::vector<std::string_view> flags;
  BeginSearch begin;
  FindKeys find;
  uint8_t access = 0;  // keyAccessBits(flags), set by CommandTable when it loads
};

struct CommandDef {
  std::string_view name;  // "get", "client|setname"
  int arity = 0;
  std::vector<std::string_view> flags;  // "write", "readonly", "fast", "no_auth", ...
  int firstKey = 0, lastKey = 0, keyStep = 0;
  std::vector<std::string_view> aclCategories;
  std::vector<std::string_view> tips;
  std::vector<KeySpec> keySpecs;
  std::string_view summary, since, group, complexity;
  Handler handler = nullptr;  // nullptr: a container, see subcommands
  std::vector<CommandDef> subcommands;
  uint32_t flagBits = 0;          // CommandFlag bits of `flags`, set by CommandTable when it loads
  GetKeysProc getkeys = nullptr;  // Redis 7.0's getkeys_proc, set by CommandTable when it loads
  // ACL (server/acl.h): a dense id over every command and subcommand, and the bits of
  // aclCategories in kAclCategories' order; set by CommandTable when it loads.
  uint16_t aclId = 0;
  uint32_t aclCategoryBits = 0;

  bool hasFlag(CommandFlagName flag) const { return (flagBits & flag.bit) != 0; }
};

// The table's rows (command_defs.cpp).
std::vector<CommandDef> commandDefs();

class CommandTable {
 public:
  CommandTable();

  // Top-level command by name, case-insensitive; nullptr if unknown.
  const CommandDef* find(std::string_view name) const;
  // Subcommand of `parent`, case-insensitive; nullptr if unknown.
  static const CommandDef* findSub(const CommandDef& parent, std::string_view name);
  const std::vector<CommandDef>& all() const { return defs_; }
  // Every command and subcommand by CommandDef::aclId (top-level ones before their subcommands).
  const std::vector<const CommandDef*>& byAclId() const { return byAclId_; }

  // COMMAND INFO element / COMMAND DOCS entry for one command (subcommands included).
  static void writeInfo(resp::Writer& w, const CommandDef& def);
  static void writeDocs(resp::Writer& w, const CommandDef& def);

 private:
  // Heterogeneous lookup: find() hashes a lower-cased stack copy, no std::string per command.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<CommandDef> defs_;
  std::vector<const CommandDef*> byAclId_;
  std::unordered_map<std::string, const CommandDef*, NameHash, std::equal_to<>> byName_;
};

}  // namespace strata::node
