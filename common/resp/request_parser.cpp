// RequestParser: see request_parser.h. The control flow mirrors redis-server 7.0
// (networking.c: processInputBuffer, processMultibulkBuffer, processInlineBuffer; sds.c:
// sdssplitargs) so that the same bytes give the same argv or the same error text.
#include "common/resp/request_parser.h"

#include <algorithm>
#include <cstring>

#include "common/errors.h"
#include "common/resp/number.h"

namespace strata::resp {
namespace {

// Redis 7 limits for unauthenticated clients (networking.c).
constexpr int64_t kUnauthMaxMultibulk = 10;
constexpr int64_t kUnauthMaxBulk = 16384;

// isspace() in the "C" locale, which is what sdssplitargs runs under.
inline bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// The bytes that end an unquoted inline token (sdssplitargs' switch; note: not \v or \f).
inline bool endsToken(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

inline bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Fast path for the usual header "<prefix><digits>\r\n": 1 to 18 digits without a leading zero,
// or "0" — a subset of what parseInt64 accepts, with no overflow possible, so the outcome is the
// one the general path would reach. Returns the offset after the line, or 0 to take the general
// path (anything else, or the line is not all here yet).
inline size_t fastHeader(const char* req, size_t start, size_t avail, int64_t* value) {
  constexpr size_t kMaxFastDigits = 18;
  size_t i = start + 1;
  if (i + 3 < avail) {
    // One or two digits (argument counts, and lengths of keys and small values) without the loop;
    // the same outcome as the loop below.
    const unsigned d0 = static_cast<unsigned char>(req[i]) - '0';
    if (d0 <= 9 && req[i + 1] == '\r') {
      *value = d0;
      return i + 3;
    }
    const unsigned d1 = static_cast<unsigned char>(req[i + 1]) - '0';
    if (d0 - 1 <= 8 && d1 <= 9 && req[i + 2] == '\r') {
      *value = d0 * 10 + d1;
      return i + 4;
    }
  }
  if (i >= avail) return 0;
  unsigned digit = static_cast<unsigned char>(req[i]) - '0';
  if (digit > 9) return 0;
  uint64_t v = digit;
  ++i;
  if (v != 0) {
    const size_t limit = std::min(avail, i + kMaxFastDigits - 1);
    while (i < limit && (digit = static_cast<unsigned char>(req[i]) - '0') <= 9) {
      v = v * 10 + digit;
      ++i;
    }
  }
  if (i + 1 >= avail || req[i] != '\r') return 0;  // like Redis: CR plus any one byte
  *value = static_cast<int64_t>(v);
  return i + 2;
}

inline int hexValue(char c) {
  if (c <= '9') return c - '0';
  if (c <= 'F') return c - 'A' + 10;
  return c - 'a' + 10;
}

}  // namespace

RequestParser::RequestParser(const Limits& limits) : limits_(limits) {}

void RequestParser::reset() {
  failed_ = false;
  phase_ = Phase::kIdle;
  pos_ = 0;
  scanned_ = 0;
  remaining_ = 0;
  bulkLen_ = 0;
  consumed_ = 0;
  bytesWanted_ = 0;
  spans_.clear();
  args_.clear();
  error_.clear();
}

ParseStatus RequestParser::fail(std::string_view text) {
  failed_ = true;
  error_.assign(text);
  consumed_ = 0;
  return ParseStatus::kError;
}

void RequestParser::startRequest() {
  pos_ = 0;
  scanned_ = 0;
  remaining_ = 0;
  spans_.clear();
}

ParseStatus RequestParser::parse(const char* data, size_t len) {
  consumed_ = 0;
  bytesWanted_ = 0;
  if (failed_) return ParseStatus::kError;
  if (phase_ != Phase::kIdle && std::max(pos_, scanned_) > len) [[unlikely]] {
    return fail(errors::kInputShrank);  // caller bug: bytes already given went missing
  }
  size_t skipped = 0;  // bytes of empty requests skipped during this call
  for (;;) {
    const char* req = data + skipped;
    const size_t avail = len - skipped;
    if (phase_ == Phase::kIdle) {
      if (avail == 0) {
        consumed_ = skipped;
        return ParseStatus::kIncomplete;
      }
      startRequest();
      phase_ = req[0] == '*' ? Phase::kArrayHeader : Phase::kInline;
    }
    const ParseStatus st =
        phase_ == Phase::kInline ? parseInline(req, avail) : parseMultibulk(req, avail);
    if (st == ParseStatus::kIncomplete) {
      consumed_ = skipped;
      return st;
    }
    if (st == ParseStatus::kError) return st;
    phase_ = Phase::kIdle;
    if (args_.empty()) {  // `*0`, `*-N` or a blank inline line: Redis just resets the client
      skipped += pos_;
      continue;
    }
    consumed_ = skipped + pos_;
    return ParseStatus::kOk;
  }
}

ParseStatus RequestParser::readHeaderLine(const char* req, size_t avail, std::string_view tooBig,
                                          int64_t* value, bool* validNumber) {
  const size_t start = pos_;
  // Like Redis, look for '\r' from the start of the line, then require one more byte (the '\n',
  // not checked). scanned_ makes a header arriving byte by byte cost O(length), not O(length^2).
  // Unlike Redis, a line longer than maxInlineLen fails even when its CR is already here, so the
  // outcome never depends on how the input was chunked.
  const size_t from = std::max(start, scanned_);
  const void* cr = std::memchr(req + from, '\r', avail - from);
  const size_t crOff = cr ? static_cast<size_t>(static_cast<const char*>(cr) - req) : avail;
  if (crOff - start > limits_.maxInlineLen) return fail(tooBig);
  if (cr == nullptr || crOff + 1 >= avail) {
    scanned_ = crOff;
    return ParseStatus::kIncomplete;
  }
  *validNumber = crOff > start && parseInt64(req + start + 1, crOff - start - 1, value);
  pos_ = crOff + 2;
  scanned_ = 0;
  return ParseStatus::kOk;
}

bool RequestParser::tryFastHeader(const char* req, size_t avail, int64_t* value) {
  const size_t next = fastHeader(req, pos_, avail, value);
  if (next == 0 || next - 2 - pos_ > limits_.maxInlineLen) return false;
  pos_ = next;
  scanned_ = 0;
  return true;
}

bool RequestParser::tryWholeMultibulk(const char* req, size_t avail) {
  // Headers here are at most 20 bytes: only a tiny maxInlineLen could refuse one.
  if (limits_.maxInlineLen < 20) return false;
  int64_t count = 0;
  size_t pos = fastHeader(req, 0, avail, &count);
  if (pos == 0 || count <= 0 || count > limits_.maxMultibulkLen) return false;
  if (count > kUnauthMaxMultibulk && !authenticated_) return false;
  args_.clear();
  for (int64_t i = 0; i < count; ++i) {
    if (pos >= avail || req[pos] != '$') return false;
    int64_t len = 0;
    const size_t body = fastHeader(req, pos, avail, &len);
    if (body == 0 || len > limits_.maxBulkLen) return false;
    if (len > kUnauthMaxBulk && !authenticated_) return false;
    if (avail - body < static_cast<size_t>(len) + 2) return false;
    args_.emplace_back(req + body, static_cast<size_t>(len));
    pos = body + static_cast<size_t>(len) + 2;  // like Redis: the 2 bytes after a body unchecked
  }
  pos_ = pos;
  scanned_ = 0;
  return true;
}

ParseStatus RequestParser::parseMultibulk(const char* req, size_t avail) {
  if (phase_ == Phase::kArrayHeader && pos_ == 0 && tryWholeMultibulk(req, avail)) {
    return ParseStatus::kOk;
  }
  if (phase_ == Phase::kArrayHeader) {
    int64_t count = 0;
    bool valid = tryFastHeader(req, avail, &count);
    if (!valid) {
      const ParseStatus st = readHeaderLine(req, avail, errors::kTooBigMbulkCount, &count, &valid);
      if (st != ParseStatus::kOk) return st;
    }
    if (!valid || count > limits_.maxMultibulkLen) return fail(errors::kInvalidMultibulkLength);
    if (count > kUnauthMaxMultibulk && !authenticated_) {
      return fail(errors::kUnauthMultibulkLength);
    }
    if (count <= 0) {
      args_.clear();
      return ParseStatus::kOk;
    }
    remaining_ = count;
    spans_.reserve(std::min(static_cast<size_t>(count), kMaxPreallocElements));
    phase_ = Phase::kBulkHeader;
  }

  for (;;) {
    if (phase_ == Phase::kBulkHeader) {
      int64_t len = 0;
      bool valid = pos_ < avail && req[pos_] == '$' && tryFastHeader(req, avail, &len);
      if (!valid) {
        const size_t start = pos_;
        const ParseStatus st = readHeaderLine(req, avail, errors::kTooBigBulkCount, &len, &valid);
        if (st != ParseStatus::kOk) return st;
        if (req[start] != '$') {
          // Redis formats "got '%c'" through printf into a C string and then maps CR/LF to
          // spaces: a NUL byte truncates the text there, CR or LF become ' '.
          const char got = req[start];
          error_.assign(errors::kExpectedDollarPrefix);
          if (got != '\0') {
            error_.push_back(got == '\r' || got == '\n' ? ' ' : got);
            error_.push_back('\'');
          }
          failed_ = true;
          return ParseStatus::kError;
        }
      }
      if (!valid || len < 0 || len > limits_.maxBulkLen) {
        return fail(errors::kInvalidBulkLength);
      }
      if (len > kUnauthMaxBulk && !authenticated_) return fail(errors::kUnauthBulkLength);
      bulkLen_ = len;
      phase_ = Phase::kBulkBody;
    }

    // The body and its CRLF. Like Redis, the two bytes after the body are skipped unchecked.
    const size_t need = static_cast<size_t>(bulkLen_) + 2;
    if (avail - pos_ < need) {
      bytesWanted_ = need - (avail - pos_);
      return ParseStatus::kIncomplete;
    }
    spans_.push_back(Span{pos_, static_cast<size_t>(bulkLen_)});
    pos_ += need;
    phase_ = Phase::kBulkHeader;
    if (--remaining_ == 0) break;
  }

  args_.clear();
  for (const Span& s : spans_) args_.emplace_back(req + s.offset, s.length);
  return ParseStatus::kOk;
}

ParseStatus RequestParser::parseInline(const char* req, size_t avail) {
  const size_t from = std::max(pos_, scanned_);
  const void* nl = std::memchr(req + from, '\n', avail - from);
  const size_t nlOff = nl ? static_cast<size_t>(static_cast<const char*>(nl) - req) : avail;
  // As for headers, the limit applies whether or not the newline has arrived (see above).
  if (nlOff > limits_.maxInlineLen) return fail(errors::kTooBigInlineRequest);
  if (nl == nullptr) {
    scanned_ = avail;
    return ParseStatus::kIncomplete;
  }
  size_t lineLen = nlOff;
  if (lineLen > 0 && req[lineLen - 1] == '\r') --lineLen;
  if (!splitInline(req, lineLen)) return fail(errors::kUnbalancedQuotes);
  pos_ = nlOff + 1;
  return ParseStatus::kOk;
}

// sdssplitargs() over line[0..len). Unquoted tokens are views into the line; a token with quotes
// is unescaped into inlineArgs_, reserved up front so earlier views never move.
bool RequestParser::splitInline(const char* line, size_t len) {
  args_.clear();
  inlineArgs_.clear();
  // Redis splits a C string: everything from the first NUL on is ignored.
  if (const void* nul = std::memchr(line, '\0', len)) {
    len = static_cast<size_t>(static_cast<const char*>(nul) - line);
  }
  if (inlineArgs_.capacity() < len) inlineArgs_.reserve(len);
  auto at = [line, len](size_t i) -> char { return i < len ? line[i] : '\0'; };

  size_t i = 0;
  for (;;) {
    while (i < len && isSpace(line[i])) ++i;
    if (i == len) return true;

    const size_t tokenStart = i;
    while (i < len && !endsToken(line[i]) && line[i] != '"' && line[i] != '\'') ++i;
    if (i == len || endsToken(line[i])) {
      args_.emplace_back(line + tokenStart, i - tokenStart);
      if (i < len) ++i;
      continue;
    }

    // The token has quotes: continue sdssplitargs' state machine, copying into inlineArgs_.
    const size_t outStart = inlineArgs_.size();
    inlineArgs_.append(line + tokenStart, i - tokenStart);
    bool inDouble = false;
    bool inSingle = false;
    for (bool done = false; !done;) {
      const char c = at(i);
      if (inDouble) {
        if (c == '\\' && at(i + 1) == 'x' && isHex(at(i + 2)) && isHex(at(i + 3))) {
          inlineArgs_.push_back(static_cast<char>(hexValue(at(i + 2)) * 16 + hexValue(at(i + 3))));
          i += 3;
        } else if (c == '\\' && at(i + 1) != '\0') {
          ++i;
          char e = line[i];
          switch (e) {
            case 'n':
              e = '\n';
              break;
            case 'r':
              e = '\r';
              break;
            case 't':
              e = '\t';
              break;
            case 'b':
              e = '\b';
              break;
            case 'a':
              e = '\a';
              break;
            default:
              break;
          }
          inlineArgs_.push_back(e);
        } else if (c == '"') {
          // The closing quote must be followed by a space or by nothing at all.
          if (at(i + 1) != '\0' && !isSpace(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;  // unterminated quotes
        } else {
          inlineArgs_.push_back(c);
        }
      } else if (inSingle) {
        if (c == '\\' && at(i + 1) == '\'') {
          ++i;
          inlineArgs_.push_back('\'');
        } else if (c == '\'') {
          if (at(i + 1) != '\0' && !isSpace(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          inlineArgs_.push_back(c);
        }
      } else if (c == '\0' || endsToken(c)) {
        done = true;
      } else if (c == '"') {
        inDouble = true;
      } else if (c == '\'') {
        inSingle = true;
      } else {
        inlineArgs_.push_back(c);
      }
      if (at(i) != '\0') ++i;
    }
    args_.emplace_back(inlineArgs_.data() + outStart, inlineArgs_.size() - outStart);
  }
}

}  // namespace strata::resp
