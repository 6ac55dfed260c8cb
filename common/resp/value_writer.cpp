// writeValue: one case per RESP type; attributes are dropped (RESP2 has none, and no reply the
// proxy re-serves carries them).
#include "common/resp/value_writer.h"

namespace strata::resp {

void writeValue(Writer& w, const Value& v) {
  switch (v.type) {
    case Type::kSimpleString:
      w.simpleString(v.str);
      break;
    case Type::kError:
    case Type::kBlobError:
      w.error(v.str);
      break;
    case Type::kInteger:
      w.integer(v.integer);
      break;
    case Type::kBulkString:
      w.bulk(v.str);
      break;
    case Type::kNull:
      if (v.wire == '*') {
        w.nullArray();
      } else {
        w.null();
      }
      break;
    case Type::kDouble:
      w.doubleValue(v.dbl);
      break;
    case Type::kBoolean:
      w.boolean(v.boolean);
      break;
    case Type::kBigNumber:
      w.bigNumber(v.str);
      break;
    case Type::kVerbatim:
      w.verbatim(v.format.empty() ? "txt" : v.format, v.str);
      break;
    case Type::kArray:
      w.arrayHeader(v.elements.size());
      for (const auto& e : v.elements) writeValue(w, e);
      break;
    case Type::kSet:
      w.setHeader(v.elements.size());
      for (const auto& e : v.elements) writeValue(w, e);
      break;
    case Type::kPush:
      w.pushHeader(v.elements.size());
      for (const auto& e : v.elements) writeValue(w, e);
      break;
    case Type::kMap:
      w.mapHeader(v.elements.size() / 2);
      for (const auto& e : v.elements) writeValue(w, e);
      break;
  }
}

}  // namespace strata::resp
