// Type and encoding names, Redis's string2ll, and the encoding choice of new string values.
#include "node/keyspace/value.h"

#include "common/resp/number.h"

namespace strata::node {

std::string_view typeName(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return "string";
    case ValueType::kList:
      return "list";
    case ValueType::kSet:
      return "set";
    case ValueType::kZSet:
      return "zset";
    case ValueType::kHash:
      return "hash";
    case ValueType::kStream:
      return "stream";
  }
  return "none";
}

std::string_view encodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kInt:
      return "int";
    case Encoding::kEmbstr:
      return "embstr";
    case Encoding::kRaw:
      return "raw";
    case Encoding::kListpack:
      return "listpack";
    case Encoding::kQuicklist:
      return "quicklist";
    case Encoding::kHashtable:
      return "hashtable";
    case Encoding::kIntset:
      return "intset";
    case Encoding::kSkiplist:
      return "skiplist";
    case Encoding::kStream:
      return "stream";
  }
  return "unknown";
}

bool parseCanonicalInt(std::string_view s, int64_t& out) {
  return resp::parseInt64(s, out);
}

Value Value::string(std::string_view bytes) {
  int64_t v = 0;
  if (bytes.size() <= kMaxIntEncodedLength && parseCanonicalInt(bytes, v)) return integer(v);
  return plainString(bytes);
}

Value Value::plainString(std::string_view bytes) {
  Value out = rawString(bytes);
  if (bytes.size() <= kEmbstrSizeLimit) out.encoding_ = Encoding::kEmbstr;
  return out;
}

Value Value::rawString(std::string_view bytes) {
  Value out;
  out.bytes_ = bytes;
  out.encoding_ = Encoding::kRaw;
  return out;
}

Value Value::integer(int64_t value) {
  Value out;
  out.int_ = value;
  out.encoding_ = Encoding::kInt;
  return out;
}

Value Value::object(ValueType type, Encoding encoding, std::unique_ptr<Object> object) {
  Value out;
  out.type_ = type;
  out.encoding_ = encoding;
  out.object_ = std::move(object);
  return out;
}

}  // namespace strata::node
