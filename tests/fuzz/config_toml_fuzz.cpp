// libFuzzer target for configuration loading (common/config + the proxy's and the node's option
// tables): TOML text as an operator's file would hold it, applied on top of the defaults with
// config::applyToml. The first input byte picks the schema (proxy or node). Invariants: no crash
// or undefined behaviour on any text; a rejected file names the source ("fuzz.toml:") in its
// error; an accepted one leaves every option readable through the CONFIG GET registry.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/config/loader.h"
#include "common/config/registry.h"
#include "node/settings_schema.h"
#include "proxy/settings_schema.h"

namespace {

template <class S>
void exercise(const strata::config::Schema<S>& schema, std::string_view text) {
  S settings{};
  strata::config::Status st = strata::config::applyToml(schema, settings, text, "fuzz.toml");
  if (!st.isOk()) {
    if (st.message().find("fuzz.toml") == std::string::npos) std::abort();
    return;
  }
  if (strata::config::detail::getMatching(schema, &settings, {"*"}).empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((data[0] & 1) == 0) {
    exercise(strata::proxy::proxySchema(), text);
  } else {
    exercise(strata::node::nodeSchema(), text);
  }
  return 0;
}
