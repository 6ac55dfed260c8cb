// Parsing of COMMAND replies into CommandInfo, and key extraction by key specs exactly as Redis 7
// does it (db.c getKeysUsingKeySpecs): index/keyword begin search, range/keynum key finding.
#include "proxy/command_table.h"

#include <strings.h>
#include <algorithm>
#include <charconv>
#include <cstring>
#include <set>

#include "common/config/value_parsers.h"

namespace strata::proxy {
namespace {

bool isList(const resp::Value& v) {
  return v.type == resp::Type::kArray || v.type == resp::Type::kSet || v.type == resp::Type::kMap;
}

int intField(const resp::Value& map, std::string_view key, int fallback) {
  const resp::Value* v = map.field(key);
  return (v && v->type == resp::Type::kInteger) ? static_cast<int>(v->integer) : fallback;
}

uint32_t parseFlags(const resp::Value& flags) {
  uint32_t out = 0;
  for (const auto& f : flags.elements) {
    const std::string& s = f.str;
    if (s == "write")
      out |= kFlagWrite;
    else if (s == "readonly")
      out |= kFlagReadonly;
    else if (s == "blocking")
      out |= kFlagBlocking;
    else if (s == "pubsub")
      out |= kFlagPubsub;
    else if (s == "movablekeys")
      out |= kFlagMovableKeys;
    else if (s == "admin")
      out |= kFlagAdmin;
    else if (s == "noscript")
      out |= kFlagNoScript;
  }
  return out;
}

KeySpec parseKeySpec(const resp::Value& spec, uint32_t& commandFlags) {
  KeySpec ks;
  if (const resp::Value* flags = spec.field("flags")) {
    for (const auto& f : flags->elements) {
      if (f.str == "not_key") commandFlags |= kFlagNotKeyChannel;
      if (f.str == "incomplete") ks.incomplete = true;
    }
  }
  if (const resp::Value* bs = spec.field("begin_search")) {
    const resp::Value* type = bs->field("type");
    const resp::Value* body = bs->field("spec");
    if (type && body && type->str == "index") {
      ks.begin = KeySpec::Begin::kIndex;
      ks.index = intField(*body, "index", 0);
    } else if (type && body && type->str == "keyword") {
      ks.begin = KeySpec::Begin::kKeyword;
      const resp::Value* kw = body->field("keyword");
      ks.keyword = kw ? kw->str : "";
      ks.startFrom = intField(*body, "startfrom", 1);
    }
  }
  if (const resp::Value* fk = spec.field("find_keys")) {
    const resp::Value* type = fk->field("type");
    const resp::Value* body = fk->field("spec");
    if (type && body && type->str == "range") {
      ks.find = KeySpec::Find::kRange;
      ks.lastKey = intField(*body, "lastkey", 0);
      ks.keyStep = intField(*body, "keystep", 1);
      ks.limit = intField(*body, "limit", 0);
    } else if (type && body && type->str == "keynum") {
      ks.find = KeySpec::Find::kKeynum;
      ks.keyNumIdx = intField(*body, "keynumidx", 0);
      ks.firstKey = intField(*body, "firstkey", 1);
      ks.keyStep = intField(*body, "keystep", 1);
    }
  }
  if (ks.keyStep <= 0) ks.keyStep = 1;
  return ks;
}

bool parseCommand(const resp::Value& entry, CommandInfo& info) {
  if (entry.type != resp::Type::kArray || entry.elements.size() < 6) return false;
  const auto& e = entry.elements;
  info.name = config::toLower(e[0].str);
  info.arity = static_cast<int>(e[1].integer);
  info.flags = isList(e[2]) ? parseFlags(e[2]) : 0;
  if (e.size() > 8 && isList(e[8])) {
    for (const auto& spec : e[8].elements) info.keySpecs.push_back(parseKeySpec(spec, info.flags));
  }
  if (info.keySpecs.empty() && e[3].integer > 0) {
    // No key specs (pre-7 servers): fall back to first/last/step.
    KeySpec ks;
    ks.begin = KeySpec::Begin::kIndex;
    ks.index = static_cast<int>(e[3].integer);
    ks.find = KeySpec::Find::kRange;
    int64_t last = e[4].integer;
    ks.lastKey = last >= 0 ? static_cast<int>(last - e[3].integer) : static_cast<int>(last);
    ks.keyStep = e[5].integer > 0 ? static_cast<int>(e[5].integer) : 1;
    info.keySpecs.push_back(ks);
  }
  if (e.size() > 9 && isList(e[9])) {
    for (const auto& sub : e[9].elements) {
      CommandInfo child;
      if (!parseCommand(sub, child)) continue;
      size_t bar = child.name.find('|');
      std::string subName = bar == std::string::npos ? child.name : child.name.substr(bar + 1);
      info.subcommands.emplace(std::move(subName), std::move(child));
    }
  }
  return true;
}

bool parseInt(std::string_view s, int64_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::shared_ptr<CommandTable> CommandTable::fromCommandReply(const resp::Value& reply,
                                                             std::string& error) {
  if (reply.type != resp::Type::kArray || reply.elements.empty()) {
    error = "COMMAND: expected a non-empty array";
    return nullptr;
  }
  auto table = std::make_shared<CommandTable>();
  for (const auto& entry : reply.elements) {
    CommandInfo info;
    if (!parseCommand(entry, info)) continue;
    std::string name = info.name;
    table->commands_.emplace(std::move(name), std::move(info));
  }
  if (table->commands_.empty()) {
    error = "COMMAND: no command could be parsed";
    return nullptr;
  }
  // Commands the proxy treats specially, by name, so the request path tests one flag instead of
  // comparing strings; subcommands inherit their container's mark.
  static const std::set<std::string> kSpecial = {
      "ping",       "echo",       "hello",       "auth",         "quit",         "reset",
      "select",     "client",     "command",     "readonly",     "readwrite",    "asking",
      "multi",      "exec",       "discard",     "watch",        "unwatch",      "subscribe",
      "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe", "dbsize",
      "keys",       "flushall",   "flushdb",     "randomkey",    "scan",         "info",
      "script",     "function",   "pubsub",      "wait",         "mget",         "mset",
      "del",        "unlink",     "exists",      "touch",        "monitor",      "sync",
      "psync",      "replicaof",  "slaveof",     "shutdown",     "debug",        "cluster",
      "failover",   "save",       "bgsave",      "bgrewriteaof", "migrate",      "restore-asking",
      "acl",        "config"};
  auto oneKeyAt1 = [](const CommandInfo& c) {
    if (c.keySpecs.size() != 1) return false;
    const KeySpec& k = c.keySpecs[0];
    return k.begin == KeySpec::Begin::kIndex && k.index == 1 && k.find == KeySpec::Find::kRange &&
           k.lastKey == 0 && !k.incomplete;
  };
  uint16_t next = 0;
  for (auto& [name, info] : table->commands_) {
    info.special = kSpecial.count(name) > 0;
    info.oneKeyAt1 = oneKeyAt1(info);
    info.id = ++next;
    for (auto& [sub, child] : info.subcommands) {
      child.special = info.special;
      child.oneKeyAt1 = oneKeyAt1(child);
      child.id = ++next;
    }
  }
  table->maxId_ = next;
  table->raw_ = reply;
  table->buildIndex();
  return table;
}

namespace {
inline char asciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

// ASCII lower case into `out` (command names are ASCII; no locale lookup per byte).
std::string_view lowerName(std::string_view in, char* out) {
  for (size_t i = 0; i < in.size(); ++i) out[i] = asciiLower(in[i]);
  return std::string_view(out, in.size());
}

// `name` (any case) equals `lower` (a lower-case command name).
bool equalsLower(std::string_view lower, std::string_view name) {
  if (lower.size() != name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (asciiLower(name[i]) != lower[i]) return false;
  }
  return true;
}

// The first (up to) 8 bytes of `name`, ASCII lower-cased, packed into one integer (zero padded):
// all of a typical command name, compared and hashed at once. SWAR: the 0x80 bit of each byte
// of low7 + 0x3f says ">= 'A'", of low7 + 0x25 ">= 'Z' + 1" (no carry crosses a byte).
uint64_t foldedHead(std::string_view name) {
  uint64_t x = 0;
  std::memcpy(&x, name.data(), std::min<size_t>(name.size(), 8));
  const uint64_t low7 = x & 0x7f7f7f7f7f7f7f7full;
  const uint64_t atLeastA = low7 + 0x3f3f3f3f3f3f3f3full;
  const uint64_t pastZ = low7 + 0x2525252525252525ull;
  const uint64_t upper = atLeastA & ~pastZ & ~x & 0x8080808080808080ull;
  return x | (upper >> 2);  // 0x80 >> 2 == 0x20: 'A'..'Z' -> 'a'..'z'
}
}  // namespace

size_t CommandTable::slotFor(uint64_t head, size_t size) const {
  return static_cast<size_t>(((head ^ size) * 0x9E3779B97F4A7C15ull) >> indexShift_);
}

void CommandTable::buildIndex() {
  size_t size = 16;
  int bits = 4;
  while (size < commands_.size() * 4) size *= 2, ++bits;
  indexShift_ = 64 - bits;
  index_.assign(size, IndexSlot{});
  for (const auto& [key, info] : commands_) {
    if (key.size() > 64) continue;  // never matched: lookup() refuses longer names too
    const uint64_t head = foldedHead(key);
    size_t i = slotFor(head, key.size());
    while (index_[i].info) i = (i + 1) & (size - 1);
    index_[i] = IndexSlot{head, key.size(), &info};
  }
}

const CommandInfo* CommandTable::lookup(const std::vector<std::string_view>& args) const {
  if (args.empty() || args[0].size() > 64 || index_.empty()) return nullptr;
  const std::string_view name = args[0];
  const uint64_t head = foldedHead(name);
  const size_t mask = index_.size() - 1;
  const CommandInfo* found = nullptr;
  for (size_t i = slotFor(head, name.size()); index_[i].info; i = (i + 1) & mask) {
    const IndexSlot& e = index_[i];
    if (e.head == head && e.size == name.size() &&
        (name.size() <= 8 ||
         equalsLower(std::string_view(e.info->name).substr(8), name.substr(8)))) {
      found = e.info;
      break;
    }
  }
  if (!found) return nullptr;
  if (!found->subcommands.empty() && args.size() >= 2 && args[1].size() <= 64) {
    char lower[64];
    auto sub = found->subcommands.find(lowerName(args[1], lower));
    if (sub != found->subcommands.end()) return &sub->second;
  }
  return found;
}

bool CommandTable::keyPositions(const CommandInfo& info, const std::vector<std::string_view>& args,
                                std::vector<uint32_t>& out) {
  if (info.oneKeyAt1) {  // the common case, same result as the general walk below
    if (args.size() > 1) out.push_back(1);
    return true;
  }
  const int argc = static_cast<int>(args.size());
  const size_t base = out.size();
  for (const KeySpec& spec : info.keySpecs) {
    int first = 0;
    if (spec.begin == KeySpec::Begin::kIndex) {
      first = spec.index;
    } else if (spec.begin == KeySpec::Begin::kKeyword) {
      int start, end, step;
      if (spec.startFrom >= 0) {
        start = spec.startFrom, end = argc - 1, step = 1;
      } else {
        start = argc + spec.startFrom, end = 1, step = -1;
      }
      first = 0;
      for (int i = start; step > 0 ? i <= end : i >= end; i += step) {
        if (i <= 0 || i >= argc) break;
        if (args[i].size() == spec.keyword.size() &&
            strncasecmp(args[i].data(), spec.keyword.data(), spec.keyword.size()) == 0) {
          first = i + 1;
          break;
        }
      }
      if (first == 0) continue;  // keyword absent: this spec names no key
    } else {
      continue;  // unknown begin search: keys can't be known (e.g. SORT BY patterns)
    }
    if (first <= 0 || first >= argc) continue;

    int last = 0, step = spec.keyStep;
    if (spec.find == KeySpec::Find::kRange) {
      if (spec.lastKey >= 0) {
        last = first + spec.lastKey;
      } else if (spec.limit == 0) {
        last = argc + spec.lastKey;
      } else {
        last = first + ((argc - first) / spec.limit + spec.lastKey);
      }
    } else if (spec.find == KeySpec::Find::kKeynum) {
      int idx = first + spec.keyNumIdx;
      int64_t numKeys = 0;
      if (idx >= argc || !parseInt(args[idx], numKeys) || numKeys < 0 || numKeys > argc) {
        return false;
      }
      first += spec.firstKey;
      last = first + static_cast<int>(numKeys - 1) * step;
      if (numKeys == 0) continue;
    } else {
      continue;
    }
    // A matching incomplete spec makes Redis ask the command itself (migrateGetKeys): for
    // MIGRATE ... "" ... KEYS a b only the keys after KEYS count, not the "" placeholder.
    if (spec.incomplete) out.resize(base);
    for (int i = first; i <= last; i += step) {
      if (i >= argc || i < first) return false;  // the arguments don't match the spec
      out.push_back(static_cast<uint32_t>(i));
    }
  }
  return true;
}

}  // namespace strata::proxy
