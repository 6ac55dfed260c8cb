// Implementation of the shared value parsers: strict integer parsing via from_chars, Redis's
// memtoull() unit table, yes/no booleans, an sdssplitargs()-compatible tokenizer and its inverse
// (sdscatrepr).
#include "common/config/value_parsers.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <utility>

namespace strata::config {
namespace {

bool isSpace(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

// Strictly parses [-]digits into an int64; false on anything else or on overflow.
bool parseInt64(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && ptr == last;
}

struct MemoryUnit {
  std::string_view suffix;
  int64_t multiplier;
};

constexpr std::array<MemoryUnit, 8> kMemoryUnits = {{
    {"", 1},
    {"b", 1},
    {"k", 1000},
    {"kb", 1024},
    {"m", 1000 * 1000},
    {"mb", 1024 * 1024},
    {"g", 1000LL * 1000 * 1000},
    {"gb", 1024LL * 1024 * 1024},
}};

}  // namespace

std::string describeRange(Range range) {
  std::string lo =
      range.min == std::numeric_limits<int64_t>::min() ? "-inf" : std::to_string(range.min);
  std::string hi =
      range.max == std::numeric_limits<int64_t>::max() ? "+inf" : std::to_string(range.max);
  return "[" + lo + ", " + hi + "]";
}

Status checkRange(int64_t value, Range range) {
  if (value < range.min || value > range.max) {
    return Status::error(std::to_string(value) + " is out of range " + describeRange(range));
  }
  return Status::ok();
}

Status parseBool(std::string_view text, bool& out) {
  static constexpr std::array<std::string_view, 4> kTrue = {"yes", "true", "on", "1"};
  static constexpr std::array<std::string_view, 4> kFalse = {"no", "false", "off", "0"};
  for (std::string_view word : kTrue) {
    if (equalsNoCase(text, word)) {
      out = true;
      return Status::ok();
    }
  }
  for (std::string_view word : kFalse) {
    if (equalsNoCase(text, word)) {
      out = false;
      return Status::ok();
    }
  }
  return Status::error("expected yes or no, got " + quoted(text));
}

Status parseInteger(std::string_view text, Range range, int64_t& out) {
  int64_t value = 0;
  if (!parseInt64(text, value)) {
    // Distinguish "too many digits" from "not a number" for a clearer message.
    bool digits = !text.empty();
    for (size_t i = 0; i < text.size(); ++i) {
      if (!(std::isdigit(static_cast<unsigned char>(text[i])) || (i == 0 && text[i] == '-'))) {
        digits = false;
      }
    }
    if (digits && text != "-")
      return Status::error(std::string(text) + " is out of range " + describeRange(range));
    return Status::error("expected an integer, got " + quoted(text));
  }
  Status st = checkRange(value, range);
  if (!st.isOk()) return st;
  out = value;
  return Status::ok();
}

Status parseMemory(std::string_view text, Range range, int64_t& out) {
  size_t digits_end = 0;
  if (digits_end < text.size() && text[digits_end] == '-') ++digits_end;
  while (digits_end < text.size() && std::isdigit(static_cast<unsigned char>(text[digits_end]))) {
    ++digits_end;
  }
  const std::string_view number = text.substr(0, digits_end);
  const std::string_view unit = text.substr(digits_end);
  const MemoryUnit* found = nullptr;
  for (const MemoryUnit& candidate : kMemoryUnits) {
    if (equalsNoCase(unit, candidate.suffix)) found = &candidate;
  }
  int64_t value = 0;
  if (found == nullptr || number.empty() || number == "-") {
    return Status::error(
        "expected a memory size (bytes, or a number with unit "
        "b/k/kb/m/mb/g/gb like 512mb), got " +
        quoted(text));
  }
  if (!parseInt64(number, value) || __builtin_mul_overflow(value, found->multiplier, &value)) {
    return Status::error("memory size " + quoted(text) + " is too large");
  }
  Status st = checkRange(value, range);
  if (!st.isOk()) return st;
  out = value;
  return Status::ok();
}

bool memtoull(std::string_view text, uint64_t& out) {
  size_t n = 0;
  while (n < text.size() && text[n] >= '0' && text[n] <= '9') ++n;
  if (n >= 128) return false;
  const std::string_view unit = text.substr(n);
  const MemoryUnit* found = nullptr;
  for (const MemoryUnit& candidate : kMemoryUnits) {
    if (equalsNoCase(unit, candidate.suffix)) found = &candidate;
  }
  if (found == nullptr) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t d = static_cast<uint64_t>(text[i] - '0');
    v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
  }
  out = v * static_cast<uint64_t>(found->multiplier);
  return true;
}

Status parseMemoryU64(std::string_view text, Range range, uint64_t& out) {
  uint64_t value = 0;
  if (!memtoull(text, value)) {
    return Status::error(
        "expected a memory size (bytes, or a number with unit "
        "b/k/kb/m/mb/g/gb like 512mb), got " +
        quoted(text));
  }
  if (value <= static_cast<uint64_t>(kNoMax)) {
    Status st = checkRange(static_cast<int64_t>(value), range);
    if (!st.isOk()) return st;
  } else if (range.max != kNoMax) {
    return Status::error(std::to_string(value) + " is out of range " + describeRange(range));
  }
  out = value;
  return Status::ok();
}

Status parseEnum(std::string_view text, const std::vector<std::string>& choices, size_t& index) {
  for (size_t i = 0; i < choices.size(); ++i) {
    if (equalsNoCase(text, choices[i])) {
      index = i;
      return Status::ok();
    }
  }
  return Status::error("expected one of " + joinChoices(choices) + ", got " + quoted(text));
}

std::string joinChoices(const std::vector<std::string>& choices, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) out += sep;
    out += choices[i];
  }
  return out;
}

