// Geohash arithmetic of Redis 7.0's geo commands: coordinates to the 52-bit interleaved hash
// stored as a sorted set score (26 steps each of longitude in [-180, 180] and latitude in the
// Web Mercator limits [-85.05112878, 85.05112878], latitude bits in the even positions), the
// decoded centre of a hash cell, the haversine distance on Redis's earth radius, the standard
// 11-character base32 geohash, and the cover of a search shape by a centre cell plus its eight
// neighbours at a step estimated from the radius (the same cells, in the same order, as Redis,
// so unsorted results come out in the same order). Pure functions; geo.cpp has the commands.
#pragma once

#include <cstdint>
#include <string>

namespace strata::node::geo {

inline constexpr int kStepMax = 26;
inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
inline constexpr double kLonMin = -180;
inline constexpr double kLonMax = 180;

struct Range {
  double min, max;
};
struct Bits {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool zero() const { return bits == 0 && step == 0; }
};
struct Area {
  Bits hash;
  Range longitude, latitude;
};

// geohashEncode: false outside the ranges or the Mercator limits.
bool encode(const Range& lon, const Range& lat, double longitude, double latitude, int step,
            Bits& out);
bool encodeWgs84(double longitude, double latitude, int step, Bits& out);
bool decode(const Range& lon, const Range& lat, const Bits& hash, Area& out);
// The centre of the cell of a stored score (lon, lat), clamped to the limits.
bool decodeScore(double score, double xy[2]);
// The 52-bit score of coordinates.
uint64_t scoreOf(double longitude, double latitude);
// Haversine distance in metres, and the latitude-only distance.
double distance(double lon1, double lat1, double lon2, double lat2);
double latDistance(double lat1, double lat2);
// The 11-character geohash string of a stored score (re-encoded on [-90, 90] latitudes).
std::string hashString(double score);

// A search shape: a circle (radius) or a box (width x height), in the unit `conversion`
// (metres per unit) around xy = (lon, lat).
struct Shape {
  bool circle = true;
  double xy[2] = {0, 0};
  double conversion = 1;
  double radius = 0;
  double width = 0, height = 0;
};

// The cells to scan: [0] the centre, then N, S, E, W, NE, NW, SE, SW (zero() when excluded).
struct Cover {
  Bits cells[9];
};
Cover coverShape(const Shape& shape);
// geoAppendIfWithinShape's test; `dist` in metres from the centre.
bool withinShape(const Shape& shape, double lon, double lat, double& dist);
// The score interval [min, max) of a cell.
void cellScores(const Bits& cell, uint64_t& min, uint64_t& max);

}  // namespace strata::node::geo
