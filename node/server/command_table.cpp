// CommandTable: name index and COMMAND INFO / DOCS rendering in Redis 7.0's wire format (key
// extraction: command_keys.cpp).
#include "node/server/command_table.h"

#include "common/config/value_parsers.h"
#include "node/server/acl.h"
#include "node/server/command_keys.h"

namespace strata::node {

namespace {

// Command flag bits, and each key spec's ACL access bits.
void setFlagBits(CommandDef& def) {
  def.flagBits = 0;
  for (auto f : def.flags) def.flagBits |= commandFlagBit(f);
  for (auto& spec : def.keySpecs) spec.access = keyAccessBits(spec.flags);
  for (auto& sub : def.subcommands) setFlagBits(sub);
}

// ACL ids and category bits, top-level commands first then their subcommands.
void setAclFields(CommandDef& def, std::vector<const CommandDef*>& byId) {
  def.aclId = static_cast<uint16_t>(byId.size());
  byId.push_back(&def);
  def.aclCategoryBits = 0;
  for (auto c : def.aclCategories) {
    if (!c.empty() && c[0] == '@') def.aclCategoryBits |= aclCategoryBit(c.substr(1));
  }
  for (auto& sub : def.subcommands) setAclFields(sub, byId);
}

}  // namespace

uint8_t keyAccessBits(const std::vector<std::string_view>& flags) {
  uint8_t bits = 0;
  for (auto f : flags) {
    if (f == "access") bits |= kKeyRead;
    if (f == "insert" || f == "delete" || f == "update") bits |= kKeyWrite;
  }
  return bits;
}

CommandTable::CommandTable() : defs_(commandDefs()) {
  for (auto& d : defs_) setFlagBits(d);
  for (auto& d : defs_) setAclFields(d, byAclId_);
  attachGetKeysProcs(defs_);
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

}  // namespace strata::node
