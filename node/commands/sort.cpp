// SORT / SORT_RO and LCS, as Redis 7.0's sort.c and t_string.c's lcsCommand.
//
// SORT loads the list, set or sorted set into a vector, scores each element (its own numeric
// value, or the value found through the BY pattern: "prefix*suffix" names a string key, "...->f"
// a hash field; a BY without '*' means "don't sort"), sorts it (numerically with ties broken by
// the bytes, or ALPHA), applies LIMIT, then answers the elements or their GET patterns ("#" is
// the element itself) or STOREs them as a list (deleting the destination when empty). In cluster
// mode BY and GET patterns are refused, as Redis. Sorting is stable like glibc's qsort (a merge
// sort), so ties come out in the same order as Redis's.
//
// LCS computes the classic dynamic-programming table over the two strings (refused when it would
// pass proto-max-bulk-len bytes) and answers the subsequence, its length (LEN) or the matching
// ranges (IDX, MINMATCHLEN, WITHMATCHLEN) walking the table back from the end. Event-loop thread.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "node/commands/collections.h"
#include "node/commands/handlers.h"
#include "node/keyspace/zset.h"
#include "node/scripting/scripting.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

using config::equalsNoCase;

struct SortItem {
  std::string obj;
  double score = 0;
  std::optional<std::string> cmp;  // ALPHA with BY: the looked-up value (none when missing)
};

// lookupKeyByPattern: the string (or hash field) `pattern` names for `subst`; nullopt when
// there is none. "#" is the element itself.
std::optional<std::string> lookupByPattern(CommandContext& ctx, std::string_view pattern,
                                           std::string_view subst) {
  // Redis reads the pattern as a C string here.
  std::string_view cpat = pattern.substr(0, std::min(pattern.size(), pattern.find('\0')));
  if (cpat == "#") return std::string(subst);
  size_t star = cpat.find('*');
  if (star == std::string_view::npos) return std::nullopt;
  std::string_view field;
  size_t arrow = cpat.find("->", star + 1);
  size_t fieldLen = 0;
  if (arrow != std::string_view::npos && arrow + 2 < cpat.size()) {
    fieldLen = pattern.size() - arrow - 2;
    field = pattern.substr(arrow + 2, fieldLen);
  }
  size_t postfixLen = pattern.size() - (star + 1) - (fieldLen ? fieldLen + 2 : 0);
  std::string key;
  key.reserve(star + subst.size() + postfixLen);
  key.append(pattern.substr(0, star)).append(subst).append(pattern.substr(star + 1, postfixLen));
  Entry* e = lookupRead(ctx, key);
  if (e == nullptr) return std::nullopt;
  if (fieldLen) {
    if (e->type() != ValueType::kHash) return std::nullopt;
    auto v = static_cast<const HashObject*>(e->object())->get(field);
    if (!v) return std::nullopt;
    return std::string(*v);
  }
  if (!e->isString()) return std::nullopt;
  char scratch[24];
  return std::string(e->stringView(scratch));
}

