// Formats the option table for --help: one header line per option, then its help text indented.
#include "common/config/help.h"

namespace strata::config {

std::string helpText(const SchemaBase& schema, std::string_view program) {
  std::string out;
  out += "Usage: " + std::string(program) + " [/path/to/config.toml] [--option value ...]\n";
  out += "       " + std::string(program) + " -h | --help | -v | --version\n\n";
  out += "Every option can be set in the TOML file (`name = value`) or on the command line\n";
  out += "(`--name value`); the command line wins. [reloadable] options may also change at\n";
  out += "runtime with CONFIG SET.\n\nOptions:\n";
  for (const Option& o : schema.options()) {
    std::string line = "  --" + o.name + " <" + o.value_hint + ">";
    out += line;
    out += "\n      default: " + (o.default_text.empty() ? "\"\"" : o.default_text);
    if (o.reloadable()) out += "  [reloadable]";
    out += "\n";
    if (!o.help.empty()) out += "      " + o.help + "\n";
  }
  return out;
}

}  // namespace strata::config
