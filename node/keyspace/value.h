// What a key holds: the type tag and encoding names Redis reports (TYPE, OBJECT ENCODING), the
// base class of the non-string values later milestones add (hashes, lists, sets, zsets, streams
// own an Object hanging off their Entry), and Value, the move-only description of a new value
// handed to Keyspace::set(). Strings are never Objects: their bytes (or their int64) live inline
// in the key's single allocation, see entry.h. Event-loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace strata::node {

enum class ValueType : uint8_t { kString = 0, kList, kSet, kZSet, kHash, kStream };
enum class Encoding : uint8_t {
  kInt = 0,
  kEmbstr,
  kRaw,
  kListpack,
  kQuicklist,
  kHashtable,
  kIntset,
  kSkiplist,
  kStream,
};

// "string", "list", ... as TYPE answers.
std::string_view typeName(ValueType type);
// "int", "embstr", "raw", ... as OBJECT ENCODING answers.
std::string_view encodingName(Encoding encoding);

// A non-string value. Owned by its Entry (deleted with it).
class Object {
 public:
  virtual ~Object() = default;
  // Heap bytes owned by this object (memory accounting).
  virtual size_t memoryUsage() const = 0;
  // A deep copy (COPY).
  virtual std::unique_ptr<Object> clone() const = 0;
  // What OBJECT ENCODING reports now (containers change encoding as they grow).
  virtual Encoding encoding() const = 0;

  // The bytes Keyspace last counted for this object (see Keyspace::reaccount); Keyspace only.
  size_t accountedBytes = 0;
};

// The longest string Redis stores as embstr, and the longest it tries to encode as an int.
inline constexpr size_t kEmbstrSizeLimit = 44;
inline constexpr size_t kMaxIntEncodedLength = 20;

// Parses a canonical int64 exactly like Redis's string2ll (no '+', no leading zeros, no spaces,
// "-0" rejected). False if `s` is not one.
bool parseCanonicalInt(std::string_view s, int64_t& out);

// A new value for Keyspace::set(). String bytes are borrowed (copied into the entry by set()).
class Value {
 public:
  // As Redis's tryObjectEncoding: int for a canonical int64 of <= 20 chars, embstr for <= 44
  // bytes, raw otherwise (SET, MSET, SETNX, GETSET, ...).
  static Value string(std::string_view bytes);
  // As createStringObject: embstr for <= 44 bytes, raw otherwise; never int (INCRBYFLOAT).
  static Value plainString(std::string_view bytes);
  // Always raw (APPEND and SETRANGE results).
  static Value rawString(std::string_view bytes);
  static Value integer(int64_t value);
  static Value object(ValueType type, Encoding encoding, std::unique_ptr<Object> object);

  ValueType type() const { return type_; }
  Encoding encoding() const { return encoding_; }
  int64_t intValue() const { return int_; }
  std::string_view bytes() const { return bytes_; }
  std::unique_ptr<Object>& object() { return object_; }

 private:
  ValueType type_ = ValueType::kString;
  Encoding encoding_ = Encoding::kRaw;
  int64_t int_ = 0;
  std::string_view bytes_;
  std::unique_ptr<Object> object_;
};

}  // namespace strata::node
