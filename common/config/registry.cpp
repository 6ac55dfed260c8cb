// CONFIG GET / SET over the type-erased option table. Error texts follow Redis 7.0's
// configSetCommand(): unknown names are reported first, then immutability / duplicates, then
// value validation, each as "ERR CONFIG SET failed (possibly related to argument 'x') - why".
#include "common/config/registry.h"

#include <algorithm>
#include <exception>

#include "common/config/glob.h"

namespace strata::config {
namespace {

Status setFailed(std::string_view name, std::string_view why) {
  return Status::error("ERR CONFIG SET failed (possibly related to argument '" + std::string(name) +
                       "') - " + std::string(why));
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
  for (const Option& o : schema.options()) {
    const bool matched = std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
      return globMatch(p, o.name, /*nocase=*/true);
    });
    if (matched) out.emplace_back(o.name, o.render(settings));
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
  for (const auto& [name, value] : pairs) {
    const Option* option = schema.find(name);
    if (!option->reloadable()) return setFailed(name, "can't set immutable config");
    if (std::find(touched.begin(), touched.end(), option) != touched.end()) {
      return setFailed(name, "duplicate parameter");
    }
    touched.push_back(option);
  }
  for (size_t i = 0; i < pairs.size(); ++i) {
    Status st;
    try {
      st = touched[i]->parse_text(scratch, pairs[i].second);
    } catch (const std::exception& e) {
      st = Status::error(e.what());
    }
    if (!st.isOk()) return setFailed(pairs[i].first, st.message());
  }
  return Status::ok();
}

}  // namespace detail
}  // namespace strata::config
