// Startup loading, redis-server style: `node [config.toml] [--name value [value ...]] ...`.
//
//  1. every option gets its declared default;
//  2. the optional first positional argument is a TOML file whose top-level keys are option
//     names (`port = 7000`, `maxmemory = "1gb"`, custom options may use tables/arrays);
//  3. `--name value...` overrides follow; the words up to the next `--xxx` are joined by spaces
//     (`--save 900 1`, `--client-output-buffer-limit "normal 0 0 0"`) and validated exactly like
//     file and CONFIG SET values. The command line wins over the file.
// `-h/--help` and `-v/--version` are reported back (Action) for the caller to print and exit.
//
// Errors name the source, line and key: `node.toml:12: unknown option 'prot'`,
// `node.toml:3: 'port': 70000 is out of range [0, 65535]`, `node.toml:5: syntax error: ...`,
// `command line: '--port' needs a value`. Loading is all-or-nothing: on error (or help/version)
// the caller's settings are left untouched. Also SIGHUP-style reload() of reloadable options.
// Used by node and proxy main(); the templates forward to the non-template code in loader.cpp.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/config/schema.h"
#include "common/config/status.h"

namespace strata::config {

enum class Action { kRun, kHelp, kVersion };

struct LoadResult {
  Status status;
  Action action = Action::kRun;  // kHelp / kVersion: print helpText() / the version, exit(0)
  std::string config_file;       // the positional TOML path, "" if none was given
  bool ok() const { return status.isOk(); }
};

struct ReloadResult {
  Status status;
  std::vector<std::string> changed;  // reloadable options whose value changed (now applied)
  std::vector<std::string> ignored;  // immutable options whose value changed (restart needed)
};

namespace detail {

std::vector<std::string> argsFrom(int argc, const char* const* argv);
// `args` excludes the program name. Loads defaults, file and overrides into `settings`, which
// is scratch space (may be half-written on error).
LoadResult load(const SchemaBase& schema, void* settings, const std::vector<std::string>& args);
// Applies TOML text on top of `settings`; errors are prefixed with `source_name:line:`.
Status applyToml(const SchemaBase& schema, void* settings, std::string_view text,
                 const std::string& source_name);
// Copies reloadable options that differ from `fresh` into `live`; lists the others.
void mergeReloadable(const SchemaBase& schema, void* live, const void* fresh, ReloadResult& result);

}  // namespace detail

// Loads `settings` from defaults, the optional config file and command-line overrides.
// `args` are the arguments after the program name (argv[1..]).
template <class S>
LoadResult load(const Schema<S>& schema, S& settings, const std::vector<std::string>& args) {
  S scratch = settings;
  LoadResult result = detail::load(schema, &scratch, args);
  if (result.ok() && result.action == Action::kRun) settings = std::move(scratch);
  return result;
}

template <class S>
LoadResult load(const Schema<S>& schema, S& settings, int argc, const char* const* argv) {
  return load(schema, settings, detail::argsFrom(argc, argv));
}

// Applies TOML text on top of the current settings (no defaults); for embedded configs and tests.
template <class S>
Status applyToml(const Schema<S>& schema, S& settings, std::string_view text,
                 const std::string& source_name = "config") {
  S scratch = settings;
  Status st = detail::applyToml(schema, &scratch, text, source_name);
  if (st.isOk()) settings = std::move(scratch);
  return st;
}

// SIGHUP: re-reads the same file and command line into a fresh copy; if that succeeds, applies
// the reloadable options that changed and lists the immutable ones that changed (ignored until
// restart). On error nothing changes.
template <class S>
ReloadResult reload(const Schema<S>& schema, S& settings, const std::vector<std::string>& args) {
  ReloadResult result;
  S fresh = settings;
  LoadResult loaded = detail::load(schema, &fresh, args);
  result.status = loaded.status;
  if (loaded.ok() && loaded.action == Action::kRun) {
    detail::mergeReloadable(schema, &settings, &fresh, result);
  }
  return result;
}

template <class S>
ReloadResult reload(const Schema<S>& schema, S& settings, int argc, const char* const* argv) {
  return reload(schema, settings, detail::argsFrom(argc, argv));
}

}  // namespace strata::config
