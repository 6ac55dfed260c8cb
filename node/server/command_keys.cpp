// Key extraction as Redis 7.0's db.c (see command_keys.h): getKeysUsingKeySpecs, the getkeys
// procs (genericGetKeys and the per-command ones, with their quirks: atoi() numkeys, the last
// STORE wins, MIGRATE's KEYS only with an empty key argument) and the two combinations.
#include "node/server/command_keys.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <string>

#include "common/config/value_parsers.h"
#include "node/keyspace/value.h"

namespace strata::node {

// A getkeys proc's flags for a key: the names (static storage) and their keyAccessBits.
struct ProcKeyFlags {
  explicit ProcKeyFlags(std::initializer_list<std::string_view> flagNames)
      : names(flagNames), access(keyAccessBits(names)) {}
  std::vector<std::string_view> names;
  uint8_t access;
};

// Where keys go: the positions only (routing) or positions with flags (COMMAND GETKEYS*).
struct KeySink {
  KeyPositions* positions = nullptr;
  KeyRefs* refs = nullptr;

  void add(size_t pos, const std::vector<std::string_view>& flags, uint8_t access) {
    if (positions) positions->push_back(pos);
    if (refs) refs->push_back({pos, &flags, access});
  }
  // The flag sets the getkeys procs report.
  void add(size_t pos, const ProcKeyFlags& flags) { add(pos, flags.names, flags.access); }
  size_t size() const { return positions ? positions->size() : refs->size(); }
  void truncate(size_t n) {
    if (refs) refs->truncate(n);
    if (positions) positions->truncate(n);
  }
};

namespace {

using config::equalsNoCase;
using Argv = std::vector<std::string_view>;

// The flag sets the procs report (CMD_KEY_* in COMMAND's order); genericGetKeys and
// georadiusGetKeys report none.
const ProcKeyFlags kNoFlags{};
const ProcKeyFlags kRoAccess{"RO", "access"};
const ProcKeyFlags kOwUpdate{"OW", "update"};
const ProcKeyFlags kRwAccessUpdate{"RW", "access", "update"};
const ProcKeyFlags kRwAccessDelete{"RW", "access", "delete"};

bool hasFlag(const KeySpec& spec, std::string_view flag) {
  return std::find(spec.flags.begin(), spec.flags.end(), flag) != spec.flags.end();
}

// C's atoi() as Redis's genericGetKeys uses it: leading blanks, a sign, digits up to the first
// non-digit ("2a" is 2, "x" is 0); strtol() saturates, the int conversion keeps the low bits.
int cAtoi(std::string_view s) {
  const std::string text(s.substr(0, std::min<size_t>(s.size(), 64)));
  return static_cast<int>(std::strtol(text.c_str(), nullptr, 10));
}

// genericGetKeys(storeKeyOfs, keyCountOfs, firstKeyOfs, keyStep): numkeys keys from
// firstKeyOfs, then the store key; none when numkeys is < 1 or exceeds the arguments.
void genericKeys(const Argv& argv, KeySink& out, int storeOfs, int countOfs, int firstOfs,
                 int step) {
  const int argc = static_cast<int>(argv.size());
  if (countOfs >= argc) return;
  const int num = cAtoi(argv[countOfs]);
  if (num < 1 || num > (argc - firstOfs) / step) return;
  for (int i = 0; i < num; ++i) out.add(static_cast<size_t>(firstOfs + i * step), kNoFlags);
  if (storeOfs) out.add(static_cast<size_t>(storeOfs), kNoFlags);
}

void zunionInterDiffStoreKeys(const Argv& a, KeySink& o) {
  genericKeys(a, o, 1, 2, 3, 1);
}
// ZUNION / ZINTER / ZDIFF, SINTERCARD / ZINTERCARD, LMPOP / ZMPOP.
void numkeysAt1Keys(const Argv& a, KeySink& o) {
  genericKeys(a, o, 0, 1, 2, 1);
}
// EVAL* / FCALL*, BLMPOP / BZMPOP.
void numkeysAt2Keys(const Argv& a, KeySink& o) {
  genericKeys(a, o, 0, 2, 3, 1);
}

// sortGetKeys: the sorted key, and the argument after the last STORE (LIMIT's two arguments and
// GET's / BY's one skipped).
void sortKeys(const Argv& argv, KeySink& out) {
  out.add(1, kRoAccess);
  size_t store = 0;
  struct Skip {
    std::string_view name;
    size_t skip;
  };
  static constexpr Skip kSkips[] = {{"limit", 2}, {"get", 1}, {"by", 1}};
  for (size_t i = 2; i < argv.size(); ++i) {
    for (const Skip& s : kSkips) {
      if (equalsNoCase(argv[i], s.name)) {
        i += s.skip;
        break;
      }
      if (equalsNoCase(argv[i], "store") && i + 1 < argv.size()) {
        store = i + 1;
        break;
      }
    }
  }
  if (store) out.add(store, kOwUpdate);
}

void sortRoKeys(const Argv&, KeySink& out) {
  out.add(1, kRoAccess);
}

// migrateGetKeys: argv[3], or with KEYS (found from argv[6] on, AUTH's and AUTH2's arguments
// skipped) the arguments after it, none if argv[3] is not empty then (MIGRATE's syntax error).
void migrateKeys(const Argv& argv, KeySink& out) {
  size_t first = 3, num = 1;
  const size_t argc = argv.size();
  if (argc > 6) {
    for (size_t i = 6; i < argc; ++i) {
      if (equalsNoCase(argv[i], "keys")) {
        if (!argv[3].empty()) {
          num = 0;
        } else {
          first = i + 1;
          num = argc - first;
        }
        break;
      }
      if (equalsNoCase(argv[i], "auth")) {
        i += 1;
      } else if (equalsNoCase(argv[i], "auth2")) {
        i += 2;
      }
    }
  }
  for (size_t i = 0; i < num; ++i) out.add(first + i, kRwAccessDelete);
}

// georadiusGetKeys: the key, and the argument after the last STORE / STOREDIST (from argv[5]).
void georadiusKeys(const Argv& argv, KeySink& out) {
  size_t stored = 0;
  for (size_t i = 5; i < argv.size(); ++i) {
    if ((equalsNoCase(argv[i], "store") || equalsNoCase(argv[i], "storedist")) &&
        i + 1 < argv.size()) {
      stored = i + 1;
      ++i;
    }
  }
  out.add(1, kNoFlags);
  if (stored) out.add(stored, kNoFlags);
}

// xreadGetKeys: the options up to STREAMS are parsed (so a group or stream named "streams" is
// not taken for the keyword); then half of the remaining arguments are keys.
void xreadKeys(const Argv& argv, KeySink& out) {
  const size_t argc = argv.size();
  size_t streams = 0;
  for (size_t i = 1; i < argc; ++i) {
    if (equalsNoCase(argv[i], "block") || equalsNoCase(argv[i], "count")) {
      ++i;
    } else if (equalsNoCase(argv[i], "group")) {
      i += 2;
    } else if (equalsNoCase(argv[i], "noack")) {
      continue;
    } else {
      if (equalsNoCase(argv[i], "streams")) streams = i;
      break;
    }
  }
  if (streams == 0) return;
  const size_t num = argc - streams - 1;
  if (num == 0 || num % 2 != 0) return;
  for (size_t i = streams + 1; i < argc - num / 2; ++i) out.add(i, kNoFlags);
}

// setGetKeys: GET (exactly three letters, any case) after the value makes it a read too.
void setKeys(const Argv& argv, KeySink& out) {
  for (size_t i = 3; i < argv.size(); ++i) {
    if (equalsNoCase(argv[i], "get")) {
      out.add(1, kRwAccessUpdate);
      return;
    }
  }
  out.add(1, kOwUpdate);
}

// bitfieldGetKeys: read-only when every subcommand is a complete GET or OVERFLOW; SET, INCRBY
// or anything unparsable makes it a write.
void bitfieldKeys(const Argv& argv, KeySink& out) {
  bool readonly = true;
  const size_t argc = argv.size();
  for (size_t i = 2; i < argc; ++i) {
    const size_t remaining = argc - i - 1;
    if (equalsNoCase(argv[i], "get") && remaining >= 2) {
      i += 2;
    } else if ((equalsNoCase(argv[i], "set") || equalsNoCase(argv[i], "incrby")) &&
               remaining >= 3) {
      readonly = false;
      break;
    } else if (equalsNoCase(argv[i], "overflow") && remaining >= 1) {
      i += 1;
    } else {
      readonly = false;
      break;
    }
  }
  out.add(1, readonly ? kRoAccess : kRwAccessUpdate);
}

struct ProcFor {
  std::string_view name;
  GetKeysProc proc;
};
constexpr ProcFor kProcs[] = {
    {"sort", &sortKeys},
    {"sort_ro", &sortRoKeys},
    {"migrate", &migrateKeys},
    {"eval", &numkeysAt2Keys},
    {"evalsha", &numkeysAt2Keys},
    {"eval_ro", &numkeysAt2Keys},
    {"evalsha_ro", &numkeysAt2Keys},
    {"fcall", &numkeysAt2Keys},
    {"fcall_ro", &numkeysAt2Keys},
    {"zunionstore", &zunionInterDiffStoreKeys},
    {"zinterstore", &zunionInterDiffStoreKeys},
    {"zdiffstore", &zunionInterDiffStoreKeys},
    {"zunion", &numkeysAt1Keys},
    {"zinter", &numkeysAt1Keys},
    {"zdiff", &numkeysAt1Keys},
    {"sintercard", &numkeysAt1Keys},
    {"zintercard", &numkeysAt1Keys},
    {"lmpop", &numkeysAt1Keys},
    {"zmpop", &numkeysAt1Keys},
    {"blmpop", &numkeysAt2Keys},
    {"bzmpop", &numkeysAt2Keys},
    {"georadius", &georadiusKeys},
    {"georadiusbymember", &georadiusKeys},
    {"xread", &xreadKeys},
    {"xreadgroup", &xreadKeys},
    {"set", &setKeys},
    {"bitfield", &bitfieldKeys},
};

// getKeysUsingKeySpecs: the keys of every spec in order; -1 when a spec cannot be resolved
// (unknown begin/find type, a bad numkeys, positions out of the arguments, or an incomplete
// spec that matched) unless `partial` (then that spec is skipped). "not_key" specs (shard
// channels) are skipped unless `notKeys`.
int specKeys(const CommandDef& def, const Argv& argv, KeySink& out, bool notKeys, bool partial) {
  const int argc = static_cast<int>(argv.size());
  const size_t base = out.size();
  for (const KeySpec& spec : def.keySpecs) {
    if (!notKeys && hasFlag(spec, "not_key")) continue;
    bool invalid = false;
    int first = 0, step = 1;
    int64_t last = 0;  // int64: first + a numkeys near INT_MAX must not overflow
    if (spec.begin.type == BeginSearch::Type::kIndex) {
      first = spec.begin.index;
    } else if (spec.begin.type == BeginSearch::Type::kKeyword) {
      const int from = spec.begin.startFrom;
      const int start = from > 0 ? from : argc + from;
      const int end = from > 0 ? argc - 1 : 1;  // exclusive, as Redis's loop
      for (int i = start; i != end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (equalsNoCase(argv[i], spec.begin.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (first == 0) continue;  // keyword absent: no key from this spec
    } else {
      invalid = true;
    }
    if (!invalid && spec.find.type == FindKeys::Type::kRange) {
      step = spec.find.keyStep;
      if (spec.find.lastKey >= 0) {
        last = first + spec.find.lastKey;
      } else if (spec.find.limit == 0) {
        last = argc + spec.find.lastKey;
      } else {
        last = first + ((argc - first) / spec.find.limit + spec.find.lastKey);
      }
    } else if (!invalid && spec.find.type == FindKeys::Type::kKeynum) {
      step = spec.find.numStep;
      int64_t numkeys = 0;
      const int at = first + spec.find.keyNumIdx;
      if (at >= argc || !parseCanonicalInt(argv[at], numkeys) || numkeys < 0) {
        invalid = true;
      } else {
        first += spec.find.firstKey;
        // Redis's (int) cast: 4294967297 keys is one key.
        last = int64_t{first} + static_cast<int32_t>(numkeys) - 1;
      }
    } else {
      invalid = true;
    }
    if (!invalid && (last >= argc || last < first || first >= argc)) invalid = true;
    if (!invalid) {
      for (int64_t i = first; i <= last && step > 0; i += step) {
        out.add(static_cast<size_t>(i), spec.flags, spec.access);
      }
      if (hasFlag(spec, "incomplete")) invalid = true;
    }
    if (invalid) {
      if (partial) continue;
      out.truncate(base);
      return -1;
    }
  }
  return static_cast<int>(out.size() - base);
}

bool hasRealKeySpec(const CommandDef& def) {
  return std::any_of(def.keySpecs.begin(), def.keySpecs.end(),
                     [](const KeySpec& s) { return !hasFlag(s, "not_key"); });
}

bool hasVariableFlags(const CommandDef& def) {
  return std::any_of(def.keySpecs.begin(), def.keySpecs.end(),
                     [](const KeySpec& s) { return hasFlag(s, "variable_flags"); });
}

void attach(CommandDef& def) {
  for (const ProcFor& p : kProcs) {
    if (p.name == def.name) def.getkeys = p.proc;
  }
  for (CommandDef& sub : def.subcommands) attach(sub);
}

}  // namespace

void attachGetKeysProcs(std::vector<CommandDef>& defs) {
  for (CommandDef& d : defs) attach(d);
}

bool commandHasKeys(const CommandDef& def) {
  return def.getkeys != nullptr || hasRealKeySpec(def);
}

KeyRefs keysWithSpecs(const CommandDef& def, const Argv& argv) {
  KeyRefs keys;
  KeySink sink{nullptr, &keys};
  if (hasRealKeySpec(def) && !hasVariableFlags(def)) {
    if (specKeys(def, argv, sink, false, false) >= 0) return keys;
  }
  if (def.getkeys) def.getkeys(argv, sink);
  return keys;
}

void routingKeys(const CommandDef& def, const Argv& argv, KeyPositions& out) {
  KeySink sink{&out, nullptr};
  if (def.getkeys) {
    def.getkeys(argv, sink);
  } else {
    specKeys(def, argv, sink, true, true);
  }
}

}  // namespace strata::node