// memcmp order, shorter first on a common prefix (compareStringObjects).
int binaryCompare(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// strcoll in the C locale on the C strings (collateStringObjects): stops at a NUL byte.
int collateCompare(const std::string& a, const std::string& b) {
  int c = std::strcmp(a.c_str(), b.c_str());
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

void sortGeneric(CommandContext& ctx, bool readonly) {
  bool desc = false, alpha = false, dontsort = false;
  int64_t limitStart = 0, limitCount = -1;
  std::optional<std::string_view> sortby, storekey;
  std::vector<std::string_view> gets;
  const bool cluster = ctx.server.cluster() != nullptr;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    size_t leftargs = ctx.argc() - j - 1;
    std::string_view a = ctx.arg(j);
    if (equalsNoCase(a, "asc")) {
      desc = false;
    } else if (equalsNoCase(a, "desc")) {
      desc = true;
    } else if (equalsNoCase(a, "alpha")) {
      alpha = true;
    } else if (equalsNoCase(a, "limit") && leftargs >= 2) {
      if (!intArgOrReply(ctx, ctx.arg(j + 1), limitStart) ||
          !intArgOrReply(ctx, ctx.arg(j + 2), limitCount)) {
        return;
      }
      j += 2;
    } else if (!readonly && equalsNoCase(a, "store") && leftargs >= 1) {
      storekey = ctx.arg(++j);
    } else if (equalsNoCase(a, "by") && leftargs >= 1) {
      sortby = ctx.arg(j + 1);
      std::string_view p = *sortby;
      if (p.substr(0, std::min(p.size(), p.find('\0'))).find('*') == std::string_view::npos) {
        dontsort = true;
      } else if (cluster) {
        ctx.w.error("ERR BY option of SORT denied in Cluster mode.");
        return;
      }
      ++j;
    } else if (equalsNoCase(a, "get") && leftargs >= 1) {
      if (cluster) {
        ctx.w.error("ERR GET option of SORT denied in Cluster mode.");
        return;
      }
      gets.push_back(ctx.arg(++j));
    } else {
      ctx.w.error(errors::kSyntax);
      return;
    }
  }

  Entry* e = lookupRead(ctx, ctx.arg(1));
  ValueType type = ValueType::kList;
  if (e != nullptr) {
    type = e->type();
    if (type != ValueType::kSet && type != ValueType::kList && type != ValueType::kZSet) {
      ctx.w.error(errors::kWrongType);
      return;
    }
  }
  // As 7.0's sortCommand, a listpack sorted set is converted to a skiplist first, even by
  // SORT_RO (OBJECT ENCODING shows it). Not a modification (no dirty, no WATCH): the memory
  // accounting catches up at the key's next change (Keyspace::reaccount).
  if (e != nullptr && type == ValueType::kZSet) {
    static_cast<ZSetObject*>(e->object())->convertToSkiplist();
  }
  // A set has no order of its own: STORE and scripts sort it (ALPHA) so that replicas and
  // script effects see the same list.
  if (dontsort && type == ValueType::kSet && (storekey || ctx.server.scripting().running())) {
    dontsort = false;
    alpha = true;
    sortby.reset();
  }

  int64_t vectorlen = 0;
  if (e != nullptr) {
    if (type == ValueType::kList) {
      vectorlen = static_cast<int64_t>(static_cast<const ListObject*>(e->object())->size());
    } else if (type == ValueType::kSet) {
      vectorlen = static_cast<int64_t>(static_cast<const SetObject*>(e->object())->size());
    } else {
      vectorlen = static_cast<int64_t>(static_cast<const ZSetObject*>(e->object())->size());
    }
  }
  int64_t start = limitStart < 0 ? 0 : limitStart;
  int64_t end = limitCount < 0 ? vectorlen - 1 : start + limitCount - 1;
  if (start >= vectorlen) {
    start = vectorlen - 1;
    end = vectorlen - 2;
  }
  if (end >= vectorlen) end = vectorlen - 1;

  std::vector<SortItem> vec;
  if (e != nullptr && (type == ValueType::kList || type == ValueType::kZSet) && dontsort) {
    // Native order, only the LIMIT range.
    if (end >= start) {
      auto n = static_cast<size_t>(end - start + 1);
      vec.reserve(n);
      size_t len = static_cast<size_t>(vectorlen);
      auto s = static_cast<size_t>(start);
      if (type == ValueType::kList) {
        const auto* l = static_cast<const ListObject*>(e->object());
        std::vector<std::string> tmp;
        tmp.reserve(n);
        size_t from = desc ? len - s - n : s;
        l->forRange(from, n, [&](std::string_view v) { tmp.emplace_back(v); });
        if (desc) std::reverse(tmp.begin(), tmp.end());
        for (auto& t : tmp) vec.push_back({std::move(t), 0, std::nullopt});
      } else {
        const auto* z = static_cast<const ZSetObject*>(e->object());
        z->walk(desc ? len - 1 - s : s, n, desc, [&](std::string_view m, double) {
          vec.push_back({std::string(m), 0, std::nullopt});
        });
      }
    }
    end -= start;
    start = 0;
  } else if (e != nullptr) {
    vec.reserve(static_cast<size_t>(vectorlen));
    if (type == ValueType::kList) {
      const auto* l = static_cast<const ListObject*>(e->object());
      l->forRange(0, l->size(), [&](std::string_view v) {
        vec.push_back({std::string(v), 0, std::nullopt});
      });
    } else if (type == ValueType::kSet) {
      static_cast<const SetObject*>(e->object())->forEach([&](std::string_view m) {
        vec.push_back({std::string(m), 0, std::nullopt});
      });
    } else {
      const auto* z = static_cast<const ZSetObject*>(e->object());
      z->walk(0, z->size(), false, [&](std::string_view m, double) {
        vec.push_back({std::string(m), 0, std::nullopt});
      });
    }
  }

  bool conversionError = false;
  if (!dontsort) {
    for (SortItem& item : vec) {
      std::optional<std::string> byval;
      if (sortby) {
        byval = lookupByPattern(ctx, *sortby, item.obj);
        if (!byval) continue;
      }
      const std::string& v = sortby ? *byval : item.obj;
      if (alpha) {
        if (sortby) item.cmp = std::move(byval);
      } else {
        // errno reset first. Redis 7.0 does not, so a stale ERANGE from an earlier command
        // (ZADD z 1e400) fails its next numeric SORT until some valid double parse clears it;
        // that bug is not reproduced.
        errno = 0;
        char* eptr = nullptr;
        item.score = std::strtod(v.c_str(), &eptr);
        if (eptr[0] != '\0' || errno == ERANGE || std::isnan(item.score)) conversionError = true;
      }
    }
    const bool byPattern = sortby.has_value(), store = storekey.has_value();
    auto compare = [&](const SortItem& a, const SortItem& b) {
      int cmp;
      if (!alpha) {
        if (a.score > b.score) {
          cmp = 1;
        } else if (a.score < b.score) {
          cmp = -1;
        } else {
          cmp = binaryCompare(a.obj, b.obj);
        }
      } else if (byPattern) {
        if (!a.cmp || !b.cmp) {
          cmp = (!a.cmp && !b.cmp) ? 0 : !a.cmp ? -1 : 1;
        } else {
          cmp = store ? binaryCompare(*a.cmp, *b.cmp) : collateCompare(*a.cmp, *b.cmp);
        }
      } else {
        cmp = store ? binaryCompare(a.obj, b.obj) : collateCompare(a.obj, b.obj);
      }
      return (desc ? -cmp : cmp) < 0;
    };
    std::stable_sort(vec.begin(), vec.end(), compare);
  }

  int64_t count = end - start + 1;
  if (count < 0) count = 0;
  int64_t outputlen = gets.empty() ? count : static_cast<int64_t>(gets.size()) * count;
  if (conversionError) {
    ctx.w.error("ERR One or more scores can't be converted into double");
    return;
  }
  if (!storekey) {
    ctx.w.arrayHeader(static_cast<size_t>(outputlen));
    for (int64_t j = start; j <= end; ++j) {
      const std::string& obj = vec[static_cast<size_t>(j)].obj;
      if (gets.empty()) ctx.w.bulk(obj);
      for (std::string_view g : gets) {
        auto v = lookupByPattern(ctx, g, obj);
        if (v) {
          ctx.w.bulk(*v);
        } else {
          ctx.w.null();
        }
      }
    }
    return;
  }
  auto list = std::make_unique<ListObject>();
  for (int64_t j = start; j <= end; ++j) {
    const std::string& obj = vec[static_cast<size_t>(j)].obj;
    if (gets.empty()) {
      list->push(obj, false);
      continue;
    }
    for (std::string_view g : gets) {
      auto v = lookupByPattern(ctx, g, obj);
      list->push(v ? std::string_view(*v) : std::string_view(), false);
    }
  }
  if (outputlen) {
    Encoding enc = list->encoding();
    ctx.ks.set(*storekey, Value::object(ValueType::kList, enc, std::move(list)));
    ctx.server.notifyKeyspaceEvent(notify::kList, "sortstore", *storekey);
  } else if (ctx.ks.erase(*storekey)) {
    ctx.server.notifyKeyspaceEvent(notify::kGeneric, "del", *storekey);
  }
  ctx.w.integer(outputlen);
}

}  // namespace

