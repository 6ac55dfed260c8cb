// The tri-state result shared by every incremental RESP parser (RequestParser, ReplyParser).
#pragma once

#include <cstdint>

namespace strata::resp {

enum class ParseStatus : uint8_t {
  kOk,          // one complete item parsed; see the parser's consumed()
  kIncomplete,  // need more bytes: call again with the same bytes plus what arrived since
  kError,       // protocol violation; see the parser's error(). Sticky until reset().
};

}  // namespace strata::resp
