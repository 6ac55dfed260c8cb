// libFuzzer target for nodes.conf loading (node/cluster/nodes_conf.h: parseNodesConf, the parser
// behind Cluster::loadConfig): any file text must give a clear error or a valid state, never a
// crash. Invariants of an accepted file: exactly one node id carries "myself" (unless the file is
// blank), every id and master id is 40 chars of [0-9a-z], no node is its own master, ports fit in
// 16 bits, slot ranges and markers lie within 0..16383; a refused one names the line at fault.
// Seeds: tests/fuzz/corpus/nodes_conf/ (files of running clusters of our node).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "node/cluster/cluster.h"
#include "node/cluster/nodes_conf.h"

namespace node = strata::node;

namespace {

bool validId(const std::string& s) {
  if (s.size() != node::kNodeIdLen) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  node::NodesConf conf;
  std::string bad;
  if (!node::parseNodesConf(text, conf, bad)) {
    if (bad.empty()) std::abort();  // the error must say what is wrong
    return 0;
  }
  if (conf.empty != conf.nodes.empty() && conf.empty) std::abort();
  std::string myself;
  for (const node::NodesConfNode& n : conf.nodes) {
    if (!validId(n.name)) std::abort();
    if (!n.master.empty() && (!validId(n.master) || n.master == n.name)) std::abort();
    if (n.port < 0 || n.port > 65535 || n.cport < 0 || n.cport > 65535) std::abort();
    for (const auto& [start, end] : n.slots) {
      if (start < 0 || end >= node::kClusterSlots || start > end) std::abort();
    }
    if (n.flags & node::kFlagMyself) {
      if (!myself.empty() && myself != n.name) std::abort();
      myself = n.name;
    }
  }
  if (!conf.empty && myself.empty()) std::abort();
  for (const node::NodesConfMarker& m : conf.markers) {
    if (m.slot < 0 || m.slot >= node::kClusterSlots) std::abort();
  }
  return 0;
}
