// Status: the result type of every fallible call in common/config (parsing a value, loading a
// file, CONFIG SET). It is either ok or carries a human-readable message, plus optionally the
// line in the TOML file the problem is on (set by the TOML value parsers so the loader can point
// at an array element rather than the key). No exception escapes the config API; this is what
// callers get instead. Header-only, a plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace strata::config {

class Status {
 public:
  // A default-constructed Status is ok.
  Status() = default;

  static Status ok() { return Status(); }
  // `line` is a 1-based line in the TOML source being parsed, or 0 when unknown / not a file.
  static Status error(std::string message, uint32_t line = 0) {
    Status s;
    s.failed_ = true;
    s.message_ = std::move(message);
    s.line_ = line;
    return s;
  }

  bool isOk() const { return !failed_; }
  const std::string& message() const { return message_; }
  uint32_t line() const { return line_; }

 private:
  bool failed_ = false;
  std::string message_;
  uint32_t line_ = 0;
};

}  // namespace strata::config
