// ErrorStats (node/server/error_stats.h): the prefix Redis's afterErrorReply takes from an error
// reply, INFO errorstats' lines (byte order, unsafe characters as '_'), and the 128-prefix bound
// with ERRORSTATS_DISABLED until a reset (Stats{}).
#include "node/server/error_stats.h"

#include <doctest/doctest.h>

#include <string>

namespace strata::node {

TEST_CASE("errorPrefix: the word after '-' ended by a space within the first 32 bytes") {
  CHECK(errorPrefix("-WRONGTYPE Operation against a key\r\n") == "WRONGTYPE");
  CHECK(errorPrefix("-ERR syntax error\r\n") == "ERR");
  CHECK(errorPrefix("-MOVED 3999 127.0.0.1:6381\r\n") == "MOVED");
  CHECK(errorPrefix("-NOSPACE\r\n") == "ERR");
  CHECK(errorPrefix("-\r\n") == "ERR");
  CHECK(errorPrefix("- x\r\n") == "");  // Redis counts an empty prefix too
  CHECK(errorPrefix("-" + std::string(30, 'Y') + " y\r\n") == std::string(30, 'Y'));
  CHECK(errorPrefix("-" + std::string(31, 'Z') + " y\r\n") == "ERR");
  CHECK(errorPrefix("-AB\r\nC D") == "ERR");  // the window stops at the line's end
  CHECK(errorPrefix("+OK\r\n") == "ERR");
}

TEST_CASE("ErrorStats: counts per prefix, INFO lines in byte order with safe names") {
  ErrorStats s;
  CHECK(s.info().empty());
  s.record("-WRONGTYPE Operation\r\n");
  s.record("-ERR unknown command\r\n");
  s.record("-ERR syntax error\r\n");
  s.record("-A:B c\r\n");
  s.record("-ERRX y\r\n");
  CHECK(s.count("ERR") == 2);
  CHECK(s.info() ==
        "errorstat_A_B:count=1\r\nerrorstat_ERR:count=2\r\nerrorstat_ERRX:count=1\r\n"
        "errorstat_WRONGTYPE:count=1\r\n");
}

TEST_CASE("ErrorStats: at most 128 prefixes, then ERRORSTATS_DISABLED until reset") {
  ErrorStats s;
  for (size_t i = 0; i < ErrorStats::kMaxPrefixes; ++i) {
    s.record("-P" + std::to_string(i) + " x\r\n");
  }
  s.record("-P0 again\r\n");  // a known prefix still counts
  CHECK(s.count("P0") == 2);
  s.record("-NEW x\r\n");  // the 129th
  CHECK(s.info() == "errorstat_ERRORSTATS_DISABLED:count=1\r\n");
  s.record("-P0 x\r\n");
  s.record("-OTHER x\r\n");
  CHECK(s.info() == "errorstat_ERRORSTATS_DISABLED:count=1\r\n");
  s = ErrorStats{};  // CONFIG RESETSTAT
  s.record("-ERR x\r\n");
  CHECK(s.info() == "errorstat_ERR:count=1\r\n");
}

}  // namespace strata::node
