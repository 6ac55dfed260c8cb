// INFO errorstats: the prefix table behind errorstat_<PREFIX>:count=<n> (see error_stats.h).
#include "node/server/error_stats.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace strata::node {

std::string_view errorPrefix(std::string_view reply) {
  constexpr std::string_view kErr = "ERR";
  if (reply.empty() || reply[0] != '-') return kErr;
  const size_t end = std::min(reply.find_first_of("\r\n"), std::min<size_t>(reply.size(), 32));
  const size_t space = reply.substr(0, end).find(' ');
  if (space == std::string_view::npos) return kErr;
  return reply.substr(1, space - 1);
}

void ErrorStats::record(std::string_view reply) {
  if (disabled_) return;
  const std::string_view prefix = errorPrefix(reply);
  auto it = counts_.find(prefix);
  if (it != counts_.end()) {
    ++it->second;
    return;
  }
  if (counts_.size() >= kMaxPrefixes) {
    std::string known;
    for (const auto& [name, n] : counts_) known.append(name).append(" ");
    spdlog::warn(
        "Errorstats stopped adding new errors because the number of different errors reached {}; "
        "the new error was '{}'. Current errors code list: {}",
        kMaxPrefixes, prefix, known);
    counts_.clear();
    counts_.emplace("ERRORSTATS_DISABLED", 1);
    disabled_ = true;
    return;
  }
  counts_.emplace(std::string(prefix), 1);
}

uint64_t ErrorStats::count(std::string_view prefix) const {
  auto it = counts_.find(prefix);
  return it == counts_.end() ? 0 : it->second;
}

std::string ErrorStats::info() const {
  std::string out;
  for (const auto& [name, n] : counts_) {
    out += "errorstat_";
    // INFO's getSafeInfoString: characters that would break the line format become '_'.
    for (char c : name) out += (c == '#' || c == ':' || c == '\r' || c == '\n') ? '_' : c;
    out.append(":count=").append(std::to_string(n)).append("\r\n");
  }
  return out;
}

}  // namespace strata::node
