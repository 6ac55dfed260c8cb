// Type and encoding names, Redis's string2ll, and the encoding choice of new string values.
#include "node/keyspace/value.h"

namespace strata::node {

std::string_view typeName(ValueType type) {
  switch (type) {
    case ValueType::kString: return "string";
    case ValueType::kList: return "list";
    case ValueType::kSet: return "set";
    case ValueType::kZSet: return "zset";
    case ValueType::kHash: return "hash";
    case ValueType::kStream: return "stream";
  }
  return "none";
}

std::string_view encodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kInt: return "int";
    case Encoding::kEmbstr: return "embstr";
    case Encoding::kRaw: return "raw";
    case Encoding::kListpack: return "listpack";
    case Encoding::kQuicklist: return "quicklist";
    case Encoding::kHashtable: return "hashtable";
    case Encoding::kIntset: return "intset";
    case Encoding::kSkiplist: return "skiplist";
    case Encoding::kStream: return "stream";
  }
  return "unknown";
}

bool parseCanonicalInt(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() == 1 && s[0] == '0') {
    out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (s.size() == 1) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    out = static_cast<int64_t>(v);
  }
  return true;
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
