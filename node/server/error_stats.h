// INFO errorstats as redis-server 7.0: how many error replies went out per error prefix (the
// first word after the '-': ERR, WRONGTYPE, NOAUTH, MOVED ...). Server::countErrorReply feeds it
// with each error reply counted in total_error_replies, so the success path never touches it.
// Bounded as Redis 7.2 bounds it (7.0 is not): at most 128 prefixes; one more empties the table
// into a single ERRORSTATS_DISABLED line and stops counting by prefix until CONFIG RESETSTAT.
// Event-loop thread only; part of Stats, so CONFIG RESETSTAT's Stats{} clears it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace strata::node {

class ErrorStats {
 public:
  static constexpr size_t kMaxPrefixes = 128;  // Redis's ERROR_STATS_NUMBER

  // One error reply as written to the client ("-WRONGTYPE Operation ...\r\n").
  void record(std::string_view reply);
  // The body of INFO errorstats: errorstat_<PREFIX>:count=<n> lines in byte order of the prefix.
  std::string info() const;
  uint64_t count(std::string_view prefix) const;

 private:
  std::map<std::string, uint64_t, std::less<>> counts_;
  bool disabled_ = false;
};

// The error prefix Redis's afterErrorReply takes from a reply: the bytes after '-' up to a space
// within the reply's first 32 bytes, "ERR" when there is none.
std::string_view errorPrefix(std::string_view reply);

}  // namespace strata::node
