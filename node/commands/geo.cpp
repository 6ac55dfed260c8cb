// Geo commands on sorted sets (GEOADD, GEODIST, GEOHASH, GEOPOS, GEOSEARCH, GEOSEARCHSTORE,
// GEORADIUS, GEORADIUSBYMEMBER and their _RO forms), as Redis 7.0's geo.c: a point is a member
// whose score is the 52-bit geohash of its coordinates (geohash.h), so ZRANGE WITHSCORES on a geo
// key reads as Redis's. GEOADD rewrites itself into ZADD (score = hash) and runs the ZADD handler.
// Searches scan the centre cell and its eight neighbours (score ranges), keep the points within
// the circle or box, optionally sort by distance (stable, as glibc's qsort) and COUNT/ANY-limit
// them, then answer them (WITHDIST/WITHHASH/WITHCOORD) or store them as a sorted set (hash or
// distance as score). Option parsing follows georadiusGeneric's order and error texts exactly.
// Event-loop thread.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "node/commands/geohash.h"
#include "node/commands/handlers.h"
#include "node/commands/zset_common.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

using config::equalsNoCase;

// extractLongLatOrReply.
bool lonLatOrReply(CommandContext& ctx, size_t at, double xy[2]) {
  for (size_t i = 0; i < 2; ++i) {
    if (!scoreArgOrReply(ctx, ctx.arg(at + i), xy[i])) return false;
  }
  if (xy[0] < geo::kLonMin || xy[0] > geo::kLonMax || xy[1] < geo::kLatMin ||
      xy[1] > geo::kLatMax) {
    char buf[256];
    std::snprintf(buf, sizeof(buf), "ERR invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
    ctx.w.error(buf);
    return false;
  }
  return true;
}

// extractUnitOrReply: metres per unit, or < 0 (error written).
double unitOrReply(CommandContext& ctx, std::string_view u) {
  if (equalsNoCase(u, "m")) return 1;
  if (equalsNoCase(u, "km")) return 1000;
  if (equalsNoCase(u, "ft")) return 0.3048;
  if (equalsNoCase(u, "mi")) return 1609.34;
  ctx.w.error("ERR unsupported unit provided. please use M, KM, FT, MI");
  return -1;
}

// extractDistanceOrReply.
bool distanceOrReply(CommandContext& ctx, size_t at, geo::Shape& shape) {
  double d = 0;
  if (!scoreArgOrReply(ctx, ctx.arg(at), d, "need numeric radius")) return false;
  if (d < 0) {
    ctx.w.error("ERR radius cannot be negative");
    return false;
  }
  shape.radius = d;
  double conv = unitOrReply(ctx, ctx.arg(at + 1));
  if (conv < 0) return false;
  shape.conversion = conv;
  return true;
}

// extractBoxOrReply.
bool boxOrReply(CommandContext& ctx, size_t at, geo::Shape& shape) {
  double w = 0, h = 0;
  if (!scoreArgOrReply(ctx, ctx.arg(at), w, "need numeric width") ||
      !scoreArgOrReply(ctx, ctx.arg(at + 1), h, "need numeric height")) {
    return false;
  }
  if (h < 0 || w < 0) {
    ctx.w.error("ERR height or width cannot be negative");
    return false;
  }
  shape.width = w;
  shape.height = h;
  double conv = unitOrReply(ctx, ctx.arg(at + 2));
  if (conv < 0) return false;
  shape.conversion = conv;
  return true;
}

// longLatFromMember.
bool memberLonLat(const ZSetObject* z, std::string_view member, double xy[2]) {
  double score = 0;
  if (z == nullptr || !z->score(member, score)) return false;
  return geo::decodeScore(score, xy);
}

// addReplyDoubleDistance: "%.4f" as a bulk string in both protocols.
void replyDistance(resp::Writer& w, double d) {
  char buf[128];
  int n = std::snprintf(buf, sizeof(buf), "%.4f", d);
  w.bulk(std::string_view(buf, static_cast<size_t>(n)));
}

// addReplyHumanLongDouble: the ld2string(LD_STR_HUMAN) text ("%.17Lf", trailing zeros cut), as
// a bulk string in RESP2 and as a RESP3 double (",0.00000126736058093", not %.17g) in RESP3.
void replyCoord(resp::Writer& w, double v) {
  std::string text = formatLongDouble(static_cast<long double>(v));
  if (w.protocol() == resp::Protocol::kResp2) {
    w.bulk(text);
  } else {
    w.buffer().append(",").append(text).append("\r\n");
  }
}

struct Point {
  double lon, lat, dist, score;
  std::string_view member;
};

enum Flags : unsigned {
  kCoords = 1,
  kMember = 2,
  kNoStore = 4,
  kSearch = 8,
  kSearchStore = 16,
};

void radiusGeneric(CommandContext& ctx, size_t srcIndex, unsigned flags) {
  bool wrong = false;
  const ZSetObject* z = readZSet(ctx, ctx.arg(srcIndex), wrong);
  if (wrong) return;
  std::string_view storekey;
  bool hasStore = false, storedist = false;
  size_t baseArgs = 0;
  geo::Shape shape;
  if (flags & kCoords) {
    baseArgs = 6;
    shape.circle = true;
    if (!lonLatOrReply(ctx, 2, shape.xy)) return;
    if (!distanceOrReply(ctx, baseArgs - 2, shape)) return;
  } else if ((flags & kMember) && z == nullptr) {
    baseArgs = 5;
  } else if (flags & kMember) {
    baseArgs = 5;
    shape.circle = true;
    if (!memberLonLat(z, ctx.arg(2), shape.xy)) {
      ctx.w.error("ERR could not decode requested zset member");
      return;
    }
    if (!distanceOrReply(ctx, baseArgs - 2, shape)) return;
  } else {
    baseArgs = 2;
    if (flags & kSearchStore) {
      baseArgs = 3;
      storekey = ctx.arg(1);
      hasStore = true;
    }
  }

  bool withdist = false, withhash = false, withcoords = false;
  bool frommember = false, fromloc = false, byradius = false, bybox = false;
  enum { kNone, kAsc, kDesc } sort = kNone;
  bool any = false;
  int64_t count = 0;
  if (ctx.argc() > baseArgs) {
    size_t remaining = ctx.argc() - baseArgs;
    for (size_t i = 0; i < remaining; ++i) {
      std::string_view arg = ctx.arg(baseArgs + i);
      if (equalsNoCase(arg, "withdist")) {
        withdist = true;
      } else if (equalsNoCase(arg, "withhash")) {
        withhash = true;
      } else if (equalsNoCase(arg, "withcoord")) {
        withcoords = true;
      } else if (equalsNoCase(arg, "any")) {
        any = true;
      } else if (equalsNoCase(arg, "asc")) {
        sort = kAsc;
      } else if (equalsNoCase(arg, "desc")) {
        sort = kDesc;
      } else if (equalsNoCase(arg, "count") && i + 1 < remaining) {
        if (!intArgOrReply(ctx, ctx.arg(baseArgs + i + 1), count)) return;
        if (count <= 0) {
          ctx.w.error("ERR COUNT must be > 0");
          return;
        }
        ++i;
      } else if (equalsNoCase(arg, "store") && i + 1 < remaining && !(flags & kNoStore) &&
                 !(flags & kSearch)) {
        storekey = ctx.arg(baseArgs + i + 1);
        hasStore = true;
        storedist = false;
        ++i;
      } else if (equalsNoCase(arg, "storedist") && i + 1 < remaining && !(flags & kNoStore) &&
                 !(flags & kSearch)) {
        storekey = ctx.arg(baseArgs + i + 1);
        hasStore = true;
        storedist = true;
        ++i;
      } else if (equalsNoCase(arg, "storedist") && (flags & kSearch) && (flags & kSearchStore)) {
        storedist = true;
      } else if (equalsNoCase(arg, "frommember") && i + 1 < remaining && (flags & kSearch) &&
                 !fromloc) {
        if (z == nullptr) {
          frommember = true;
          ++i;
          continue;
        }
        if (!memberLonLat(z, ctx.arg(baseArgs + i + 1), shape.xy)) {
          ctx.w.error("ERR could not decode requested zset member");
          return;
        }
        frommember = true;
        ++i;
      } else if (equalsNoCase(arg, "fromlonlat") && i + 2 < remaining && (flags & kSearch) &&
                 !frommember) {
        if (!lonLatOrReply(ctx, baseArgs + i + 1, shape.xy)) return;
        fromloc = true;
        i += 2;
      } else if (equalsNoCase(arg, "byradius") && i + 2 < remaining && (flags & kSearch) &&
                 !bybox) {
        if (!distanceOrReply(ctx, baseArgs + i + 1, shape)) return;
        shape.circle = true;
        byradius = true;
        i += 2;
      } else if (equalsNoCase(arg, "bybox") && i + 3 < remaining && (flags & kSearch) &&
                 !byradius) {
        if (!boxOrReply(ctx, baseArgs + i + 1, shape)) return;
        shape.circle = false;
        bybox = true;
        i += 3;
      } else {
        ctx.w.error(errors::kSyntax);
        return;
      }
    }
  }

  if (hasStore && (withdist || withhash || withcoords)) {
    ctx.w.error(std::string("ERR ") +
                ((flags & kSearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS") +
                " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
    return;
  }
  if ((flags & kSearch) && !(frommember || fromloc)) {
    ctx.w.error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
                std::string(ctx.arg(0)));
    return;
  }
  if ((flags & kSearch) && !(byradius || bybox)) {
    ctx.w.error("ERR exactly one of BYRADIUS and BYBOX can be specified for " +
                std::string(ctx.arg(0)));
    return;
  }
  if (any && !count) {
    ctx.w.error("ERR the ANY argument requires COUNT argument");
    return;
  }
  if (z == nullptr) {
    if (hasStore) {
      if (ctx.ks.erase(storekey)) ctx.server.notifyKeyspaceEvent(notify::kGeneric, "del", storekey);
      ctx.w.integer(0);
    } else {
      ctx.w.arrayHeader(0);
    }
    return;
  }
  if (count != 0 && sort == kNone && !any) sort = kAsc;

  geo::Cover cover = geo::coverShape(shape);
  std::vector<Point> points;
  const auto limit = static_cast<size_t>(any ? count : 0);
  int lastProcessed = 0;
  for (int i = 0; i < 9; ++i) {
    const geo::Bits& cell = cover.cells[i];
    if (cell.zero()) continue;
    if (lastProcessed && cell.bits == cover.cells[lastProcessed].bits &&
        cell.step == cover.cells[lastProcessed].step) {
      continue;
    }
    if (!points.empty() && limit && points.size() >= limit) break;
    uint64_t min = 0, max = 0;
    geo::cellScores(cell, min, max);
    ScoreRange r{static_cast<double>(min), static_cast<double>(max), false, true};
    size_t lo = z->scoreLowerBound(r), hi = z->scoreUpperBound(r);
    if (lo < hi) {
      bool stop = false;
      z->walk(lo, hi - lo, false, [&](std::string_view member, double score) {
        if (stop) return;
        double xy[2], dist = 0;
        if (geo::decodeScore(score, xy) && geo::withinShape(shape, xy[0], xy[1], dist)) {
          points.push_back({xy[0], xy[1], dist, score, member});
        }
        if (limit && points.size() >= limit) stop = true;
      });
    }
    lastProcessed = i;
  }

  if (points.empty() && !hasStore) {
    ctx.w.arrayHeader(0);
    return;
  }
  size_t returned = (count == 0 || static_cast<int64_t>(points.size()) < count)
                        ? points.size()
                        : static_cast<size_t>(count);
  if (sort == kAsc) {
    std::stable_sort(points.begin(), points.end(),
                     [](const Point& a, const Point& b) { return a.dist < b.dist; });
  } else if (sort == kDesc) {
    std::stable_sort(points.begin(), points.end(),
                     [](const Point& a, const Point& b) { return a.dist > b.dist; });
  }

  if (!hasStore) {
    size_t options = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
    ctx.w.arrayHeader(returned);
    for (size_t i = 0; i < returned; ++i) {
      const Point& p = points[i];
      if (options) ctx.w.arrayHeader(options + 1);
      ctx.w.bulk(p.member);
      if (withdist) replyDistance(ctx.w, p.dist / shape.conversion);
      if (withhash) ctx.w.integer(static_cast<int64_t>(p.score));
      if (withcoords) {
        ctx.w.arrayHeader(2);
        replyCoord(ctx.w, p.lon);
        replyCoord(ctx.w, p.lat);
      }
    }
    return;
  }
  std::vector<std::pair<std::string, double>> sorted;
  sorted.reserve(returned);
  for (size_t i = 0; i < returned; ++i) {
    const Point& p = points[i];
    sorted.emplace_back(std::string(p.member), storedist ? p.dist / shape.conversion : p.score);
  }
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return zsetLess(a.second, a.first, b.second, b.first);
  });
  // Members are distinct (one zset), so the sorted list is a valid set.
  const bool search = ctx.def.name == std::string_view("geosearchstore");
  storeSortedResult(ctx, storekey, search ? "geosearchstore" : "georadiusstore", sorted);
}

}  // namespace