std::vector<std::string> splitList(std::string_view text) {
  std::vector<std::string> items;
  std::string current;
  for (char c : text) {
    if (c == ',' || isSpace(c)) {
      if (!current.empty()) items.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) items.push_back(std::move(current));
  return items;
}

std::string renderList(const std::vector<std::string>& items) {
  return joinChoices(items, " ");
}

Status splitArgs(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  size_t i = 0;
  const size_t n = line.size();
  auto unbalanced = [] { return Status::error("unbalanced quotes"); };
  while (true) {
    while (i < n && isSpace(line[i])) ++i;
    if (i == n) return Status::ok();
    std::string current;
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    while (!done) {
      if (in_double) {
        if (i == n) return unbalanced();
        char c = line[i];
        if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && hexValue(line[i + 2]) >= 0 &&
            hexValue(line[i + 3]) >= 0) {
          current += static_cast<char>(hexValue(line[i + 2]) * 16 + hexValue(line[i + 3]));
          i += 3;
        } else if (c == '\\' && i + 1 < n) {
          ++i;
          switch (line[i]) {
            case 'n':
              current += '\n';
              break;
            case 'r':
              current += '\r';
              break;
            case 't':
              current += '\t';
              break;
            case 'b':
              current += '\b';
              break;
            case 'a':
              current += '\a';
              break;
            default:
              current += line[i];
              break;
          }
        } else if (c == '"') {
          // The closing quote must be followed by a space or nothing.
          if (i + 1 < n && !isSpace(line[i + 1])) return unbalanced();
          done = true;
        } else {
          current += c;
        }
      } else if (in_single) {
        if (i == n) return unbalanced();
        char c = line[i];
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          current += '\'';
        } else if (c == '\'') {
          if (i + 1 < n && !isSpace(line[i + 1])) return unbalanced();
          done = true;
        } else {
          current += c;
        }
      } else {
        if (i == n) break;
        char c = line[i];
        if (isSpace(c)) {
          done = true;
        } else if (c == '"') {
          in_double = true;
        } else if (c == '\'') {
          in_single = true;
        } else {
          current += c;
        }
      }
      if (i < n) ++i;
    }
    out.push_back(std::move(current));
  }
}

std::string joinArgs(std::span<const std::string> words) {
  std::string line;
  for (const std::string& word : words) {
    if (!line.empty()) line += ' ';
    const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
      return c > ' ' && c < 0x7f && c != '"' && c != '\'' && c != '\\';
    });
    if (plain) {
      line += word;
    } else {
      appendRepr(line, word);
    }
  }
  return line;
}

void appendRepr(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default:
        if (u >= 0x20 && u < 0x7f) {  // isprint() in the "C" locale, as Redis runs it
          out += c;
        } else {
          out += "\\x";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        }
    }
  }
  out += '"';
}

std::string toLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool equalsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace strata::config
