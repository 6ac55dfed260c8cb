// Implementation of the toml::value -> typed value conversions. Nothing here throws: every
// accessor is guarded by the matching is_xxx() check first.
#include "common/config/toml_values.h"

#include <string_view>

namespace strata::config {

std::string tomlTypeName(const toml::value& value) {
  switch (value.type()) {
    case toml::value_t::empty:
      return "nothing";
    case toml::value_t::boolean:
      return "a boolean";
    case toml::value_t::integer:
      return "an integer";
    case toml::value_t::floating:
      return "a float";
    case toml::value_t::string:
      return "a string";
    case toml::value_t::offset_datetime:
      return "a date-time";
    case toml::value_t::local_datetime:
      return "a date-time";
    case toml::value_t::local_date:
      return "a date";
    case toml::value_t::local_time:
      return "a time";
    case toml::value_t::array:
      return "an array";
    case toml::value_t::table:
      return "a table";
  }
  return "an unknown value";
}

uint32_t tomlLine(const toml::value& value) {
  return static_cast<uint32_t>(value.location().line());
}

Status tomlTypeError(const toml::value& value, std::string_view expected) {
  return Status::error("expected " + std::string(expected) + ", got " + tomlTypeName(value),
                       tomlLine(value));
}

namespace {

// Re-tags a text-parser error with the value's line.
Status atLine(Status status, const toml::value& value) {
  if (status.isOk() || status.line() != 0) return status;
  return Status::error(status.message(), tomlLine(value));
}

}  // namespace

Status boolFromToml(const toml::value& value, bool& out) {
  if (value.is_boolean()) {
    out = value.as_boolean();
    return Status::ok();
  }
  if (value.is_string()) return atLine(parseBool(value.as_string().str, out), value);
  return tomlTypeError(value, "a boolean");
}

Status integerFromToml(const toml::value& value, Range range, int64_t& out) {
  if (!value.is_integer()) return tomlTypeError(value, "an integer");
  const int64_t v = value.as_integer();
  Status st = atLine(checkRange(v, range), value);
  if (st.isOk()) out = v;
  return st;
}

Status memoryFromToml(const toml::value& value, Range range, int64_t& out) {
  if (value.is_integer()) return integerFromToml(value, range, out);
  if (value.is_string()) return atLine(parseMemory(value.as_string().str, range, out), value);
  return tomlTypeError(value, "a memory size (integer or string like \"512mb\")");
}

Status memoryU64FromToml(const toml::value& value, Range range, uint64_t& out) {
  if (value.is_string()) return atLine(parseMemoryU64(value.as_string().str, range, out), value);
  int64_t v = 0;
  Status st = memoryFromToml(value, Range{range.min, kNoMax}, v);
  if (st.isOk()) out = static_cast<uint64_t>(v);
  return st;
}

Status stringFromToml(const toml::value& value, std::string& out) {
  if (!value.is_string()) return tomlTypeError(value, "a string");
  out = value.as_string().str;
  return Status::ok();
}

Status enumFromToml(const toml::value& value, const std::vector<std::string>& choices,
                    size_t& index) {
  if (!value.is_string()) return tomlTypeError(value, "one of " + joinChoices(choices));
  return atLine(parseEnum(value.as_string().str, choices, index), value);
}

Status stringListFromToml(const toml::value& value, std::vector<std::string>& out) {
  if (value.is_string()) {
    out = splitList(value.as_string().str);
    return Status::ok();
  }
  if (!value.is_array()) return tomlTypeError(value, "an array of strings");
  std::vector<std::string> items;
  for (const toml::value& item : value.as_array()) {
    if (!item.is_string()) return tomlTypeError(item, "an array of strings");
    items.push_back(item.as_string().str);
  }
  out = std::move(items);
  return Status::ok();
}

namespace {

Status appendTokens(const toml::value& value, std::vector<std::string>& out) {
  switch (value.type()) {
    case toml::value_t::string: {
      std::vector<std::string> words;
      Status st = atLine(splitArgs(value.as_string().str, words), value);
      if (!st.isOk()) return st;
      out.insert(out.end(), words.begin(), words.end());
      return Status::ok();
    }
    case toml::value_t::integer:
      out.push_back(std::to_string(value.as_integer()));
      return Status::ok();
    case toml::value_t::boolean:
      out.push_back(renderBool(value.as_boolean()));
      return Status::ok();
    case toml::value_t::array:
      for (const toml::value& item : value.as_array()) {
        Status st = appendTokens(item, out);
        if (!st.isOk()) return st;
      }
      return Status::ok();
    default:
      return tomlTypeError(value, "a string, an integer or an array of them");
  }
}

}  // namespace

Status tokensFromToml(const toml::value& value, std::vector<std::string>& out) {
  out.clear();
  return appendTokens(value, out);
}

}  // namespace strata::config
