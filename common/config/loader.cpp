// TOML file and command-line loading. toml11 throws on syntax errors and from accessors that
// custom parsers may call; everything is caught here and turned into `file:line: ...` Status
// messages. File keys are applied in line order so the first error reported is the first one in
// the file (toml11's tables are unordered).
#include "common/config/loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <span>
#include <sstream>

#include "common/config/value_parsers.h"

namespace strata::config {
namespace {

constexpr std::string_view kCommandLine = "command line: ";

bool isHelp(std::string_view a) {
  return a == "-h" || a == "--help";
}
bool isVersion(std::string_view a) {
  return a == "-v" || a == "--version";
}

// toml11 messages look like "[error] toml::parse_xxx: what went wrong\n --> file\n  3 | ...".
// Keeps the first line without the "[error] " tag and the "toml::function: " prefix.
std::string shortTomlMessage(std::string_view what) {
  std::string_view first = what.substr(0, what.find('\n'));
  if (first.starts_with("[error] ")) first.remove_prefix(8);
  if (first.starts_with("toml::")) {
    size_t colon = first.find(": ");
    if (colon != std::string_view::npos) first.remove_prefix(colon + 2);
  }
  while (!first.empty() && first.back() == ' ') first.remove_suffix(1);
  return std::string(first);
}

// toml11 formats the location into its messages (" 12 | key = value"); the first such line
// number, or 0. Used for exceptions that carry no source_location (std::out_of_range from
// toml::find on a missing key).
uint32_t lineInTomlMessage(std::string_view what) {
  size_t pos = 0;
  while ((pos = what.find('\n', pos)) != std::string_view::npos) {
    ++pos;
    size_t i = pos;
    while (i < what.size() && what[i] == ' ') ++i;
    uint32_t line = 0;
    size_t digits = 0;
    while (i < what.size() && what[i] >= '0' && what[i] <= '9' && digits < 9) {
      line = line * 10 + static_cast<uint32_t>(what[i++] - '0');
      ++digits;
    }
    if (digits > 0 && what.substr(i, 2) == " |") return line;
  }
  return 0;
}

// The comment toml11 attaches under the source line ("   |        ~ the actual type is integer"),
// or "". Makes accessor errors like "bad_cast to string" say what was found.
std::string tomlAnnotation(std::string_view what) {
  size_t pos = 0;
  while ((pos = what.find('\n', pos)) != std::string_view::npos) {
    std::string_view line = what.substr(++pos);
    line = line.substr(0, line.find('\n'));
    size_t bar = line.find_first_not_of(' ');
    if (bar == std::string_view::npos || line[bar] != '|') continue;
    size_t marker = line.find_first_not_of(' ', bar + 1);
    if (marker == std::string_view::npos ||
        std::string_view("^~-").find(line[marker]) == std::string_view::npos) {
      continue;
    }
    size_t text = line.find_first_not_of("^~- ", marker);
    if (text != std::string_view::npos) return std::string(line.substr(text));
  }
  return "";
}

// One-line message for an exception thrown while reading a value: toml11's headline plus its
// annotation, e.g. "bad_cast to string (the actual type is integer)".
std::string exceptionMessage(std::string_view what) {
  std::string message = shortTomlMessage(what);
  std::string note = tomlAnnotation(what);
  if (!note.empty()) message += " (" + note + ")";
  return message;
}

std::string at(const std::string& source, uint32_t line) {
  return line > 0 ? source + ":" + std::to_string(line) + ": " : source + ": ";
}

// Runs an option's parser, converting any exception a custom parser lets escape.
template <class Fn>
Status guarded(uint32_t fallback_line, Fn&& fn) {
  try {
    return fn();
  } catch (const toml::exception& e) {
    uint32_t line = static_cast<uint32_t>(e.location().line());
    return Status::error(exceptionMessage(e.what()), line > 0 ? line : fallback_line);
  } catch (const std::exception& e) {
    uint32_t line = lineInTomlMessage(e.what());
    return Status::error(exceptionMessage(e.what()), line > 0 ? line : fallback_line);
  }
}

Status applyTable(const SchemaBase& schema, void* settings, const toml::value& root,
                  const std::string& source) {
  if (!root.is_table()) return Status::error(source + ": expected a table at top level");
  std::vector<std::pair<uint32_t, const std::pair<const std::string, toml::value>*>> entries;
  for (const auto& entry : root.as_table()) entries.emplace_back(tomlLine(entry.second), &entry);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second->first < b.second->first;
  });
  for (const auto& item : entries) {
    const uint32_t line = item.first;  // (not a structured binding: clang 14 cannot capture one)
    const auto* entry = item.second;
    const std::string& key = entry->first;
    const Option* option = schema.find(key);
    if (option == nullptr) return Status::error(at(source, line) + "unknown option '" + key + "'");
    Status st = guarded(line, [&] { return option->parse_toml(settings, entry->second); });
    if (!st.isOk()) {
      return Status::error(at(source, st.line() > 0 ? st.line() : line) + "'" + key +
                           "': " + st.message());
    }
  }
  return Status::ok();
}