namespace cmd {

void sort(CommandContext& ctx) {
  sortGeneric(ctx, false);
}

void sort_ro(CommandContext& ctx) {
  sortGeneric(ctx, true);
}

void lcs(CommandContext& ctx) {
  Entry* ea = lookupRead(ctx, ctx.arg(1));
  Entry* eb = lookupRead(ctx, ctx.arg(2));
  if ((ea && !ea->isString()) || (eb && !eb->isString())) {
    ctx.w.error("ERR The specified keys must contain string values");
    return;
  }
  char sa[24], sb[24];
  std::string a(ea ? ea->stringView(sa) : std::string_view());
  std::string b(eb ? eb->stringView(sb) : std::string_view());
  bool getlen = false, getidx = false;
  int withmatchlen = 0;
  int64_t minmatchlen = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    bool moreargs = ctx.argc() - 1 > j;
    if (equalsNoCase(opt, "idx")) {
      getidx = true;
    } else if (equalsNoCase(opt, "len")) {
      getlen = true;
    } else if (equalsNoCase(opt, "withmatchlen")) {
      withmatchlen = 1;
    } else if (equalsNoCase(opt, "minmatchlen") && moreargs) {
      if (!intArgOrReply(ctx, ctx.arg(j + 1), minmatchlen)) return;
      if (minmatchlen < 0) minmatchlen = 0;
      ++j;
    } else {
      ctx.w.error(errors::kSyntax);
      return;
    }
  }
  if (getidx && getlen) {
    ctx.w.error("ERR If you want both the length and indexes, please just use IDX.");
    return;
  }
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    ctx.w.error("ERR String too long for LCS");
    return;
  }
  auto alen = static_cast<uint32_t>(a.size()), blen = static_cast<uint32_t>(b.size());
  unsigned long long cells = static_cast<unsigned long long>(alen + 1ULL) * (blen + 1ULL);
  if (cells * sizeof(uint32_t) >
      static_cast<unsigned long long>(ctx.server.settings().protoMaxBulkLen)) {
    ctx.w.error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    return;
  }
  std::vector<uint32_t> table(static_cast<size_t>(cells));
  auto at = [&](uint32_t i, uint32_t j) -> uint32_t& {
    return table[j + static_cast<size_t>(i) * (blen + 1)];
  };
  for (uint32_t i = 1; i <= alen; ++i) {
    for (uint32_t j = 1; j <= blen; ++j) {
      if (a[i - 1] == b[j - 1]) {
        at(i, j) = at(i - 1, j - 1) + 1;
      } else {
        at(i, j) = std::max(at(i - 1, j), at(i, j - 1));
      }
    }
  }
  uint32_t idx = at(alen, blen);
  const uint32_t total = idx;
  const bool computelcs = getidx || !getlen;
  std::string result(computelcs ? idx : 0, '\0');
  struct Match {
    uint32_t as, ae, bs, be, len;
  };
  std::vector<Match> matches;
  uint32_t arangeStart = alen, arangeEnd = 0, brangeStart = 0, brangeEnd = 0;
  uint32_t i = alen, j = blen;
  while (computelcs && i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (arangeStart == alen) {
        arangeStart = arangeEnd = i - 1;
        brangeStart = brangeEnd = j - 1;
      } else if (arangeStart == i && brangeStart == j) {
        --arangeStart;
        --brangeStart;
      } else {
        emit = true;
      }
      if (arangeStart == 0 || brangeStart == 0) emit = true;
      --idx;
      --i;
      --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (arangeStart != alen) emit = true;
    }
    uint32_t matchLen = arangeEnd - arangeStart + 1;
    if (emit) {
      if (minmatchlen == 0 || matchLen >= minmatchlen) {
        matches.push_back({arangeStart, arangeEnd, brangeStart, brangeEnd, matchLen});
      }
      arangeStart = alen;
    }
  }
  if (getidx) {
    ctx.w.mapHeader(2);
    ctx.w.bulk("matches");
    ctx.w.arrayHeader(matches.size());
    for (const Match& m : matches) {
      ctx.w.arrayHeader(2 + static_cast<size_t>(withmatchlen));
      ctx.w.arrayHeader(2);
      ctx.w.integer(m.as);
      ctx.w.integer(m.ae);
      ctx.w.arrayHeader(2);
      ctx.w.integer(m.bs);
      ctx.w.integer(m.be);
      if (withmatchlen) ctx.w.integer(m.len);
    }
    ctx.w.bulk("len");
    ctx.w.integer(total);
  } else if (getlen) {
    ctx.w.integer(idx);
  } else {
    ctx.w.bulk(result);
  }
}

}  // namespace cmd

}  // namespace strata::node
