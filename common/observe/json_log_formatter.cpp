// Implementation of common/observe/json_log_formatter.h.
#include "common/observe/json_log_formatter.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <iterator>

namespace strata::observe {
namespace {

void put(spdlog::memory_buf_t& dest, std::string_view s) {
  dest.append(s.data(), s.data() + s.size());
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 if it is not valid.
size_t utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  size_t len;
  uint32_t min;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    len = 3, min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  uint32_t cp = lead & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

void appendJsonEscaped(std::string_view text, spdlog::memory_buf_t& dest) {
  auto out = std::back_inserter(dest);
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      size_t len = utf8SequenceLength(text, i);
      if (len == 0) {
        fmt::format_to(out, "\\u{:04x}", c);
        ++i;
      } else {
        dest.append(text.data() + i, text.data() + i + len);
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"':
        put(dest, "\\\"");
        break;
      case '\\':
        put(dest, "\\\\");
        break;
      case '\n':
        put(dest, "\\n");
        break;
      case '\r':
        put(dest, "\\r");
        break;
      case '\t':
        put(dest, "\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          fmt::format_to(out, "\\u{:04x}", c);
        } else {
          dest.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
}

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  using namespace std::chrono;
  auto since = msg.time.time_since_epoch();
  auto secs = duration_cast<seconds>(since);
  auto micros = duration_cast<microseconds>(since - secs).count();
  std::time_t t = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  auto out = std::back_inserter(dest);
  fmt::format_to(out, "{{\"ts\":\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z\",\"level\":\"",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 micros);
  auto level = spdlog::level::to_string_view(msg.level);
  dest.append(level.data(), level.data() + level.size());
  put(dest, "\",\"logger\":\"");
  appendJsonEscaped(std::string_view(msg.logger_name.data(), msg.logger_name.size()), dest);
  fmt::format_to(out, "\",\"thread\":{},\"msg\":\"", msg.thread_id);
  appendJsonEscaped(std::string_view(msg.payload.data(), msg.payload.size()), dest);
  put(dest, "\"}\n");
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const {
  return std::make_unique<JsonLogFormatter>();
}

}  // namespace strata::observe
