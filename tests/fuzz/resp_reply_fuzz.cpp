// libFuzzer target for resp::ReplyParser (backend replies in the proxy, replication, clients).
// Besides "no crash, no UB, no leak, no unbounded allocation" it checks on every input:
//   - frame() and parse() agree on status, consumed() and error text;
//   - framing resumed across two calls (at a split taken from the input, on a moved buffer)
//     and byte by byte gives the same result as framing the whole input;
//   - consumed() <= len, and an accepted value re-encoded by Writer::value() in RESP3 frames to
//     exactly its length and re-encodes identically (encoding is a fixed point after one trip).
// Input layout: byte 0 picks limits, byte 1 the split point, the rest is parsed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/resp/reply_parser.h"
#include "common/resp/writer.h"

using namespace strata::resp;

namespace {

#define FUZZ_CHECK(cond)       \
  do {                         \
    if (!(cond)) std::abort(); \
  } while (0)

struct Outcome {
  ParseStatus status;
  size_t consumed;
  std::string error;
  char type;
  std::string errorText;
};

Outcome outcome(const ReplyParser& p, ParseStatus st) {
  const bool ok = st == ParseStatus::kOk;
  return {st, ok ? p.consumed() : 0, std::string(p.error()), ok ? p.type() : '\0',
          ok ? std::string(p.errorText()) : std::string()};
}

bool operator==(const Outcome& a, const Outcome& b) {
  return a.status == b.status && a.consumed == b.consumed && a.error == b.error &&
         a.type == b.type && a.errorText == b.errorText;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t knobs = data[0];
  const uint8_t splitByte = data[1];
  const std::string input(reinterpret_cast<const char*>(data + 2), size - 2);

  Limits limits;
  if (knobs & 1) {
    limits.maxInlineLen = 4 + (knobs >> 4);
    limits.maxBulkLen = 8 + (knobs >> 4);
    limits.maxMultibulkLen = 1 + (knobs >> 5);
    limits.maxNesting = (knobs >> 1) & 7;
  }

  ReplyParser framer(limits);
  const ParseStatus st = framer.frame(input);
  FUZZ_CHECK(st != ParseStatus::kOk ||
             (framer.consumed() > 0 && framer.consumed() <= input.size()));
  const Outcome whole = outcome(framer, st);

  ReplyParser builder(limits);
  Value value;
  FUZZ_CHECK(outcome(builder, builder.parse(input, value)) == whole);

  {  // resumed at a split point, on a moved buffer
    ReplyParser p(limits);
    const size_t split = splitByte % (input.size() + 1);
    ParseStatus s = p.frame(input.data(), split);
    const std::string moved(input);  // errorText() views the latest buffer: keep it alive
    if (s == ParseStatus::kIncomplete) s = p.frame(moved);
    FUZZ_CHECK(outcome(p, s) == whole);
  }
  if (input.size() <= 2048) {  // byte by byte
    ReplyParser p(limits);
    ParseStatus s = ParseStatus::kIncomplete;
    for (size_t n = 0; n <= input.size() && s == ParseStatus::kIncomplete; ++n) {
      s = p.frame(input.data(), n);
    }
    FUZZ_CHECK(outcome(p, s) == whole);
  }

  if (st == ParseStatus::kOk && (knobs & 1) == 0) {
    std::string once;
    Writer(once, Protocol::kResp3).value(value);
    ReplyParser p;
    Value again;
    FUZZ_CHECK(p.parse(once, again) == ParseStatus::kOk);
    FUZZ_CHECK(p.consumed() == once.size());
    std::string twice;
    Writer(twice, Protocol::kResp3).value(again);
    FUZZ_CHECK(twice == once);
    std::string resp2;  // the RESP2 downgrade is well formed too
    Writer(resp2, Protocol::kResp2).value(value);
    ReplyParser q;
    FUZZ_CHECK(q.frame(resp2) == ParseStatus::kOk && q.consumed() == resp2.size());
  }
  return 0;
}
