// CONFIG GET / SET over the type-erased option table. Error texts follow Redis 7.0's
// configSetCommand(): unknown names are reported first, then immutability / duplicates, then
// value validation, each as "ERR CONFIG SET failed (possibly related to argument 'x') - why";
// integer, memory, bool and enum values are checked here with Redis's rules and texts ("argument
// couldn't be parsed into an integer", "argument must be a memory value", "argument must be
// between 0 and 65535 inclusive", "argument must be 'yes' or 'no'", "argument(s) must be one of
// the following: ..."), the command line and TOML keep value_parsers' wording.
#include "common/config/registry.h"

#include <algorithm>
#include <cstdint>
#include <exception>

#include "common/config/glob.h"
#include "common/resp/number.h"

namespace strata::config {
namespace {

Status setFailed(std::string_view name, std::string_view why) {
  return Status::error("ERR CONFIG SET failed (possibly related to argument '" + std::string(name) +
                       "') - " + std::string(why));
}

// An integer or memory option's CONFIG SET value checked as Redis 7.0's numericParseString and
// numericBoundaryCheck do, with their texts; on success `canonical` is the value in bytes /
// plain digits for the option's own parser.
Status checkNumeric(const Option& option, std::string_view text, std::string& canonical) {
  int64_t v = 0;
  bool inRange = true;
  if (option.type == OptionType::kMemory) {
    uint64_t u = 0;
    if (!memtoull(text, u)) return Status::error("argument must be a memory value");
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      if (option.unsigned64 && option.range.max == kNoMax) {  // maxmemory: up to 2^64-1
        canonical = std::to_string(u);
        return Status::ok();
      }
      inRange = false;
    } else {
      v = static_cast<int64_t>(u);
    }
  } else if (!resp::parseInt64(text, v)) {
    return Status::error("argument couldn't be parsed into an integer");
  }
  if (!inRange || v < option.range.min || v > option.range.max) {
    return Status::error("argument must be between " + std::to_string(option.range.min) + " and " +
                         std::to_string(option.range.max) + " inclusive");
  }
  canonical = std::to_string(v);
  return Status::ok();
}

// A bool or enum option's CONFIG SET value checked as Redis 7.0's boolConfigSet and
// enumConfigSet do, with their texts: only yes/no for a bool (the command line and TOML also
// take true/false, on/off, 1/0), and the choices in declaration order for an enum.
Status checkChoice(const Option& option, std::string_view text) {
  if (option.type == OptionType::kBool) {
    if (equalsNoCase(text, "yes") || equalsNoCase(text, "no")) return Status::ok();
    return Status::error("argument must be 'yes' or 'no'");
  }
  if (std::any_of(option.choices.begin(), option.choices.end(),
                  [&](const std::string& c) { return equalsNoCase(text, c); })) {
    return Status::ok();
  }
  return Status::error("argument(s) must be one of the following: " +
                       joinChoices(option.choices, ", "));
}

}  // namespace

namespace detail {

std::optional<std::string> get(const SchemaBase& schema, const void* settings,
                               std::string_view name) {
  const Option* option = schema.find(name);
  if (option == nullptr) return std::nullopt;
  return option->render(settings);
}

std::vector<NameValue> getMatching(const SchemaBase& schema, const void* settings,
                                   const std::vector<std::string>& patterns) {
  std::vector<NameValue> out;
  const auto matches = [&](const std::string& name) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& p) { return globMatch(p, name, /*nocase=*/true); });
  };
  for (const Option& o : schema.options()) {
    if (matches(o.name)) out.emplace_back(o.name, o.render(settings));
  }
  for (const auto& [alias, position] : schema.aliases()) {
    if (matches(alias)) out.emplace_back(alias, schema.options()[position].render(settings));
  }
  return out;
}

Status set(const SchemaBase& schema, void* scratch, const std::vector<NameValue>& pairs,
           std::vector<const Option*>& touched) {
  touched.clear();
  if (pairs.empty()) return Status::error("ERR wrong number of arguments for 'config|set' command");
  for (const auto& [name, value] : pairs) {
    if (schema.find(name) == nullptr) {
      return Status::error("ERR Unknown option or number of arguments for CONFIG SET - '" + name +
                           "'");
    }
  }
  for (size_t i = 0; i < pairs.size(); ++i) {
    const std::string& name = pairs[i].first;
    const Option* option = schema.find(name);
    if (!option->reloadable()) return setFailed(name, "can't set immutable config");
    // Redis registers an alias as a config of its own: the same name twice is a duplicate, an
    // option and its alias are not (both parsed in order below: the later value wins).
    for (size_t j = 0; j < i; ++j) {
      if (equalsNoCase(pairs[j].first, name)) return setFailed(name, "duplicate parameter");
    }
    touched.push_back(option);
  }
  for (size_t i = 0; i < pairs.size(); ++i) {
    const Option& option = *touched[i];
    std::string_view text = pairs[i].second;
    std::string canonical;
    Status st;
    if (option.type == OptionType::kInteger || option.type == OptionType::kMemory) {
      st = checkNumeric(option, text, canonical);
      if (!st.isOk()) return setFailed(pairs[i].first, st.message());
      text = canonical;
    } else if (option.type == OptionType::kBool || option.type == OptionType::kEnum) {
      st = checkChoice(option, text);
      if (!st.isOk()) return setFailed(pairs[i].first, st.message());
    }
    try {
      st = option.parse_text(scratch, text);
    } catch (const std::exception& e) {
      st = Status::error(e.what());
    }
    if (!st.isOk()) return setFailed(pairs[i].first, st.message());
  }
  return Status::ok();
}

}  // namespace detail
}  // namespace strata::config
