// Redis 7.0's redactClientCommandArgument targets (see redaction.h).
#include "node/server/redaction.h"

#include "common/config/value_parsers.h"

namespace strata::node {

std::vector<bool> redactedArgs(const CommandDef& def, const std::vector<std::string_view>& argv) {
  std::vector<bool> r(argv.size(), false);
  using config::equalsNoCase;
  if (def.name == "auth") {
    for (size_t j = 1; j < argv.size(); ++j) r[j] = true;
  } else if (def.name == "hello") {
    for (size_t j = 2; j < argv.size(); ++j) {
      if (equalsNoCase(argv[j], "AUTH") && j + 2 < argv.size()) {
        r[j + 1] = r[j + 2] = true;
        j += 2;
      } else if (equalsNoCase(argv[j], "SETNAME") && j + 1 < argv.size()) {
        ++j;
      } else {
        break;
      }
    }
  } else if (def.name == "migrate") {
    for (size_t j = 6; j < argv.size(); ++j) {
      if (equalsNoCase(argv[j], "AUTH") && j + 1 < argv.size()) {
        r[j + 1] = true;
        break;
      }
      if (equalsNoCase(argv[j], "AUTH2") && j + 2 < argv.size()) {
        r[j + 1] = r[j + 2] = true;
        break;
      }
      if (equalsNoCase(argv[j], "KEYS")) break;
    }
  }
  return r;
}

}  // namespace strata::node
