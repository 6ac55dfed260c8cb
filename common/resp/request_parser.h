// Incremental parser for client requests, byte-compatible with redis-server 7.0's
// processMultibulkBuffer / processInlineBuffer: multibulk (`*N\r\n$len\r\n...`) and inline
// commands (space separated, sdssplitargs quoting). Called by the node's and the proxy's
// connection read path, once per request, on the connection's unconsumed input. One instance per
// connection; it owns only reusable scratch vectors (no allocation per request after warm-up) and
// never copies argument bytes except unescaped quoted inline arguments.
//
// Usage (the caller drops consumed() bytes after every call, whatever the status):
//
//   for (;;) {
//     ParseStatus st = parser.parse(in.data(), in.size());
//     if (st == ParseStatus::kError) { replyError(parser.error()); close(); break; }
//     if (st == ParseStatus::kOk) execute(parser.args());  // views into `in`
//     in.drop(parser.consumed());
//     if (st == ParseStatus::kIncomplete) break;           // wait for more bytes
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/resp/limits.h"
#include "common/resp/parse_status.h"

namespace strata::resp {

class RequestParser {
 public:
  explicit RequestParser(const Limits& limits = {});

  // Parses at most one request from data[0..len), the caller's unconsumed input. Empty requests
  // (`*0`, `*-1`, blank inline lines) are skipped, as Redis does, and never returned on their own.
  // On kIncomplete the progress inside the pending request is kept as offsets relative to
  // data + consumed(), so between calls the caller may move or compact its buffer as long as the
  // bytes after the dropped prefix stay the same and new bytes are only appended. Total work over
  // a request arriving in any number of chunks is O(request size).
  ParseStatus parse(const char* data, size_t len);
  ParseStatus parse(std::string_view in) { return parse(in.data(), in.size()); }

  // Bytes the caller must drop from the front of its input before the next call: after kOk, the
  // request (plus any empty requests before it); after kIncomplete, the skipped empty requests
  // only (usually 0); after kError, 0.
  size_t consumed() const { return consumed_; }

  // After kOk: argv. Views into the `data` given to parse(), or into parser-owned storage for
  // quoted inline arguments. Valid until the next parse()/reset() or until the buffer changes.
  const std::vector<std::string_view>& args() const { return args_; }

  // After kError: the full Redis error text, e.g. "ERR Protocol error: invalid bulk length".
  std::string_view error() const { return error_; }

  // After kIncomplete: the number of further bytes known to be needed to finish the pending bulk
  // (0 if unknown). Lets the caller size a read buffer for a big argument in one allocation.
  size_t bytesWanted() const { return bytesWanted_; }

  // Redis 7 limits for clients that have not authenticated yet: at most 10 arguments of at most
  // 16384 bytes. Off by default (a server without requirepass never restricts).
  void setAuthenticated(bool authenticated) { authenticated_ = authenticated; }
  bool authenticated() const { return authenticated_; }

  const Limits& limits() const { return limits_; }

  // Forgets any partial request and a sticky error; keeps the scratch capacity.
  void reset();

 private:
  enum class Phase : uint8_t { kIdle, kArrayHeader, kBulkHeader, kBulkBody, kInline };

  // A bulk argument as an offset from the start of the request, so progress survives relocation.
  struct Span {
    size_t offset;
    size_t length;
  };

  ParseStatus parseMultibulk(const char* req, size_t avail);
  ParseStatus parseInline(const char* req, size_t avail);
  // Finds the CR ending the header line that starts at pos_. kOk: *value parsed; kIncomplete; or
  // kError with error_ set to `tooBig` (no CR within maxInlineLen) — bad numbers are the
  // caller's to report since the text depends on the header kind.
  ParseStatus readHeaderLine(const char* req, size_t avail, std::string_view tooBig, int64_t* value,
                             bool* validNumber);
  // The common "<prefix><digits>\r\n" header at pos_ without memchr; false: use readHeaderLine.
  bool tryFastHeader(const char* req, size_t avail, int64_t* value);
  // A whole multibulk already in req[0..avail) with only fast headers, in one pass straight into
  // args_ (the usual case: a pipelined client's requests arrive complete). False, with no
  // progress recorded, for anything else: the general state machine then takes it from the top.
  bool tryWholeMultibulk(const char* req, size_t avail);
  bool splitInline(const char* line, size_t len);
  ParseStatus fail(std::string_view text);
  void startRequest();

  Limits limits_;
  bool authenticated_ = true;
  bool failed_ = false;

  Phase phase_ = Phase::kIdle;
  size_t pos_ = 0;         // next unparsed byte, relative to the start of the pending request
  size_t scanned_ = 0;     // the line terminator search resumes here (relative, 0 = from pos_)
  int64_t remaining_ = 0;  // bulks still expected in the pending multibulk
  int64_t bulkLen_ = 0;    // length of the bulk whose body is pending (Phase::kBulkBody)

  size_t consumed_ = 0;
  size_t bytesWanted_ = 0;
  std::vector<Span> spans_;
  std::vector<std::string_view> args_;
  std::string inlineArgs_;  // unescaped quoted inline arguments; reserved so views stay stable
  std::string error_;
};

}  // namespace strata::resp
