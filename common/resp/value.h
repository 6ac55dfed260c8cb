// The owned tree form of one RESP2/RESP3 value, built by ReplyParser::parse(). Used off the hot
// path: tests, the replication handshake, admin clients, proxy fan-out merging. Plain data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::resp {

enum class Type : uint8_t {
  kSimpleString,  // +
  kError,         // -
  kInteger,       // :
  kBulkString,    // $
  kArray,         // *
  kNull,          // _  (and RESP2's $-1 / *-1: see Value::wire)
  kDouble,        // ,
  kBoolean,       // #
  kBigNumber,     // (
  kVerbatim,      // =
  kMap,           // %
  kSet,           // ~
  kPush,          // >
  kBlobError,     // !
};

struct Value {
  Type type = Type::kNull;
  char wire = '_';     // the type byte as received: tells `$-1` ('$') and `*-1` ('*') from `_`
  std::string str;     // simple string, error, bulk, big number digits, verbatim text
  std::string format;  // verbatim only: the 3-byte format, e.g. "txt"
  int64_t integer = 0;
  double dbl = 0;
  bool boolean = false;
  std::vector<Value> elements;    // array, set, push; map as k1, v1, k2, v2, ...
  std::vector<Value> attributes;  // the `|` attribute before this value, flattened like a map

  bool isError() const { return type == Type::kError || type == Type::kBlobError; }
  bool isAggregate() const {
    return type == Type::kArray || type == Type::kMap || type == Type::kSet || type == Type::kPush;
  }
  // The value under `key` in a map-shaped reply: a RESP3 map or its RESP2 form, a flat
  // k1, v1, k2, v2 ... array (CLUSTER SHARDS, COMMAND DOCS, HELLO). nullptr if absent.
  const Value* field(std::string_view key) const {
    if (!isAggregate()) return nullptr;
    for (size_t i = 0; i + 1 < elements.size(); i += 2) {
      if (elements[i].str == key) return &elements[i + 1];
    }
    return nullptr;
  }
};

}  // namespace strata::resp
