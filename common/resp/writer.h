// RESP encoder: appends replies (node), commands (proxy, clients) and RESP3 values to a
// caller-owned std::string — the connection's output buffer — in the connection's protocol
// (HELLO 2 / HELLO 3). RESP3-only types are downgraded for RESP2 exactly as Redis 7.0 does.
// A Writer is a cheap view (a pointer and a protocol): construct one per reply batch or keep one
// per connection. It owns nothing, allocates only when the buffer grows, never uses iostreams.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "common/resp/value.h"

namespace strata::resp {

enum class Protocol : uint8_t { kResp2 = 2, kResp3 = 3 };

class Writer {
 public:
  explicit Writer(std::string& out, Protocol protocol = Protocol::kResp2)
      : out_(&out), protocol_(protocol) {}

  Protocol protocol() const { return protocol_; }
  void setProtocol(Protocol protocol) { protocol_ = protocol; }
  std::string& buffer() { return *out_; }

  // `+text`. The text must not contain CR or LF (status replies are fixed strings).
  void simpleString(std::string_view text);
  // `-text`: pass the text without '-' and CRLF, e.g. errors::kSyntax. CR/LF inside become
  // spaces, as Redis does, so a reply can never be split.
  void error(std::string_view text);
  void integer(int64_t value);
  void bulk(std::string_view bytes);
  // RESP2 `$-1`, RESP3 `_`.
  void null();
  // RESP2 `*-1`, RESP3 `_`.
  void nullArray();
  void arrayHeader(size_t count);
  // RESP3 `%count`; RESP2 an array of 2*count (k1, v1, k2, v2, ...).
  void mapHeader(size_t count);
  // RESP3 `~count`; RESP2 an array.
  void setHeader(size_t count);
  // RESP3 `>count`; RESP2 an array (how Redis sends pub/sub messages to RESP2 clients).
  void pushHeader(size_t count);
  // RESP3 `|count`, followed by count key/value pairs and then the annotated value. RESP2 has no
  // attributes: writes nothing and returns false, and the caller must skip the pairs.
  bool attributeHeader(size_t count);
  // RESP3 `,` with "%.17g", `inf`, `-inf`, `nan`; RESP2 the same text as a bulk string
  // (Redis 7.0 addReplyDouble).
  void doubleValue(double value);
  // RESP3 `#t` / `#f`; RESP2 `:1` / `:0`.
  void boolean(bool value);
  // RESP3 `(digits`; RESP2 a bulk string.
  void bigNumber(std::string_view digits);
  // RESP3 `=len\r\nfmt:text`; RESP2 a bulk string of text. `format` is 3 bytes, e.g. "txt".
  void verbatim(std::string_view format, std::string_view text);
  void ok() { out_->append("+OK\r\n", 5); }

  // A command as a multibulk of bulk strings, the form every server accepts.
  void command(std::initializer_list<std::string_view> args) {
    command(std::span<const std::string_view>(args.begin(), args.size()));
  }
  void command(std::span<const std::string_view> args);

  // A parsed Value back on the wire (proxy fan-out merging, tests), downgraded for RESP2 like
  // the typed methods; attributes are dropped under RESP2 and blob errors become `-` errors.
  void value(const Value& v);

 private:
  // `<prefix><value>\r\n`
  void header(char prefix, int64_t value);

  std::string* out_;
  Protocol protocol_;
};

}  // namespace strata::resp
