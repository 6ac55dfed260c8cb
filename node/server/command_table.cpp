// CommandTable: name index, COMMAND INFO / DOCS rendering in Redis 7.0's wire format, and key
// extraction from key specs (begin_search index/keyword, find_keys range/keynum).
#include "node/server/command_table.h"

#include "common/config/value_parsers.h"

namespace strata::node {

namespace {

void setFlagBits(CommandDef& def) {
  def.flagBits = 0;
  for (auto f : def.flags) def.flagBits |= commandFlagBit(f);
  for (auto& sub : def.subcommands) setFlagBits(sub);
}

}  // namespace

CommandTable::CommandTable() : defs_(commandDefs()) {
  for (auto& d : defs_) setFlagBits(d);
  for (const auto& d : defs_) byName_.emplace(std::string(d.name), &d);
}

const CommandDef* CommandTable::find(std::string_view name) const {
  char lower[32];  // longer than any command name: unknown
  if (name.size() > sizeof(lower)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) {
    lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  auto it = byName_.find(std::string_view(lower, name.size()));
  return it == byName_.end() ? nullptr : it->second;
}

const CommandDef* CommandTable::findSub(const CommandDef& parent, std::string_view name) {
  for (const auto& sub : parent.subcommands) {
    std::string_view subName = sub.name.substr(sub.name.find('|') + 1);
    if (config::equalsNoCase(subName, name)) return &sub;
  }
  return nullptr;
}

namespace {

void writeStatusSet(resp::Writer& w, const std::vector<std::string_view>& items) {
  w.setHeader(items.size());
  for (auto item : items) w.simpleString(item);
}

void writeKeySpec(resp::Writer& w, const KeySpec& spec) {
  w.mapHeader(spec.notes.empty() ? 3 : 4);
  if (!spec.notes.empty()) {
    w.bulk("notes");
    w.bulk(spec.notes);
  }
  w.bulk("flags");
  writeStatusSet(w, spec.flags);
  w.bulk("begin_search");
  w.mapHeader(2);
  w.bulk("type");
  switch (spec.begin.type) {
    case BeginSearch::Type::kIndex:
      w.bulk("index");
      w.bulk("spec");
      w.mapHeader(1);
      w.bulk("index");
      w.integer(spec.begin.index);
      break;
    case BeginSearch::Type::kKeyword:
      w.bulk("keyword");
      w.bulk("spec");
      w.mapHeader(2);
      w.bulk("keyword");
      w.bulk(spec.begin.keyword);
      w.bulk("startfrom");
      w.integer(spec.begin.startFrom);
      break;
    case BeginSearch::Type::kUnknown:
      w.bulk("unknown");
      w.bulk("spec");
      w.mapHeader(0);
      break;
  }
  w.bulk("find_keys");
  w.mapHeader(2);
  w.bulk("type");
  switch (spec.find.type) {
    case FindKeys::Type::kRange:
      w.bulk("range");
      w.bulk("spec");
      w.mapHeader(3);
      w.bulk("lastkey");
      w.integer(spec.find.lastKey);
      w.bulk("keystep");
      w.integer(spec.find.keyStep);
      w.bulk("limit");
      w.integer(spec.find.limit);
      break;
    case FindKeys::Type::kKeynum:
      w.bulk("keynum");
      w.bulk("spec");
      w.mapHeader(3);
      w.bulk("keynumidx");
      w.integer(spec.find.keyNumIdx);
      w.bulk("firstkey");
      w.integer(spec.find.firstKey);
      w.bulk("keystep");
      w.integer(spec.find.numStep);
      break;
    case FindKeys::Type::kUnknown:
      w.bulk("unknown");
      w.bulk("spec");
      w.mapHeader(0);
      break;
  }
}

}  // namespace

void CommandTable::writeInfo(resp::Writer& w, const CommandDef& def) {
  w.arrayHeader(10);
  w.bulk(def.name);
  w.integer(def.arity);
  writeStatusSet(w, def.flags);
  w.integer(def.firstKey);
  w.integer(def.lastKey);
  w.integer(def.keyStep);
  writeStatusSet(w, def.aclCategories);
  w.setHeader(def.tips.size());
  for (auto tip : def.tips) w.bulk(tip);
  w.arrayHeader(def.keySpecs.size());
  for (const auto& spec : def.keySpecs) writeKeySpec(w, spec);
  w.arrayHeader(def.subcommands.size());
  for (const auto& sub : def.subcommands) writeInfo(w, sub);
}

void CommandTable::writeDocs(resp::Writer& w, const CommandDef& def) {
  size_t fields = 4 + (def.subcommands.empty() ? 0 : 1);
  w.mapHeader(fields);
  w.bulk("summary");
  w.bulk(def.summary);
  w.bulk("since");
  w.bulk(def.since);
  w.bulk("group");
  w.bulk(def.group);
  w.bulk("complexity");
  w.bulk(def.complexity);
  if (!def.subcommands.empty()) {
    w.bulk("subcommands");
    w.mapHeader(def.subcommands.size());
    for (const auto& sub : def.subcommands) {
      w.bulk(sub.name);
      writeDocs(w, sub);
    }
  }
}

namespace {

template <class Out>
void addKey(Out& out, size_t pos, const KeySpec&) {
  out.push_back(pos);
}
void addKey(std::vector<KeyWithSpec>& out, size_t pos, const KeySpec& spec) {
  out.push_back({pos, &spec});
}

template <class Out>
void appendKeyPositions(const CommandDef& def, const std::vector<std::string_view>& argv,
                        Out& out) {
  const int argc = static_cast<int>(argv.size());
  for (const auto& spec : def.keySpecs) {
    int first = 0;
    if (spec.begin.type == BeginSearch::Type::kIndex) {
      first = spec.begin.index;
    } else if (spec.begin.type == BeginSearch::Type::kKeyword) {
      int start = spec.begin.startFrom > 0 ? spec.begin.startFrom : argc + spec.begin.startFrom;
      int end = spec.begin.startFrom > 0 ? argc - 1 : 0;
      int step = spec.begin.startFrom > 0 ? 1 : -1;
      for (int i = start; i != end + step && i >= 0 && i < argc; i += step) {
        if (config::equalsNoCase(argv[i], spec.begin.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (first == 0) continue;
    } else {
      continue;
    }
    if (first >= argc) continue;
    int last = first, step = 1;
    if (spec.find.type == FindKeys::Type::kRange) {
      step = spec.find.keyStep;
      if (spec.find.lastKey >= 0) {
        last = first + spec.find.lastKey;
      } else if (spec.find.limit <= 1) {
        last = argc + spec.find.lastKey;
      } else {
        last = first + ((argc - first) / spec.find.limit + spec.find.lastKey);
      }
    } else if (spec.find.type == FindKeys::Type::kKeynum) {
      int64_t n = 0;
      if (!config::parseInteger(argv[first + spec.find.keyNumIdx], {0, argc}, n).isOk()) continue;
      step = spec.find.numStep;
      first = first + spec.find.firstKey;
      last = first + static_cast<int>(n) * step - 1;
    } else {
      continue;
    }
    for (int i = first; i <= last && i < argc; i += step) addKey(out, static_cast<size_t>(i), spec);
  }
}

}  // namespace

std::vector<size_t> CommandTable::keyPositions(const CommandDef& def,
                                               const std::vector<std::string_view>& argv) {
  std::vector<size_t> out;
  appendKeyPositions(def, argv, out);
  return out;
}

void CommandTable::keyPositions(const CommandDef& def, const std::vector<std::string_view>& argv,
                                KeyPositions& out) {
  appendKeyPositions(def, argv, out);
}

std::vector<KeyWithSpec> CommandTable::keysWithSpecs(const CommandDef& def,
                                                     const std::vector<std::string_view>& argv) {
  std::vector<KeyWithSpec> out;
  appendKeyPositions(def, argv, out);
  return out;
}

}  // namespace strata::node
