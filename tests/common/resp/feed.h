// Test helper for the RESP parser tests: plays the part of a connection's read path, feeding an
// input to a RequestParser in chunks of a given size through a buffer that it drops consumed
// bytes from and (optionally) moves to a fresh allocation before every call.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "common/resp/request_parser.h"

namespace strata::resp::test {

struct FeedResult {
  std::vector<std::vector<std::string>> requests;
  ParseStatus last = ParseStatus::kIncomplete;  // kError, or kIncomplete once input ran out
  std::string error;
  size_t leftover = 0;  // bytes still buffered at the end
};

inline FeedResult feed(RequestParser& parser, std::string_view input, size_t chunk,
                       bool relocate = false) {
  FeedResult result;
  std::string buf;
  size_t fed = 0;
  for (;;) {
    const size_t n = std::min(chunk, input.size() - fed);
    buf.append(input.substr(fed, n));
    fed += n;
    for (;;) {
      if (relocate) {
        std::string moved(buf);  // a new allocation; the old one is freed right after
        buf.swap(moved);
      }
      const ParseStatus st = parser.parse(buf.data(), buf.size());
      if (st == ParseStatus::kError) {
        result.last = st;
        result.error = std::string(parser.error());
        return result;
      }
      if (st == ParseStatus::kOk) {
        result.requests.emplace_back(parser.args().begin(), parser.args().end());
      }
      buf.erase(0, parser.consumed());
      if (st == ParseStatus::kIncomplete) break;
    }
    if (fed == input.size()) {
      result.leftover = buf.size();
      return result;
    }
  }
}

inline FeedResult feed(std::string_view input, size_t chunk = SIZE_MAX, bool relocate = false,
                       const Limits& limits = {}) {
  RequestParser parser(limits);
  return feed(parser, input, chunk, relocate);
}

using Args = std::vector<std::string>;

}  // namespace strata::resp::test
