// spdlog formatter for structured logs: one JSON object per line,
//   {"ts":"2024-05-01T12:00:00.123456Z","level":"info","logger":"proxy","thread":1234,"msg":"..."}
// with the timestamp in UTC (microseconds) and the message escaped (control characters and
// invalid UTF-8 bytes become \u00XX, so every line parses). Installed by initLogging() when the
// format is json; spdlog calls format() under its sink's lock, so any thread may log.
#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string_view>

namespace strata::observe {

class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// Appends `text` to `dest` as the body of a JSON string (without the surrounding quotes).
void appendJsonEscaped(std::string_view text, spdlog::memory_buf_t& dest);

}  // namespace strata::observe