// Offset of the first byte that is not part of well-formed UTF-8 (TOML files must be UTF-8),
// or npos. Checked before toml11 sees the text: its parser reads past the end of some malformed
// sequences (found by tests/fuzz/config_toml_fuzz).
size_t invalidUtf8At(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (len == 0 || (len == 2 && c < 0xC2) || i + len > text.size()) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

Status applyStream(const SchemaBase& schema, void* settings, std::istream& in,
                   const std::string& source) {
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (size_t bad = invalidUtf8At(text); bad != std::string_view::npos) {
    const auto line = static_cast<uint32_t>(1 + std::count(text.begin(), text.begin() + bad, '\n'));
    return Status::error(at(source, line) + "not valid UTF-8 (byte " + std::to_string(bad) + ")");
  }
  std::istringstream valid(text);
  toml::value root;
  try {
    root = toml::parse(valid, source);
  } catch (const toml::syntax_error& e) {
    return Status::error(at(source, static_cast<uint32_t>(e.location().line())) +
                         "syntax error: " + shortTomlMessage(e.what()));
  } catch (const std::exception& e) {
    return Status::error(source + ": " + shortTomlMessage(e.what()));
  }
  return applyTable(schema, settings, root, source);
}

struct Override {
  const Option* option;
  std::string flag;  // as typed, e.g. "--port"
  std::string value;
};

// Splits the arguments into the config file path and overrides; validates option names.
Status parseArgs(const SchemaBase& schema, const std::vector<std::string>& args, LoadResult& result,
                 std::vector<Override>& overrides) {
  size_t i = 0;
  if (!args.empty() && !args[0].starts_with("-")) result.config_file = args[i++];
  while (i < args.size()) {
    const std::string& arg = args[i];
    if (isHelp(arg) || isVersion(arg)) {
      result.action = isHelp(arg) ? Action::kHelp : Action::kVersion;
      return Status::ok();
    }
    if (!arg.starts_with("-")) {
      return Status::error(std::string(kCommandLine) + "unexpected argument '" + arg +
                           "' (the config file must come first, options are --name value)");
    }
    const Option* option =
        arg.starts_with("--") ? schema.find(std::string_view(arg).substr(2)) : nullptr;
    if (option == nullptr) {
      return Status::error(std::string(kCommandLine) + "unknown option '" + arg + "'");
    }
    size_t j = i + 1;
    while (j < args.size() && !args[j].starts_with("--")) ++j;
    // One word is the value as it is (`--user "app on >pw"`, `--requirepass "a b"`); several
    // keep their boundaries as redis-server's command line does (`--user app on ">p w"`).
    std::string value =
        j == i + 2 ? args[i + 1] : joinArgs(std::span(args).subspan(i + 1, j - i - 1));
    if (j == i + 1) {
      // `--help` / `--version` after a flag still mean help, not a missing value.
      if (j < args.size() && (isHelp(args[j]) || isVersion(args[j]))) {
        result.action = isHelp(args[j]) ? Action::kHelp : Action::kVersion;
        return Status::ok();
      }
      return Status::error(std::string(kCommandLine) + "'" + arg + "' needs a value");
    }
    overrides.push_back({option, arg, std::move(value)});
    i = j;
  }
  return Status::ok();
}

}  // namespace

namespace detail {

std::vector<std::string> argsFrom(int argc, const char* const* argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i] != nullptr ? argv[i] : "");
  return args;
}

LoadResult load(const SchemaBase& schema, void* settings, const std::vector<std::string>& args) {
  LoadResult result;
  std::vector<Override> overrides;
  result.status = parseArgs(schema, args, result, overrides);
  if (!result.ok() || result.action != Action::kRun) return result;

  schema.applyDefaultsTo(settings);
  if (!result.config_file.empty()) {
    std::ifstream in(result.config_file, std::ios::binary);
    if (!in) {
      result.status =
          Status::error(result.config_file + ": cannot open config file: " + std::strerror(errno));
      return result;
    }
    result.status = applyStream(schema, settings, in, result.config_file);
    if (!result.ok()) return result;
  }
  for (const Override& o : overrides) {
    Status st = guarded(0, [&] { return o.option->parse_text(settings, o.value); });
    if (!st.isOk()) {
      result.status =
          Status::error(std::string(kCommandLine) + "'" + o.flag + "': " + st.message());
      return result;
    }
  }
  return result;
}

Status applyToml(const SchemaBase& schema, void* settings, std::string_view text,
                 const std::string& source_name) {
  std::istringstream in{std::string(text)};
  return applyStream(schema, settings, in, source_name);
}

void mergeReloadable(const SchemaBase& schema, void* live, const void* fresh,
                     ReloadResult& result) {
  for (const Option& o : schema.options()) {
    if (o.equal(live, fresh)) continue;
    if (o.reloadable()) {
      o.copy(live, fresh);
      result.changed.push_back(o.name);
    } else {
      result.ignored.push_back(o.name);
    }
  }
}

}  // namespace detail
}  // namespace strata::config
