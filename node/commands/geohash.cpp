// Geohash arithmetic of Redis 7.0's geo commands: see geohash.h.
#include "node/commands/geohash.h"

#include <cmath>

namespace strata::node::geo {

namespace {

constexpr double kEarthRadius = 6372797.560856;
constexpr double kMercatorMax = 20037726.37;
constexpr double kDegToRad = M_PI / 180.0;

inline double degRad(double a) {
  return a * kDegToRad;
}
inline double radDeg(double a) {
  return a / kDegToRad;
}

// Bit i of x to bit 2i, bit i of y to bit 2i+1.
uint64_t interleave(uint32_t x, uint32_t y) {
  uint64_t out = 0;
  for (int i = 0; i < 32; ++i) {
    out |= static_cast<uint64_t>((x >> i) & 1) << (2 * i);
    out |= static_cast<uint64_t>((y >> i) & 1) << (2 * i + 1);
  }
  return out;
}

// Even bits to the low 32 bits, odd bits to the high 32 bits.
uint64_t deinterleave(uint64_t v) {
  uint64_t x = 0, y = 0;
  for (int i = 0; i < 32; ++i) {
    x |= ((v >> (2 * i)) & 1) << i;
    y |= ((v >> (2 * i + 1)) & 1) << i;
  }
  return x | (y << 32);
}

const Range kLonRange{kLonMin, kLonMax};
const Range kLatRange{kLatMin, kLatMax};

void moveX(Bits& h, int d) {
  if (d == 0) return;
  uint64_t x = h.bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = h.bits & 0x5555555555555555ULL;
  uint64_t zz = 0x5555555555555555ULL >> (64 - h.step * 2);
  if (d > 0) {
    x = x + (zz + 1);
  } else {
    x = x | zz;
    x = x - (zz + 1);
  }
  x &= (0xaaaaaaaaaaaaaaaaULL >> (64 - h.step * 2));
  h.bits = x | y;
}

void moveY(Bits& h, int d) {
  if (d == 0) return;
  uint64_t x = h.bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = h.bits & 0x5555555555555555ULL;
  uint64_t zz = 0xaaaaaaaaaaaaaaaaULL >> (64 - h.step * 2);
  if (d > 0) {
    y = y + (zz + 1);
  } else {
    y = y | zz;
    y = y - (zz + 1);
  }
  y &= (0x5555555555555555ULL >> (64 - h.step * 2));
  h.bits = x | y;
}

Bits moved(const Bits& h, int dx, int dy) {
  Bits b = h;
  moveX(b, dx);
  moveY(b, dy);
  return b;
}

int estimateSteps(double rangeMeters, double lat) {
  if (rangeMeters == 0) return 26;
  int step = 1;
  while (rangeMeters < kMercatorMax) {
    rangeMeters *= 2;
    ++step;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    --step;
    if (lat > 80 || lat < -80) --step;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

uint64_t align52(const Bits& h) {
  return h.bits << (52 - h.step * 2);
}

}  // namespace

bool encode(const Range& lon, const Range& lat, double longitude, double latitude, int step,
            Bits& out) {
  if (step > 32 || step == 0 || (lat.min == 0 && lat.max == 0) || (lon.min == 0 && lon.max == 0)) {
    return false;
  }
  if (longitude > kLonMax || longitude < kLonMin || latitude > kLatMax || latitude < kLatMin) {
    return false;
  }
  out.bits = 0;
  out.step = static_cast<uint8_t>(step);
  if (latitude < lat.min || latitude > lat.max || longitude < lon.min || longitude > lon.max) {
    return false;
  }
  double latOffset = (latitude - lat.min) / (lat.max - lat.min);
  double lonOffset = (longitude - lon.min) / (lon.max - lon.min);
  latOffset *= static_cast<double>(1ULL << step);
  lonOffset *= static_cast<double>(1ULL << step);
  out.bits = interleave(static_cast<uint32_t>(latOffset), static_cast<uint32_t>(lonOffset));
  return true;
}

bool encodeWgs84(double longitude, double latitude, int step, Bits& out) {
  return encode(kLonRange, kLatRange, longitude, latitude, step, out);
}

bool decode(const Range& lon, const Range& lat, const Bits& hash, Area& out) {
  if (hash.zero() || (lat.min == 0 && lat.max == 0) || (lon.min == 0 && lon.max == 0)) {
    return false;
  }
  out.hash = hash;
  uint64_t sep = deinterleave(hash.bits);
  double latScale = lat.max - lat.min;
  double lonScale = lon.max - lon.min;
  auto ilato = static_cast<uint32_t>(sep);
  auto ilono = static_cast<uint32_t>(sep >> 32);
  double div = static_cast<double>(1ULL << hash.step);
  out.latitude.min = lat.min + (ilato * 1.0 / div) * latScale;
  out.latitude.max = lat.min + ((ilato + 1) * 1.0 / div) * latScale;
  out.longitude.min = lon.min + (ilono * 1.0 / div) * lonScale;
  out.longitude.max = lon.min + ((ilono + 1) * 1.0 / div) * lonScale;
  return true;
}

bool decodeScore(double score, double xy[2]) {
  Bits h{static_cast<uint64_t>(score), kStepMax};
  Area a;
  if (!decode(kLonRange, kLatRange, h, a)) return false;
  xy[0] = (a.longitude.min + a.longitude.max) / 2;
  if (xy[0] > kLonMax) xy[0] = kLonMax;
  if (xy[0] < kLonMin) xy[0] = kLonMin;
  xy[1] = (a.latitude.min + a.latitude.max) / 2;
  if (xy[1] > kLatMax) xy[1] = kLatMax;
  if (xy[1] < kLatMin) xy[1] = kLatMin;
  return true;
}

uint64_t scoreOf(double longitude, double latitude) {
  Bits h;
  encodeWgs84(longitude, latitude, kStepMax, h);
  return align52(h);
}

double latDistance(double lat1, double lat2) {
  return kEarthRadius * std::fabs(degRad(lat2) - degRad(lat1));
}

double distance(double lon1d, double lat1d, double lon2d, double lat2d) {
  double lon1r = degRad(lon1d);
  double lon2r = degRad(lon2d);
  double v = std::sin((lon2r - lon1r) / 2);
  if (v == 0.0) return latDistance(lat1d, lat2d);
  double lat1r = degRad(lat1d);
  double lat2r = degRad(lat2d);
  double u = std::sin((lat2r - lat1r) / 2);
  double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadius * std::asin(std::sqrt(a));
}

std::string hashString(double score) {
  static const char* alphabet = "0123456789bcdefghjkmnpqrstuvwxyz";
  double xy[2];
  if (!decodeScore(score, xy)) return {};
  Bits h;
  encode(Range{-180, 180}, Range{-90, 90}, xy[0], xy[1], 26, h);
  std::string out(11, '0');
  for (int i = 0; i < 11; ++i) {
    uint64_t idx = i == 10 ? 0 : (h.bits >> (52 - ((i + 1) * 5))) & 0x1f;
    out[static_cast<size_t>(i)] = alphabet[idx];
  }
  return out;
}

Cover coverShape(const Shape& s) {
  double longitude = s.xy[0], latitude = s.xy[1];
  double height = s.conversion * (s.circle ? s.radius : s.height / 2);
  double width = s.conversion * (s.circle ? s.radius : s.width / 2);
  const double latDelta = radDeg(height / kEarthRadius);
  const double lonDeltaTop = radDeg(width / kEarthRadius / std::cos(degRad(latitude + latDelta)));
  const double lonDeltaBottom =
      radDeg(width / kEarthRadius / std::cos(degRad(latitude - latDelta)));
  bool south = latitude < 0;
  double minLon = south ? longitude - lonDeltaBottom : longitude - lonDeltaTop;
  double maxLon = south ? longitude + lonDeltaBottom : longitude + lonDeltaTop;
  double minLat = latitude - latDelta;
  double maxLat = latitude + latDelta;

  double radiusMeters =
      s.circle ? s.radius
               : std::sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
  radiusMeters *= s.conversion;
  int steps = estimateSteps(radiusMeters, latitude);

  Bits hash;
  Area area;
  struct Neighbors {
    Bits north, south, east, west, ne, nw, se, sw;
  } n;
  auto compute = [&] {
    encode(kLonRange, kLatRange, longitude, latitude, steps, hash);
    n.east = moved(hash, 1, 0);
    n.west = moved(hash, -1, 0);
    n.south = moved(hash, 0, -1);
    n.north = moved(hash, 0, 1);
    n.nw = moved(hash, -1, 1);
    n.sw = moved(hash, -1, -1);
    n.ne = moved(hash, 1, 1);
    n.se = moved(hash, 1, -1);
    decode(kLonRange, kLatRange, hash, area);
  };
  compute();
  bool decrease = false;
  {
    Area north, southA, east, west;
    decode(kLonRange, kLatRange, n.north, north);
    decode(kLonRange, kLatRange, n.south, southA);
    decode(kLonRange, kLatRange, n.east, east);
    decode(kLonRange, kLatRange, n.west, west);
    if (north.latitude.max < maxLat) decrease = true;
    if (southA.latitude.min > minLat) decrease = true;
    if (east.longitude.max < maxLon) decrease = true;
    if (west.longitude.min > minLon) decrease = true;
  }
  if (steps > 1 && decrease) {
    --steps;
    compute();
  }
  if (steps >= 2) {
    if (area.latitude.min < minLat) n.south = n.sw = n.se = Bits{};
    if (area.latitude.max > maxLat) n.north = n.ne = n.nw = Bits{};
    if (area.longitude.min < minLon) n.west = n.sw = n.nw = Bits{};
    if (area.longitude.max > maxLon) n.east = n.se = n.ne = Bits{};
  }
  Cover c;
  c.cells[0] = hash;
  c.cells[1] = n.north;
  c.cells[2] = n.south;
  c.cells[3] = n.east;
  c.cells[4] = n.west;
  c.cells[5] = n.ne;
  c.cells[6] = n.nw;
  c.cells[7] = n.se;
  c.cells[8] = n.sw;
  return c;
}

bool withinShape(const Shape& s, double lon, double lat, double& dist) {
  if (s.circle) {
    dist = distance(s.xy[0], s.xy[1], lon, lat);
    return dist <= s.radius * s.conversion;
  }
  double widthM = s.width * s.conversion, heightM = s.height * s.conversion;
  if (latDistance(lat, s.xy[1]) > heightM / 2) return false;
  if (distance(lon, lat, s.xy[0], lat) > widthM / 2) return false;
  dist = distance(s.xy[0], s.xy[1], lon, lat);
  return true;
}

void cellScores(const Bits& cell, uint64_t& min, uint64_t& max) {
  min = align52(cell);
  Bits next = cell;
  ++next.bits;
  max = align52(next);
}

}  // namespace strata::node::geo
