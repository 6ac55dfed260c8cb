// Non-template half of the option table: name validation, duplicate detection, the
// case-insensitive index, and applying defaults. See schema.h.
#include "common/config/schema.h"

#include <cstdio>
#include <cstdlib>

namespace strata::config {

std::string_view optionTypeName(OptionType type) {
  switch (type) {
    case OptionType::kBool:
      return "bool";
    case OptionType::kInteger:
      return "integer";
    case OptionType::kMemory:
      return "memory";
    case OptionType::kString:
      return "string";
    case OptionType::kEnum:
      return "enum";
    case OptionType::kStringList:
      return "list";
    case OptionType::kCustom:
      return "custom";
  }
  return "unknown";
}

const Option* SchemaBase::find(std::string_view name) const {
  auto it = index_.find(toLower(name));
  return it == index_.end() ? nullptr : &options_[it->second];
}

void SchemaBase::applyDefaultsTo(void* settings) const {
  for (const Option& o : options_) o.set_default(settings);
}

void SchemaBase::checkName(const std::string& name) {
  bool valid = !name.empty() && name.front() != '-' && name.back() != '-';
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) valid = false;
  }
  if (!valid) declarationError("'" + name + "': names are lowercase kebab-case");
  if (name == "help" || name == "version") {
    declarationError("'" + name + "' is reserved for the command line");
  }
}

void SchemaBase::add(Option option) {
  const std::string& name = option.name;
  checkName(name);
  if (!index_.emplace(name, options_.size()).second) {
    declarationError("'" + name + "' is declared twice");
  }
  options_.push_back(std::move(option));
}

void SchemaBase::addAlias(std::string alias, std::string_view canonical) {
  checkName(alias);
  const auto it = index_.find(std::string(canonical));
  if (it == index_.end()) declarationError("alias '" + alias + "' of an undeclared option");
  const size_t position = it->second;
  if (!index_.emplace(alias, position).second) {
    declarationError("'" + alias + "' is declared twice");
  }
  aliases_.emplace_back(std::move(alias), position);
}

void SchemaBase::declarationError(const std::string& message) {
  std::fprintf(stderr, "config schema: %s\n", message.c_str());
  std::abort();
}

void SchemaBase::checkBounds(const std::string& name, Range range, int64_t def, bool fits) {
  if (range.min > range.max) declarationError("'" + name + "': empty range");
  if (!fits) declarationError("'" + name + "': range does not fit the field's type");
  if (def < range.min || def > range.max) {
    declarationError("'" + name + "': default is out of range");
  }
}

}  // namespace strata::config