namespace cmd {

void geoadd(CommandContext& ctx) {
  bool xx = false, nx = false;
  size_t longidx = 2;
  while (longidx < ctx.argc()) {
    std::string_view opt = ctx.arg(longidx);
    if (equalsNoCase(opt, "nx")) {
      nx = true;
    } else if (equalsNoCase(opt, "xx")) {
      xx = true;
    } else if (!equalsNoCase(opt, "ch")) {
      break;
    }
    ++longidx;
  }
  if ((ctx.argc() - longidx) % 3 || (xx && nx)) {
    ctx.w.error(errors::kSyntax);
    return;
  }
  size_t elements = (ctx.argc() - longidx) / 3;
  std::vector<std::string> scores(elements);
  for (size_t i = 0; i < elements; ++i) {
    double xy[2];
    if (!lonLatOrReply(ctx, longidx + i * 3, xy)) return;
    scores[i] = std::to_string(geo::scoreOf(xy[0], xy[1]));
  }
  std::vector<std::string_view> argv;
  argv.reserve(longidx + elements * 2);
  argv.push_back("zadd");
  for (size_t i = 1; i < longidx; ++i) argv.push_back(ctx.arg(i));
  for (size_t i = 0; i < elements; ++i) {
    argv.push_back(scores[i]);
    argv.push_back(ctx.arg(longidx + i * 3 + 2));
  }
  const CommandDef* zaddDef = ctx.server.commands().find("zadd");
  CommandContext sub{ctx.server, ctx.client, ctx.ks, argv, ctx.w, zaddDef ? *zaddDef : ctx.def};
  zadd(sub);
}

void geodist(CommandContext& ctx) {
  double toMeter = 1;
  if (ctx.argc() == 5) {
    toMeter = unitOrReply(ctx, ctx.arg(4));
    if (toMeter < 0) return;
  } else if (ctx.argc() > 5) {
    ctx.w.error(errors::kSyntax);
    return;
  }
  bool wrong = false;
  const ZSetObject* z = readZSet(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  if (z == nullptr) {
    ctx.w.null();
    return;
  }
  double s1 = 0, s2 = 0, a[2], b[2];
  if (!z->score(ctx.arg(2), s1) || !z->score(ctx.arg(3), s2)) {
    ctx.w.null();
    return;
  }
  if (!geo::decodeScore(s1, a) || !geo::decodeScore(s2, b)) {
    ctx.w.null();
    return;
  }
  replyDistance(ctx.w, geo::distance(a[0], a[1], b[0], b[1]) / toMeter);
}

void geohash(CommandContext& ctx) {
  bool wrong = false;
  const ZSetObject* z = readZSet(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  ctx.w.arrayHeader(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    double score = 0;
    if (z == nullptr || !z->score(ctx.arg(j), score)) {
      ctx.w.null();
      continue;
    }
    std::string h = geo::hashString(score);
    if (h.empty()) {
      ctx.w.null();
    } else {
      ctx.w.bulk(h);
    }
  }
}

void geopos(CommandContext& ctx) {
  bool wrong = false;
  const ZSetObject* z = readZSet(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  ctx.w.arrayHeader(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    double score = 0, xy[2];
    if (z == nullptr || !z->score(ctx.arg(j), score) || !geo::decodeScore(score, xy)) {
      ctx.w.nullArray();
      continue;
    }
    ctx.w.arrayHeader(2);
    replyCoord(ctx.w, xy[0]);
    replyCoord(ctx.w, xy[1]);
  }
}

void geosearch(CommandContext& ctx) {
  radiusGeneric(ctx, 1, kSearch);
}
void geosearchstore(CommandContext& ctx) {
  radiusGeneric(ctx, 2, kSearch | kSearchStore);
}
void georadius(CommandContext& ctx) {
  radiusGeneric(ctx, 1, kCoords);
}
void georadius_ro(CommandContext& ctx) {
  radiusGeneric(ctx, 1, kCoords | kNoStore);
}
void georadiusbymember(CommandContext& ctx) {
  radiusGeneric(ctx, 1, kMember);
}
void georadiusbymember_ro(CommandContext& ctx) {
  radiusGeneric(ctx, 1, kMember | kNoStore);
}

}  // namespace cmd

}  // namespace strata::node
