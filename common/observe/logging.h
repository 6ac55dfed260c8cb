// Process-wide logging set-up on spdlog, and the per-component loggers that node/ and proxy/ log
// through (`observe::logger("proxy")->info(...)`). Owns the one sink every logger writes to
// (stderr or a file, text or JSON lines), swapped in place when initLogging() runs again (config
// reload), so loggers created before initLogging() follow it.
//
// Levels: Redis's `loglevel` names are accepted and mapped as
//   debug -> debug, verbose -> debug, notice -> info, warning -> warn, nothing -> off;
// spdlog's own names are accepted too (trace, debug, info, warn, error/err, critical, off), so
// "debug" means the same in both vocabularies and `trace` is reachable only by its spdlog name.
// Names are case-insensitive.
//
// Synchronous, not async: each line is formatted and written by the logging thread under the
// sink's mutex, so nothing sits in an in-memory queue that a crash would lose, and the N proxy
// workers can log concurrently. Writes go through stdio's buffer: the sink is flushed on every
// message at warn or above and every second otherwise (spdlog::flush_every), and by flushLogs()
// (call it before exit or abort). stderr is unbuffered. Hot paths should not log per request.
//
// Threads: logger(), flushLogs() and a re-call of initLogging() are safe from any thread. Call
// the first initLogging() from main before starting threads (it installs spdlog's default logger).
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace strata::observe {

enum class LogFormat {
  kText,  // "[2024-05-01T12:00:00.123Z] [info] [proxy] message" (UTC)
  kJson,  // one JSON object per line: ts, level, logger, thread, msg (see json_log_formatter.h)
};

struct LogOptions {
  std::string level = "notice";  // Redis or spdlog level name, see above
  std::string file;              // empty = stderr; otherwise appended to
  LogFormat format = LogFormat::kText;
};

// The spdlog level for a Redis or spdlog level name; nullopt if unknown.
std::optional<spdlog::level::level_enum> parseLogLevel(std::string_view name);

// "text" or "json" (case-insensitive); nullopt if unknown.
std::optional<LogFormat> parseLogFormat(std::string_view name);

// Applies `options` to every logger, existing and future. Returns nullopt on success, or an error
// (unknown level, log file that cannot be opened: the message names the file), in which case the
// previous configuration stays in force.
std::optional<std::string> initLogging(const LogOptions& options);

// The logger of one component ("node", "proxy", "cluster", ...), created on first use with the
// current sink and level. Cheap to keep: store the pointer instead of looking it up per line.
std::shared_ptr<spdlog::logger> logger(const std::string& component);

// Writes out whatever the sink has buffered.
void flushLogs();

}  // namespace strata::observe
