// nodes.conf text -> its contents, as a pure function (no Cluster, no file, no clock): the node
// lines (id, ip:port@cport[,hostname], flags, master id or -, ping-sent, pong-recv, configEpoch,
// link state, slots and ranges, [slot->-id] / [slot-<-id] migration markers) and the
// `vars currentEpoch N lastVoteEpoch N` line. Every malformed input gives false and the line to
// cite in Redis's "corrupted cluster config file" error; never a crash (tests/fuzz/
// nodes_conf_fuzz.cpp). Cluster::loadConfig (cluster_config.cpp) applies the result to the state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::node {

struct NodesConfNode {
  std::string name;  // 40 chars of [0-9a-z]
  std::string ip;
  int port = 0;        // 0..65535
  int cport = 0;       // 0..65535
  uint16_t flags = 0;  // kFlag* of cluster.h
  std::string master;  // empty: "-" (a valid id other than `name` otherwise)
  bool pingSent = false;
  bool pongReceived = false;
  uint64_t configEpoch = 0;
  std::vector<std::pair<int, int>> slots;  // inclusive ranges within [0, 16383]
};

struct NodesConfMarker {
  int slot = 0;
  bool migrating = false;  // [slot->-id]; else importing [slot-<-id]
  std::string other;       // the id in the marker
  std::string token;       // as written (for the error message)
};

struct NodesConf {
  std::vector<NodesConfNode> nodes;  // in file order (an id may repeat: lines merge)
  std::vector<NodesConfMarker> markers;
  uint64_t currentEpoch = 0;
  uint64_t lastVoteEpoch = 0;
  bool empty = true;  // no non-blank line at all: a new node
};

// Parses nodes.conf `text`. False on a malformed line, with `badLine` set to it (or to a
// description such as "(no myself line)").
bool parseNodesConf(std::string_view text, NodesConf& out, std::string& badLine);

}  // namespace strata::node
