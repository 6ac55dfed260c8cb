// One key of the keyspace in one allocation: a 24-byte header (chain link, lengths, type,
// encoding, LRU/LFU clock, slot in the volatile index), then the key bytes, then the value:
//
//   [next|keyLen|valLen|type:4 enc:4 lru:24|volIndex] [key bytes] [int64 | string bytes | Object*]
//
// A string value lives inline (int: 8 bytes; embstr/raw: its bytes), so a 16-byte key with a
// 100-byte value is a single 140-byte malloc. Other types store an owned Object pointer. A new
// string value of another size means a new Entry (Keyspace swaps it into the chain). Created and
// freed only by Keyspace; commands read it through the accessors. Event-loop thread only.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "node/keyspace/value.h"

namespace strata::node {

class Entry {
 public:
  static constexpr uint32_t kNoExpire = UINT32_MAX;

  std::string_view key() const { return {keyData(), keyLen_}; }
  ValueType type() const { return static_cast<ValueType>(type_); }
  Encoding encoding() const { return static_cast<Encoding>(encoding_); }
  bool isString() const { return type() == ValueType::kString; }
  bool hasExpire() const { return volIndex_ != kNoExpire; }
  uint32_t lru() const { return lru_; }

  // String values.
  bool isInt() const { return encoding() == Encoding::kInt; }
  // False for an int value Redis holds in a private object although it is in the shared range
  // (a COPY's destination, and that value renamed): OBJECT REFCOUNT answers 1 for it.
  bool shareableInt() const { return isInt() && !privateInt_; }
  int64_t intValue() const {
    int64_t v;
    std::memcpy(&v, valueData(), sizeof(v));
    return v;
  }
  // Bytes of an embstr/raw string.
  std::string_view bytes() const { return {valueData(), valLen_}; }
  // Any string encoding as text; an int is formatted into `scratch`.
  std::string_view stringView(char (&scratch)[24]) const;
  // Length of the string as text (STRLEN).
  size_t stringLength() const;

  // Non-string values.
  Object* object() const {
    Object* o;
    std::memcpy(&o, valueData(), sizeof(o));
    return o;
  }

 private:
  friend class Keyspace;
  Entry() = default;
  const char* keyData() const { return reinterpret_cast<const char*>(this + 1); }
  char* keyData() { return reinterpret_cast<char*>(this + 1); }
  const char* valueData() const { return keyData() + keyLen_; }
  char* valueData() { return keyData() + keyLen_; }

  Entry* next_ = nullptr;
  uint32_t keyLen_ = 0;
  uint32_t valLen_ = 0;  // payload bytes after the key
  uint32_t type_ : 3 = 0;
  uint32_t privateInt_ : 1 = 0;  // an int Redis would not share (COPY's dupStringObject)
  uint32_t encoding_ : 4 = 0;
  uint32_t lru_ : 24 = 0;
  uint32_t volIndex_ = kNoExpire;
};
static_assert(sizeof(Entry) == 24, "Entry header must stay 24 bytes");

}  // namespace strata::node
