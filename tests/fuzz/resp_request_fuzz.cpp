// libFuzzer target for resp::RequestParser (the server's and proxy's request path). Besides
// "no crash, no UB, no leak" it checks the parser's contract on every input:
//   - feeding the input whole, in two chunks (at a split taken from the input) through a buffer
//     that moves between calls, or byte by byte, yields the same requests and the same error;
//   - consumed() never exceeds the bytes given, and every kOk consumes something;
//   - every arg view lies inside the caller's buffer or is a quoted inline argument;
//   - re-encoding each request as a multibulk (Writer::command) parses back to the same argv.
// Input layout: byte 0 picks limits/authentication, byte 1 the split point, the rest is fed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/resp/request_parser.h"
#include "common/resp/writer.h"

using namespace strata::resp;

namespace {

#define FUZZ_CHECK(cond)       \
  do {                         \
    if (!(cond)) std::abort(); \
  } while (0)

struct Run {
  std::vector<std::vector<std::string>> requests;
  ParseStatus last = ParseStatus::kIncomplete;
  std::string error;
};

// Feeds `input` in the given chunk sizes (the last one repeats) through a buffer that drops
// consumed bytes and, if `relocate`, moves to a fresh allocation before every call.
Run feed(std::string_view input, const Limits& limits, bool authenticated, size_t firstChunk,
         size_t chunk, bool relocate) {
  RequestParser parser(limits);
  parser.setAuthenticated(authenticated);
  Run run;
  std::string buf;
  size_t fed = 0;
  bool first = true;
  for (;;) {
    const size_t n = std::min(first ? firstChunk : chunk, input.size() - fed);
    first = false;
    buf.append(input.substr(fed, n));
    fed += n;
    for (;;) {
      if (relocate) {
        std::string moved(buf);
        buf.swap(moved);
      }
      const ParseStatus st = parser.parse(buf.data(), buf.size());
      FUZZ_CHECK(parser.consumed() <= buf.size());
      if (st == ParseStatus::kError) {
        FUZZ_CHECK(parser.consumed() == 0);
        FUZZ_CHECK(!parser.error().empty());
        run.last = st;
        run.error = std::string(parser.error());
        return run;
      }
      if (st == ParseStatus::kOk) {
        FUZZ_CHECK(parser.consumed() > 0);
        FUZZ_CHECK(!parser.args().empty());
        const std::string_view request(buf.data(), parser.consumed());
        const bool quoted = request.find_first_of("\"'") != std::string_view::npos;
        auto& req = run.requests.emplace_back();
        for (std::string_view a : parser.args()) {
          // Views into the request bytes, except arguments unescaped from quotes.
          const bool inRequest =
              std::less_equal<const char*>()(request.data(), a.data()) &&
              std::less_equal<const char*>()(a.data() + a.size(), request.data() + request.size());
          FUZZ_CHECK(inRequest || quoted);
          req.emplace_back(a);
        }
      }
      buf.erase(0, parser.consumed());
      if (st == ParseStatus::kIncomplete) break;
    }
    if (fed == input.size()) return run;
  }
}

bool sameOutcome(const Run& a, const Run& b) {
  return a.requests == b.requests && a.last == b.last && a.error == b.error;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t knobs = data[0];
  const uint8_t splitByte = data[1];
  const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);

  Limits limits;
  if (knobs & 1) {  // tiny limits so short inputs reach every limit check
    limits.maxInlineLen = 4 + (knobs >> 4);
    limits.maxBulkLen = 8 + (knobs >> 4);
    limits.maxMultibulkLen = 1 + (knobs >> 5);
  }
  const bool authenticated = (knobs & 2) == 0;

  const Run whole = feed(input, limits, authenticated, SIZE_MAX, SIZE_MAX, false);
  const size_t split = input.empty() ? 0 : splitByte % (input.size() + 1);
  const Run halves = feed(input, limits, authenticated, split, SIZE_MAX, true);
  FUZZ_CHECK(sameOutcome(whole, halves));
  if (input.size() <= 2048) {
    const Run bytes = feed(input, limits, authenticated, 1, 1, (knobs & 4) != 0);
    FUZZ_CHECK(sameOutcome(whole, bytes));
  }

  // Round trip: each request re-encoded as a multibulk parses back to the same argv.
  if ((knobs & 3) == 0) {
    RequestParser again;
    std::string encoded;
    for (const auto& req : whole.requests) {
      encoded.clear();
      Writer w(encoded);
      std::vector<std::string_view> args(req.begin(), req.end());
      w.command(args);
      FUZZ_CHECK(again.parse(encoded) == ParseStatus::kOk);
      FUZZ_CHECK(again.consumed() == encoded.size());
      FUZZ_CHECK(std::vector<std::string>(again.args().begin(), again.args().end()) == req);
    }
  }
  return 0;
}
