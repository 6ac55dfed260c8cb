// nodes_conf.h: the nodes.conf parser (Redis 7.0's clusterLoadConfig, minus the state changes).
#include "node/cluster/nodes_conf.h"

#include <cerrno>
#include <cstdlib>

#include "node/cluster/cluster.h"

namespace strata::node {

namespace {

std::vector<std::string> splitSpaces(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\v' ||
                               line[i] == '\f' || line[i] == '\r')) {
      ++i;
    }
    size_t start = i;
    while (i < line.size() && !(line[i] == ' ' || line[i] == '\t' || line[i] == '\v' ||
                                line[i] == '\f' || line[i] == '\r')) {
      ++i;
    }
    if (i > start) out.emplace_back(line.substr(start, i - start));
  }
  return out;
}

bool parseInt(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  out = v;
  return true;
}

bool validName(std::string_view s) {
  if (s.size() != kNodeIdLen) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

bool parsePort(const std::string& s, int& out) {
  int64_t v = 0;
  if (!parseInt(s, v) || v < 0 || v > 65535) return false;
  out = static_cast<int>(v);
  return true;
}

bool parseFlag(std::string_view f, uint16_t& flags) {
  static constexpr std::pair<std::string_view, uint16_t> kNames[] = {
      {"myself", kFlagMyself}, {"master", kFlagMaster},
      {"slave", kFlagReplica}, {"fail?", kFlagPfail},
      {"fail", kFlagFail},     {"handshake", kFlagHandshake},
      {"noaddr", kFlagNoAddr}, {"nofailover", kFlagNoFailover},
      {"noflags", 0}};
  for (const auto& [name, bit] : kNames) {
    if (f == name) {
      flags |= bit;
      return true;
    }
  }
  return false;
}

// One node line (argv of at least 8 tokens); false if malformed.
bool parseNode(const std::vector<std::string>& argv, NodesConf& out) {
  if (argv.size() < 8 || !validName(argv[0])) return false;
  NodesConfNode n;
  n.name = argv[0];
  // ip:port@cport[,hostname]
  std::string addr = argv[1];
  if (auto comma = addr.find(','); comma != std::string::npos) addr.resize(comma);
  const auto at = addr.find('@');
  if (at == std::string::npos) return false;
  const auto colon = addr.rfind(':', at);
  if (colon == std::string::npos) return false;
  if (!parsePort(addr.substr(colon + 1, at - colon - 1), n.port) ||
      !parsePort(addr.substr(at + 1), n.cport)) {
    return false;
  }
  n.ip = addr.substr(0, colon);
  size_t from = 0;
  const std::string& flags = argv[2];
  while (from < flags.size()) {  // "a,b" or "a,b," (a trailing comma ends the list)
    size_t comma = flags.find(',', from);
    if (comma == std::string::npos) comma = flags.size();
    if (!parseFlag(std::string_view(flags).substr(from, comma - from), n.flags)) return false;
    from = comma + 1;
  }
  if (argv[3] != "-") {
    if (!validName(argv[3]) || argv[3] == n.name) return false;  // a node is not its own replica
    n.master = argv[3];
  }
  int64_t v = 0;
  if (!parseInt(argv[4], v)) return false;
  n.pingSent = v != 0;
  if (!parseInt(argv[5], v)) return false;
  n.pongReceived = v != 0;
  if (!parseInt(argv[6], v)) return false;
  n.configEpoch = static_cast<uint64_t>(v);
  for (size_t i = 8; i < argv.size(); ++i) {
    const std::string& tok = argv[i];
    if (tok.front() == '[') {
      // [slot->-id] migrating to id, [slot-<-id] importing from id.
      NodesConfMarker m;
      m.token = tok;
      auto arrow = tok.find("->-");
      m.migrating = arrow != std::string::npos;
      if (!m.migrating) arrow = tok.find("-<-");
      if (arrow == std::string::npos || tok.back() != ']' || tok.size() < arrow + 4) return false;
      int64_t slot = 0;
      if (!parseInt(tok.substr(1, arrow - 1), slot) || slot < 0 || slot >= kClusterSlots) {
        return false;
      }
      m.slot = static_cast<int>(slot);
      m.other = tok.substr(arrow + 3, tok.size() - arrow - 4);
      out.markers.push_back(std::move(m));
      continue;
    }
    int64_t start = 0, end = 0;
    auto dash = tok.find('-');
    if (dash == std::string::npos) {
      if (!parseInt(tok, start)) return false;
      end = start;
    } else if (!parseInt(tok.substr(0, dash), start) || !parseInt(tok.substr(dash + 1), end)) {
      return false;
    }
    if (start < 0 || end >= kClusterSlots || start > end) return false;
    n.slots.emplace_back(static_cast<int>(start), static_cast<int>(end));
  }
  out.nodes.push_back(std::move(n));
  return true;
}

}  // namespace

bool parseNodesConf(std::string_view text, NodesConf& out, std::string& badLine) {
  out = NodesConf{};
  std::string myself;
  size_t from = 0;
  while (from < text.size()) {
    size_t nl = text.find('\n', from);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(from, nl - from);
    from = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    out.empty = false;
    auto argv = splitSpaces(line);
    if (argv.empty()) continue;
    auto corrupt = [&] {
      badLine = std::string(line);
      return false;
    };
    if (argv[0] == "vars") {
      for (size_t i = 1; i + 1 < argv.size(); i += 2) {
        int64_t v = 0;
        if (!parseInt(argv[i + 1], v)) return corrupt();
        if (argv[i] == "currentEpoch") out.currentEpoch = static_cast<uint64_t>(v);
        if (argv[i] == "lastVoteEpoch") out.lastVoteEpoch = static_cast<uint64_t>(v);
      }
      continue;
    }
    if (!parseNode(argv, out)) return corrupt();
    const NodesConfNode& n = out.nodes.back();
    if (n.flags & kFlagMyself) {
      if (!myself.empty() && myself != n.name) return corrupt();  // two myself lines
      myself = n.name;
    }
  }
  if (!out.empty && myself.empty()) {
    badLine = "(no myself line)";
    return false;
  }
  return true;
}

}  // namespace strata::node
