// Incremental parser for RESP2 and RESP3 values: replies from backends (proxy), from a master
// (replication) and from servers under test. Two modes over the same validating state machine:
//   - frame(): finds the extent of ONE complete value without building anything. An explicit
//     stack of remaining-element counts makes a big reply arriving in many chunks O(n) in total;
//     the proxy forwards the framed bytes untouched and looks only at type() and errorText()
//     (MOVED / ASK / TRYAGAIN redirections).
//   - parse(): frame() and then an owned Value tree of the framed bytes.
// Types: + - : $ * _ , # ( = % ~ > | ! and RESP2 nulls `$-1` / `*-1`. RESP3 streamed strings and
// aggregates (`$?`, `*?`) are rejected: Redis never sends them. An attribute (`|`) is part of the
// frame of the value it precedes. One instance per connection; it owns a reusable stack.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/resp/limits.h"
#include "common/resp/parse_status.h"
#include "common/resp/value.h"

namespace strata::resp {

class ReplyParser {
 public:
  explicit ReplyParser(const Limits& limits = {});

  // Frames the value at data[0..len). On kIncomplete the progress is kept as offsets: call again
  // with the same bytes plus new ones (the buffer may move in between). After kOk the next call
  // starts a new value at the new `data`; the caller drops consumed() bytes in between.
  ParseStatus frame(const char* data, size_t len);
  ParseStatus frame(std::string_view in) { return frame(in.data(), in.size()); }

  // frame() and, on kOk, the tree of the framed value into `out` (its old content is replaced).
  ParseStatus parse(const char* data, size_t len, Value& out);
  ParseStatus parse(std::string_view in, Value& out) { return parse(in.data(), in.size(), out); }

  // After kOk: the bytes of the value, attributes included.
  size_t consumed() const { return consumed_; }
  // After kOk: the type byte of the top-level value (not of an attribute before it), e.g. '-'.
  char type() const { return type_; }
  // After kOk: for a top-level `-` or `!` error, its text (a view into `data`), else empty.
  std::string_view errorText() const { return errorText_; }
  // After kError: what was wrong, e.g. "ERR Protocol error: invalid reply length".
  std::string_view error() const { return error_; }

  const Limits& limits() const { return limits_; }

  // Forgets a partial value and a sticky error; keeps the scratch capacity.
  void reset();

 private:
  // One open aggregate: how many elements it still needs. An attribute's pairs do not count as
  // an element of the aggregate around it: the value after them does.
  struct Open {
    int64_t remaining;
    bool attribute;
  };

  ParseStatus readLine(const char* data, size_t len, size_t* lineEnd);
  // A whole short top-level + - : or $ reply at data[0] (what a node answers to most commands),
  // framed in one pass. False, with nothing recorded, for anything else: the general loop runs.
  bool tryFastFrame(const char* data, size_t len);
  ParseStatus fail(std::string_view text);
  bool finishValue();  // true when the top-level value is complete
  void restart();

  Limits limits_;
  bool failed_ = false;
  bool done_ = false;     // the last call returned kOk: the next one starts a new value
  size_t pos_ = 0;        // next unparsed byte, relative to data
  size_t scanned_ = 0;    // the CR search of the current line resumes here
  int64_t bodyLen_ = -1;  // >= 0 while the body of a `$ ! =` value is pending
  char bodyType_ = 0;
  std::vector<Open> stack_;

  size_t consumed_ = 0;
  char type_ = 0;
  size_t errorOffset_ = 0;
  size_t errorLen_ = 0;
  std::string_view errorText_;
  std::string error_;
};

}  // namespace strata::resp
