// Implementation of common/observe/logging.h: one dist_sink shared by all component loggers,
// whose single child (stderr or file sink) is replaced on initLogging().
#include "common/observe/logging.h"
#include "common/config/value_parsers.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/observe/json_log_formatter.h"

namespace strata::observe {
namespace {

constexpr char kTextPattern[] = "[%Y-%m-%dT%H:%M:%S.%eZ] [%l] [%n] %v";
constexpr char kRootLogger[] = "strata";
constexpr auto kFlushInterval = std::chrono::seconds(1);

std::unique_ptr<spdlog::formatter> makeFormatter(LogFormat format) {
  if (format == LogFormat::kJson) return std::make_unique<JsonLogFormatter>();
  return std::make_unique<spdlog::pattern_formatter>(kTextPattern, spdlog::pattern_time_type::utc);
}

struct State {
  std::mutex mutex;
  // The dist_sink's own mutex serializes writers, so its child needs none (_st).
  std::shared_ptr<spdlog::sinks::dist_sink_mt> sink;
  spdlog::level::level_enum level = spdlog::level::info;
  std::unordered_map<std::string, std::shared_ptr<spdlog::logger>> loggers;
  bool initialized = false;

  State() : sink(std::make_shared<spdlog::sinks::dist_sink_mt>()) {
    auto stderrSink = std::make_shared<spdlog::sinks::stderr_sink_st>();
    stderrSink->set_formatter(makeFormatter(LogFormat::kText));
    sink->set_sinks({stderrSink});
  }
};

// Never destroyed, so logging from static destructors and exit handlers stays safe.
State& state() {
  static State* s = new State();
  return *s;
}

std::shared_ptr<spdlog::logger> loggerLocked(State& s, const std::string& component) {
  auto it = s.loggers.find(component);
  if (it != s.loggers.end()) return it->second;
  auto log = std::make_shared<spdlog::logger>(component, s.sink);
  log->set_level(s.level);
  log->flush_on(spdlog::level::warn);
  // Registered so spdlog::flush_every() and spdlog::get() see it; a foreign logger of the same
  // name keeps its registration (ours still writes to, and flushes, the shared sink).
  if (spdlog::get(component) == nullptr) {
    try {
      spdlog::register_logger(log);
    } catch (const spdlog::spdlog_ex&) {
    }
  }
  s.loggers.emplace(component, log);
  return log;
}

}  // namespace

std::optional<spdlog::level::level_enum> parseLogLevel(std::string_view name) {
  using spdlog::level::level_enum;
  static const std::unordered_map<std::string, level_enum> kLevels = {
      // Redis names.
      {"debug", level_enum::debug},
      {"verbose", level_enum::debug},
      {"notice", level_enum::info},
      {"warning", level_enum::warn},
      {"nothing", level_enum::off},
      // spdlog names.
      {"trace", level_enum::trace},
      {"info", level_enum::info},
      {"warn", level_enum::warn},
      {"error", level_enum::err},
      {"err", level_enum::err},
      {"critical", level_enum::critical},
      {"off", level_enum::off},
  };
  auto it = kLevels.find(config::toLower(name));
  if (it == kLevels.end()) return std::nullopt;
  return it->second;
}

std::optional<LogFormat> parseLogFormat(std::string_view name) {
  std::string n = config::toLower(name);
  if (n == "text") return LogFormat::kText;
  if (n == "json") return LogFormat::kJson;
  return std::nullopt;
}

std::optional<std::string> initLogging(const LogOptions& options) {
  auto level = parseLogLevel(options.level);
  if (!level) {
    return "unknown log level '" + options.level +
           "' (expected debug, verbose, notice, warning, nothing, or trace, info, warn, error, "
           "critical, off)";
  }
  std::shared_ptr<spdlog::sinks::sink> output;
  if (options.file.empty()) {
    output = std::make_shared<spdlog::sinks::stderr_sink_st>();
  } else {
    try {
      output = std::make_shared<spdlog::sinks::basic_file_sink_st>(options.file, false);
    } catch (const std::exception& e) {
      return "cannot open log file '" + options.file + "': " + e.what();
    }
  }
  output->set_formatter(makeFormatter(options.format));

  State& s = state();
  std::lock_guard lock(s.mutex);
  s.sink->flush();
  s.sink->set_sinks({std::move(output)});
  s.level = *level;
  for (auto& [name, log] : s.loggers) log->set_level(*level);
  if (!s.initialized) {
    s.initialized = true;
    spdlog::set_default_logger(loggerLocked(s, kRootLogger));
    spdlog::flush_every(kFlushInterval);
  }
  return std::nullopt;
}

std::shared_ptr<spdlog::logger> logger(const std::string& component) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  return loggerLocked(s, component);
}

void flushLogs() {
  state().sink->flush();
}

}  // namespace strata::observe
