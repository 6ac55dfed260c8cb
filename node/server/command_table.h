// The command registry: every command the node implements, declared once (command_defs.cpp,
// generated from redis-server 7.0's COMMAND INFO/DOCS) with its arity, flags, ACL categories,
// tips, legacy first/last/step, Redis 7 key specs, docs and handler; subcommands nested under
// their container (CLIENT, CONFIG, OBJECT, COMMAND). CommandTable indexes it by lower-case name
// and renders COMMAND INFO / DOCS and extracts keys (COMMAND GETKEYS) exactly as Redis 7.0 does.
// Immutable after start-up; event-loop thread.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/resp/writer.h"

namespace strata::node {

struct CommandContext;
using Handler = void (*)(CommandContext&);

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

struct KeySpec {
  std::string_view notes;
  std::vector<std::string_view> flags;
  BeginSearch begin;
  FindKeys find;
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

  bool hasFlag(std::string_view flag) const;
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

  // COMMAND INFO element / COMMAND DOCS entry for one command (subcommands included).
  static void writeInfo(resp::Writer& w, const CommandDef& def);
  static void writeDocs(resp::Writer& w, const CommandDef& def);
  // Positions of the key arguments of argv, from the key specs (COMMAND GETKEYS).
  static std::vector<size_t> keyPositions(const CommandDef& def,
                                          const std::vector<std::string_view>& argv);

 private:
  std::vector<CommandDef> defs_;
  std::unordered_map<std::string, const CommandDef*> byName_;
};

}  // namespace strata::node
