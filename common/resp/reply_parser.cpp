// ReplyParser: see reply_parser.h. frame() is the only validator; the tree builder below runs
// only over bytes frame() accepted, so parse() and frame() can never disagree on a value's extent
// and the builder needs no error handling.
#include "common/resp/reply_parser.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/errors.h"
#include "common/resp/number.h"

namespace strata::resp {
namespace {

// RESP3 double: [+|-]digits[.digits][e[+|-]digits], inf, -inf, nan.
bool parseDouble(const char* s, size_t n, double* out) {
  if (n > 0 && s[0] == '+') {
    ++s;
    --n;
    if (n > 0 && s[0] == '-') return false;
  }
  if (n == 0) return false;
  double d = 0;
  const auto [end, ec] = std::from_chars(s, s + n, d);
  if (end != s + n) return false;
  if (ec == std::errc::result_out_of_range) {
    // Still a number (it rounds to 0, a subnormal or inf): let strtod say which. Rare.
    const std::string copy(s, n);
    d = std::strtod(copy.c_str(), nullptr);
  } else if (ec != std::errc()) {
    return false;
  }
  *out = d;
  return true;
}

bool isBigNumber(const char* s, size_t n) {
  size_t i = (n > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i == n) return false;
  for (; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

bool isTypeByte(char t) {
  switch (t) {
    case '+':
    case '-':
    case ':':
    case '$':
    case '*':
    case '_':
    case ',':
    case '#':
    case '(':
    case '=':
    case '%':
    case '~':
    case '>':
    case '|':
    case '!':
      return true;
    default:
      return false;
  }
}

}  // namespace

ReplyParser::ReplyParser(const Limits& limits) : limits_(limits) {}

void ReplyParser::restart() {
  done_ = false;
  pos_ = 0;
  scanned_ = 0;
  bodyLen_ = -1;
  bodyType_ = 0;
  stack_.clear();
  consumed_ = 0;
  type_ = 0;
  errorOffset_ = 0;
  errorLen_ = 0;
  errorText_ = {};
}

void ReplyParser::reset() {
  restart();
  failed_ = false;
  error_.clear();
}

ParseStatus ReplyParser::fail(std::string_view text) {
  failed_ = true;
  error_.assign(text);
  consumed_ = 0;
  return ParseStatus::kError;
}

bool ReplyParser::finishValue() {
  while (!stack_.empty()) {
    Open& top = stack_.back();
    if (--top.remaining != 0) return false;
    const bool attribute = top.attribute;
    stack_.pop_back();
    // A finished attribute is not an element: the value it annotates comes next.
    if (attribute) return false;
  }
  return true;
}

// Finds the CR ending the line that starts at pos_ (the type byte). A line longer than
// maxInlineLen fails whether or not its CR has arrived, so chunking never changes the outcome.
ParseStatus ReplyParser::readLine(const char* data, size_t len, size_t* lineEnd) {
  const size_t from = std::max(pos_ + 1, scanned_);
  const void* cr = from < len ? std::memchr(data + from, '\r', len - from) : nullptr;
  const size_t crOff = cr ? static_cast<size_t>(static_cast<const char*>(cr) - data) : len;
  if (crOff - pos_ > limits_.maxInlineLen) return fail(errors::kTooBigReplyLine);
  if (cr == nullptr || crOff + 1 >= len) {
    scanned_ = crOff;
    return ParseStatus::kIncomplete;
  }
  if (data[crOff + 1] != '\n') return fail(errors::kReplyMissingCrlf);
  *lineEnd = crOff;
  return ParseStatus::kOk;
}

bool ReplyParser::tryFastFrame(const char* data, size_t len) {
  constexpr size_t kMaxFastLine = 64;  // a longer first line takes the general path
  if (len < 4 || limits_.maxInlineLen < kMaxFastLine) return false;
  const char t = data[0];
  size_t cr = 0;
  int64_t value = 0;
  const unsigned d0 = static_cast<unsigned char>(data[1]) - '0';
  const unsigned d1 = static_cast<unsigned char>(data[2]) - '0';
  if (t == '$' && d0 <= 9 && data[2] == '\r') {  // one or two digits: no scan, no parseInt64
    cr = 2;
    value = d0;
  } else if (t == '$' && d0 - 1 <= 8 && d1 <= 9 && data[3] == '\r') {
    cr = 3;
    value = d0 * 10 + d1;
  } else {
    if (t != '+' && t != '-' && t != ':' && t != '$') return false;
    const size_t scan = std::min(len, kMaxFastLine);
    cr = 1;
    while (cr < scan && data[cr] != '\r') ++cr;
    if (cr >= scan) return false;
    if ((t == ':' || t == '$') && !parseInt64(data + 1, cr - 1, &value)) return false;
  }
  if (cr + 1 >= len || data[cr + 1] != '\n') return false;
  size_t end = cr + 2;
  if (t == '$' && value != -1) {
    if (value < 0 || value > limits_.maxBulkLen) return false;
    const size_t bodyEnd = end + static_cast<size_t>(value);
    if (bodyEnd + 2 > len || data[bodyEnd] != '\r' || data[bodyEnd + 1] != '\n') return false;
    end = bodyEnd + 2;
  }
  done_ = true;
  pos_ = end;
  consumed_ = end;
  type_ = t;
  errorText_ = t == '-' ? std::string_view(data + 1, cr - 1) : std::string_view();
  return true;
}

ParseStatus ReplyParser::frame(const char* data, size_t len) {
  if (failed_) return ParseStatus::kError;
  if (done_) restart();
  if (std::max(pos_, scanned_) > len) [[unlikely]] {
    return fail(errors::kInputShrank);
  }
  if (pos_ == 0 && bodyLen_ < 0 && stack_.empty() && tryFastFrame(data, len)) {
    return ParseStatus::kOk;
  }
  for (;;) {
    if (bodyLen_ >= 0) {  // the body of a `$ ! =` value
      const size_t need = static_cast<size_t>(bodyLen_) + 2;
      if (len - pos_ < need) return ParseStatus::kIncomplete;
      const char* body = data + pos_;
      if (body[bodyLen_] != '\r' || body[bodyLen_ + 1] != '\n') {
        return fail(errors::kReplyMissingCrlf);
      }
      if (bodyType_ == '=' && body[3] != ':') return fail(errors::kInvalidReplyVerbatim);
      if (bodyType_ == '!' && stack_.empty()) {
        errorOffset_ = pos_;
        errorLen_ = static_cast<size_t>(bodyLen_);
      }
      pos_ += need;
      bodyLen_ = -1;
      if (finishValue()) break;
      continue;
    }

    if (pos_ >= len) return ParseStatus::kIncomplete;
    const char t = data[pos_];
    if (!isTypeByte(t)) return fail(errors::kInvalidReplyType);
    size_t lineEnd = 0;
    const ParseStatus st = readLine(data, len, &lineEnd);
    if (st != ParseStatus::kOk) return st;
    const char* s = data + pos_ + 1;
    const size_t n = lineEnd - pos_ - 1;
    const bool topLevel = stack_.empty();
    if (topLevel && t != '|') type_ = t;
    const size_t next = lineEnd + 2;

    int64_t count = 0;
    double d = 0;
    switch (t) {
      case '+':
        break;
      case '-':
        if (topLevel) {
          errorOffset_ = pos_ + 1;
          errorLen_ = n;
        }
        break;
      case ':':
        if (!parseInt64(s, n, &count)) return fail(errors::kInvalidReplyInteger);
        break;
      case ',':
        if (!parseDouble(s, n, &d)) return fail(errors::kInvalidReplyDouble);
        break;
      case '#':
        if (n != 1 || (s[0] != 't' && s[0] != 'f')) return fail(errors::kInvalidReplyBoolean);
        break;
      case '_':
        if (n != 0) return fail(errors::kInvalidReplyNull);
        break;
      case '(':
        if (!isBigNumber(s, n)) return fail(errors::kInvalidReplyBigNumber);
        break;
      case '$':
      case '!':
      case '=':
        if (!parseInt64(s, n, &count)) return fail(errors::kInvalidReplyLength);
        if (count == -1 && t == '$') break;  // RESP2 null bulk
        if (count < 0 || count > limits_.maxBulkLen) return fail(errors::kInvalidReplyLength);
        if (t == '=' && count < 4) return fail(errors::kInvalidReplyVerbatim);
        pos_ = next;
        scanned_ = 0;
        bodyLen_ = count;
        bodyType_ = t;
        continue;
      default:  // aggregates: * % ~ > |
        if (!parseInt64(s, n, &count)) return fail(errors::kInvalidReplyLength);
        if (count == -1 && t == '*') break;  // RESP2 null array
        if (count < 0 || count > limits_.maxMultibulkLen) {
          return fail(errors::kInvalidReplyLength);
        }
        if (count == 0) {
          if (t == '|') {  // an empty attribute annotates the next value
            pos_ = next;
            scanned_ = 0;
            continue;
          }
          break;  // an empty aggregate is a complete value
        }
        if (stack_.size() >= static_cast<size_t>(std::max(limits_.maxNesting, 0))) {
          return fail(errors::kTooDeepNesting);
        }
        stack_.push_back(Open{(t == '%' || t == '|') ? count * 2 : count, t == '|'});
        pos_ = next;
        scanned_ = 0;
        continue;
    }
    pos_ = next;
    scanned_ = 0;
    if (finishValue()) break;
  }

  done_ = true;
  consumed_ = pos_;
  errorText_ = (type_ == '-' || type_ == '!') ? std::string_view(data + errorOffset_, errorLen_)
                                              : std::string_view();
  return ParseStatus::kOk;
}

namespace {

// Builds the tree of the value at data[pos], which frame() has validated entirely (so every
// line has its CRLF, every number parses and every body is present). Returns the offset after
// it. Recursion depth is bounded by Limits::maxNesting.
size_t buildValue(const char* data, size_t end, size_t pos, Value& out) {
  auto line = [data, end](size_t at, const char** s, size_t* n) {
    const char* start = data + at + 1;
    const char* cr = static_cast<const char*>(std::memchr(start, '\r', end - at - 1));
    *s = start;
    *n = static_cast<size_t>(cr - start);
    return static_cast<size_t>(cr - data) + 2;
  };
  const char* s = nullptr;
  size_t n = 0;
  int64_t count = 0;

  while (data[pos] == '|') {
    pos = line(pos, &s, &n);
    parseInt64(s, n, &count);
    out.attributes.reserve(out.attributes.size() + static_cast<size_t>(count) * 2);
    for (int64_t i = 0; i < count * 2; ++i)
      pos = buildValue(data, end, pos, out.attributes.emplace_back());
  }

  const char t = data[pos];
  out.wire = t;
  pos = line(pos, &s, &n);
  switch (t) {
    case '+':
      out.type = Type::kSimpleString;
      out.str.assign(s, n);
      return pos;
    case '-':
      out.type = Type::kError;
      out.str.assign(s, n);
      return pos;
    case ':':
      out.type = Type::kInteger;
      parseInt64(s, n, &out.integer);
      return pos;
    case ',':
      out.type = Type::kDouble;
      parseDouble(s, n, &out.dbl);
      return pos;
    case '#':
      out.type = Type::kBoolean;
      out.boolean = s[0] == 't';
      return pos;
    case '_':
      out.type = Type::kNull;
      return pos;
    case '(':
      out.type = Type::kBigNumber;
      out.str.assign(s, n);
      return pos;
    case '$':
    case '!':
    case '=': {
      parseInt64(s, n, &count);
      if (count < 0) {
        out.type = Type::kNull;
        return pos;
      }
      const char* body = data + pos;
      const size_t len = static_cast<size_t>(count);
      if (t == '=') {
        out.type = Type::kVerbatim;
        out.format.assign(body, 3);
        out.str.assign(body + 4, len - 4);
      } else {
        out.type = t == '$' ? Type::kBulkString : Type::kBlobError;
        out.str.assign(body, len);
      }
      return pos + len + 2;
    }
    default: {  // * % ~ >
      parseInt64(s, n, &count);
      if (count < 0) {
        out.type = Type::kNull;
        return pos;
      }
      out.type = t == '*'   ? Type::kArray
                 : t == '%' ? Type::kMap
                 : t == '~' ? Type::kSet
                            : Type::kPush;
      const size_t elements = static_cast<size_t>(count) * (t == '%' ? 2 : 1);
      out.elements.reserve(elements);  // safe: frame() saw every one of them
      for (size_t i = 0; i < elements; ++i)
        pos = buildValue(data, end, pos, out.elements.emplace_back());
      return pos;
    }
  }
}

}  // namespace

ParseStatus ReplyParser::parse(const char* data, size_t len, Value& out) {
  const ParseStatus st = frame(data, len);
  if (st != ParseStatus::kOk) return st;
  out = Value{};
  buildValue(data, consumed_, 0, out);
  return st;
}

}  // namespace strata::resp
