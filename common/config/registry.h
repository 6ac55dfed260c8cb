// Runtime access to a loaded configuration, for CONFIG GET / CONFIG SET and SIGHUP-free tuning.
// A Registry<S> binds a Schema<S> to the live settings object of the node or proxy:
//
//   Registry<NodeSettings> registry(nodeSchema(), settings);
//   registry.get("maxmemory");             // "1073741824"
//   registry.getMatching("max*");          // {{"maxmemory", "..."}, {"maxmemory-policy", "..."}}
//   registry.set("maxmemory", "2gb");      // ok, or "ERR CONFIG SET failed (...) - ..."
//
// Values render as Redis's CONFIG GET does (yes/no, bytes, space-separated lists). Names are
// case-insensitive; patterns use globMatch() with nocase, like Redis. set() validates exactly as
// the loader does, refuses immutable options with Redis 7's wording, and with several pairs is
// all-or-nothing (Redis 7 CONFIG SET semantics). Error messages are complete RESP error texts
// ("ERR ..."). Not thread-safe: the caller serializes access to the settings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/config/schema.h"
#include "common/config/status.h"

namespace strata::config {

using NameValue = std::pair<std::string, std::string>;

namespace detail {

std::optional<std::string> get(const SchemaBase& schema, const void* settings,
                               std::string_view name);
// Options matching any pattern, each once, in declaration order.
std::vector<NameValue> getMatching(const SchemaBase& schema, const void* settings,
                                   const std::vector<std::string>& patterns);
// Validates names, mutability and duplicates, then parses each value into `scratch`. On success
// `touched` lists the options written.
Status set(const SchemaBase& schema, void* scratch, const std::vector<NameValue>& pairs,
           std::vector<const Option*>& touched);

}  // namespace detail

template <class S>
class Registry {
 public:
  Registry(const Schema<S>& schema, S& settings) : schema_(schema), settings_(settings) {}

  // CONFIG GET of one exact name; nullopt if unknown.
  std::optional<std::string> get(std::string_view name) const {
    return detail::get(schema_, &settings_, name);
  }

  // CONFIG GET pattern [pattern ...]: (name, value) pairs in declaration order.
  std::vector<NameValue> getMatching(std::string_view pattern) const {
    return detail::getMatching(schema_, &settings_, {std::string(pattern)});
  }
  std::vector<NameValue> getMatching(const std::vector<std::string>& patterns) const {
    return detail::getMatching(schema_, &settings_, patterns);
  }

  // Every option with its current value (CONFIG GET *).
  std::vector<NameValue> all() const { return getMatching("*"); }

  // CONFIG SET name value.
  Status set(std::string_view name, std::string_view value) {
    return set({NameValue(std::string(name), std::string(value))});
  }

  // CONFIG SET name value [name value ...]: all applied, or none.
  Status set(const std::vector<NameValue>& pairs) {
    S scratch = settings_;
    std::vector<const Option*> touched;
    Status st = detail::set(schema_, &scratch, pairs, touched);
    if (!st.isOk()) return st;
    for (const Option* o : touched) o->copy(&settings_, &scratch);
    return st;
  }

  const Schema<S>& schema() const { return schema_; }
  S& settings() { return settings_; }
  const S& settings() const { return settings_; }

 private:
  const Schema<S>& schema_;
  S& settings_;
};

}  // namespace strata::config
