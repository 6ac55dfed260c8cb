// Merging of children's RESP replies, working on the raw bytes: element frames are found with
// ReplyParser::frame and copied once into the parent's reply, never re-encoded.
#include "proxy/commands/aggregators.h"

#include <charconv>
#include <unordered_set>

#include "common/resp/reply_parser.h"
#include "common/resp/writer.h"

namespace strata::proxy {

namespace {

bool integerOf(std::string_view reply, int64_t& out) {
  if (reply.size() < 4 || reply[0] != ':') return false;
  auto [end, ec] = std::from_chars(reply.data() + 1, reply.data() + reply.size() - 2, out);
  return ec == std::errc();
}

void copyError(Request& parent, const Request& child) {
  parent.reply = child.reply;
}

}  // namespace

const Request* firstError(const Request& parent) {
  for (const Request* c : parent.children) {
    if (!c->reply.empty() && (c->reply[0] == '-' || c->reply[0] == '!')) return c;
  }
  return nullptr;
}

bool arrayElements(std::string_view reply, std::vector<std::string_view>& out) {
  out.clear();
  if (reply.size() < 4 || (reply[0] != '*' && reply[0] != '~' && reply[0] != '%')) return false;
  size_t eol = reply.find("\r\n");
  if (eol == std::string_view::npos) return false;
  int64_t count = 0;
  auto [end, ec] = std::from_chars(reply.data() + 1, reply.data() + eol, count);
  if (ec != std::errc() || count < 0) return count == -1;
  if (reply[0] == '%') count *= 2;  // a map: keys and values alternate
  size_t pos = eol + 2;
  resp::ReplyParser parser;
  for (int64_t i = 0; i < count; ++i) {
    if (parser.frame(reply.data() + pos, reply.size() - pos) != resp::ParseStatus::kOk) {
      return false;
    }
    out.emplace_back(reply.data() + pos, parser.consumed());
    pos += parser.consumed();
  }
  return true;
}

void aggregateSum(Request& parent) {
  if (const Request* e = firstError(parent)) return copyError(parent, *e);
  int64_t total = 0;
  for (const Request* c : parent.children) {
    int64_t v = 0;
    if (integerOf(c->reply, v)) total += v;
  }
  parent.reply.clear();
  resp::Writer(parent.reply).integer(total);
}

void aggregateAllOk(Request& parent) {
  if (const Request* e = firstError(parent)) return copyError(parent, *e);
  parent.reply = "+OK\r\n";
}

void aggregateConcatArrays(Request& parent) {
  if (const Request* e = firstError(parent)) return copyError(parent, *e);
  std::vector<std::string_view> elements;
  std::string body;
  size_t total = 0;
  char kind = '*';
  for (const Request* c : parent.children) {
    if (!c->reply.empty() && c->reply[0] == '~') kind = '~';
    if (!arrayElements(c->reply, elements)) continue;
    total += elements.size();
    for (auto e : elements) body.append(e);
  }
  parent.reply.clear();
  parent.reply.push_back(kind);
  parent.reply.append(std::to_string(total));
  parent.reply.append("\r\n");
  parent.reply.append(body);
}

void aggregateFirstNonNull(Request& parent) {
  const Request* error = firstError(parent);
  for (const Request* c : parent.children) {
    const auto& r = c->reply;
    if (r.empty() || r[0] == '-' || r[0] == '!' || r[0] == '_' || r.starts_with("$-1")) continue;
    parent.reply = r;
    return;
  }
  if (error) return copyError(parent, *error);
  parent.reply = parent.children.empty() ? "$-1\r\n" : parent.children.front()->reply;
}

void aggregateFirstReply(Request& parent) {
  if (const Request* e = firstError(parent)) return copyError(parent, *e);
  parent.reply = parent.children.empty() ? "$-1\r\n" : parent.children.front()->reply;
}

void aggregateKill(Request& parent) {
  const Request* notBusy = nullptr;
  const Request* other = nullptr;
  for (const Request* c : parent.children) {
    const std::string_view reply = c->reply;
    if (reply.starts_with("+")) {
      parent.reply = c->reply;
      return;
    }
    const Request*& slot = reply.starts_with("-NOTBUSY") ? notBusy : other;
    if (slot == nullptr) slot = c;
  }
  if (other == nullptr) other = notBusy;
  parent.reply = other ? other->reply : "-NOTBUSY No scripts in execution right now.\r\n";
}

void aggregateUnion(Request& parent) {
  if (const Request* e = firstError(parent)) return copyError(parent, *e);
  std::vector<std::string_view> elements;
  std::unordered_set<std::string_view> seen;  // element frames: equal bytes, equal names
  std::string body;
  for (const Request* c : parent.children) {
    if (!arrayElements(c->reply, elements)) continue;
    for (std::string_view e : elements) {
      if (seen.insert(e).second) body.append(e);
    }
  }
  std::string reply;
  resp::Writer(reply).arrayHeader(seen.size());
  reply.append(body);
  parent.reply = std::move(reply);
}

void aggregateCountsByName(Request& parent) {
  if (const Request* e = firstError(parent)) return copyError(parent, *e);
  if (parent.children.empty()) return;
  // Every master answers the same names, in the request's order, each with its own count.
  const std::string& first = parent.children.front()->reply;
  std::vector<std::string_view> names;
  std::vector<int64_t> counts;
  std::vector<std::string_view> elements;
  for (const Request* c : parent.children) {
    if (!arrayElements(c->reply, elements)) continue;
    for (size_t i = 0; i + 1 < elements.size(); i += 2) {
      const size_t n = i / 2;
      if (c == parent.children.front()) {
        names.push_back(elements[i]);
        counts.push_back(0);
      }
      int64_t v = 0;
      if (n < counts.size() && integerOf(elements[i + 1], v)) counts[n] += v;
    }
  }
  std::string reply;
  const bool map = !first.empty() && first[0] == '%';
  resp::Writer w(reply, map ? resp::Protocol::kResp3 : resp::Protocol::kResp2);
  w.mapHeader(names.size());  // '%' N, or '*' 2N
  for (size_t i = 0; i < names.size(); ++i) {
    reply.append(names[i]);
    w.integer(counts[i]);
  }
  parent.reply = std::move(reply);
}

void aggregateAndIntegers(Request& parent) {
  if (const Request* e = firstError(parent)) return copyError(parent, *e);
  std::vector<int64_t> result;
  std::vector<std::string_view> elements;
  bool first = true;
  for (const Request* c : parent.children) {
    if (!arrayElements(c->reply, elements)) continue;
    if (first) result.assign(elements.size(), 1);
    first = false;
    for (size_t i = 0; i < elements.size() && i < result.size(); ++i) {
      int64_t v = 0;
      if (!integerOf(elements[i], v) || v == 0) result[i] = 0;
    }
  }
  parent.reply.clear();
  resp::Writer w(parent.reply);
  w.arrayHeader(result.size());
  for (int64_t v : result) w.integer(v);
}

}  // namespace strata::proxy
