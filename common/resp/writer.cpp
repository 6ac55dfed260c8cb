// Writer: see writer.h. Every value is appended with at most three append() calls; numbers go
// through std::to_chars into a stack buffer.
#include "common/resp/writer.h"

#include <charconv>
#include <cmath>

namespace strata::resp {
namespace {

// "%.17g" of a finite double, as Redis formats it; "inf", "-inf", "nan" otherwise.
std::string_view formatDouble(double value, char (&buf)[32]) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  const auto res = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::general, 17);
  return {buf, static_cast<size_t>(res.ptr - buf)};
}

}  // namespace

void Writer::header(char prefix, int64_t value) {
  char buf[24];  // prefix, 20 chars of int64, CRLF
  buf[0] = prefix;
  char* end = std::to_chars(buf + 1, buf + sizeof(buf) - 2, value).ptr;
  end[0] = '\r';
  end[1] = '\n';
  out_->append(buf, static_cast<size_t>(end + 2 - buf));
}

void Writer::simpleString(std::string_view text) {
  out_->push_back('+');
  out_->append(text);
  out_->append("\r\n", 2);
}

void Writer::error(std::string_view text) {
  out_->push_back('-');
  const size_t start = out_->size();
  out_->append(text);
  for (size_t i = start; i < out_->size(); ++i) {
    char& c = (*out_)[i];
    if (c == '\r' || c == '\n') c = ' ';
  }
  out_->append("\r\n", 2);
}

void Writer::integer(int64_t value) {
  header(':', value);
}

void Writer::bulk(std::string_view bytes) {
  header('$', static_cast<int64_t>(bytes.size()));
  out_->append(bytes);
  out_->append("\r\n", 2);
}

void Writer::null() {
  if (protocol_ == Protocol::kResp3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}

void Writer::nullArray() {
  if (protocol_ == Protocol::kResp3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}

void Writer::arrayHeader(size_t count) {
  header('*', static_cast<int64_t>(count));
}

void Writer::mapHeader(size_t count) {
  if (protocol_ == Protocol::kResp3) {
    header('%', static_cast<int64_t>(count));
  } else {
    header('*', static_cast<int64_t>(count * 2));
  }
}

void Writer::setHeader(size_t count) {
  header(protocol_ == Protocol::kResp3 ? '~' : '*', static_cast<int64_t>(count));
}

void Writer::pushHeader(size_t count) {
  header(protocol_ == Protocol::kResp3 ? '>' : '*', static_cast<int64_t>(count));
}

bool Writer::attributeHeader(size_t count) {
  if (protocol_ != Protocol::kResp3) return false;
  header('|', static_cast<int64_t>(count));
  return true;
}

void Writer::doubleValue(double value) {
  char buf[32];
  const std::string_view text = formatDouble(value, buf);
  if (protocol_ == Protocol::kResp3) {
    out_->push_back(',');
    out_->append(text);
    out_->append("\r\n", 2);
  } else {
    bulk(text);
  }
}

void Writer::boolean(bool value) {
  if (protocol_ == Protocol::kResp3) {
    out_->append(value ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->append(value ? ":1\r\n" : ":0\r\n", 4);
  }
}

void Writer::bigNumber(std::string_view digits) {
  if (protocol_ == Protocol::kResp3) {
    out_->push_back('(');
    out_->append(digits);
    out_->append("\r\n", 2);
  } else {
    bulk(digits);
  }
}

void Writer::verbatim(std::string_view format, std::string_view text) {
  if (protocol_ != Protocol::kResp3) {
    bulk(text);
    return;
  }
  header('=', static_cast<int64_t>(text.size() + 4));
  // Always exactly 3 format bytes, padded or cut, so the value stays well formed.
  char fmt[4] = {' ', ' ', ' ', ':'};
  for (size_t i = 0; i < 3 && i < format.size(); ++i) fmt[i] = format[i];
  out_->append(fmt, 4);
  out_->append(text);
  out_->append("\r\n", 2);
}

void Writer::command(std::span<const std::string_view> args) {
  header('*', static_cast<int64_t>(args.size()));
  for (std::string_view arg : args) bulk(arg);
}

void Writer::value(const Value& v) {
  if (!v.attributes.empty() && attributeHeader(v.attributes.size() / 2)) {
    for (const Value& a : v.attributes) value(a);
  }
  switch (v.type) {
    case Type::kSimpleString:
      simpleString(v.str);
      return;
    case Type::kError:
      error(v.str);
      return;
    case Type::kInteger:
      integer(v.integer);
      return;
    case Type::kBulkString:
      bulk(v.str);
      return;
    case Type::kNull:
      v.wire == '*' ? nullArray() : null();
      return;
    case Type::kDouble:
      doubleValue(v.dbl);
      return;
    case Type::kBoolean:
      boolean(v.boolean);
      return;
    case Type::kBigNumber:
      bigNumber(v.str);
      return;
    case Type::kVerbatim:
      verbatim(v.format, v.str);
      return;
    case Type::kBlobError:
      if (protocol_ == Protocol::kResp3) {
        header('!', static_cast<int64_t>(v.str.size()));
        out_->append(v.str);
        out_->append("\r\n", 2);
      } else {
        error(v.str);
      }
      return;
    case Type::kArray:
      arrayHeader(v.elements.size());
      break;
    case Type::kMap:
      mapHeader(v.elements.size() / 2);
      break;
    case Type::kSet:
      setHeader(v.elements.size());
      break;
    case Type::kPush:
      pushHeader(v.elements.size());
      break;
  }
  for (const Value& e : v.elements) value(e);
}

}  // namespace strata::resp
