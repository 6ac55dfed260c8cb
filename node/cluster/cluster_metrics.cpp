// The cluster's Prometheus series, published through the node metrics API
// (node/observe/node_metrics.h): state, slot counts, known nodes, size, epochs and bus messages
// sent/received by type. A collector copies the figures on the loop thread before each export;
// the bus only bumps plain counters. Registered once by Cluster::start().
#include "node/cluster/cluster.h"
#include "node/observe/node_metrics.h"
#include "node/server/server.h"

namespace strata::node {

void Cluster::registerMetrics() {
  NodeMetrics& m = server_.metrics();
  auto& state = m.gauge("strata_node_cluster_state", "1 when the cluster state is ok, else 0");
  auto& assigned = m.gauge("strata_node_cluster_slots_assigned", "Slots assigned to a node");
  auto& ok = m.gauge("strata_node_cluster_slots_ok", "Slots served by a reachable node");
  auto& pfail = m.gauge("strata_node_cluster_slots_pfail", "Slots of nodes flagged PFAIL");
  auto& fail = m.gauge("strata_node_cluster_slots_fail", "Slots of nodes flagged FAIL");
  auto& known = m.gauge("strata_node_cluster_known_nodes", "Nodes known to this node");
  auto& size = m.gauge("strata_node_cluster_size", "Masters serving at least one slot");
  auto& current = m.gauge("strata_node_cluster_current_epoch", "The cluster's current epoch");
  auto& mine = m.gauge("strata_node_cluster_my_epoch", "This node's config epoch");
  std::vector<NodeMetrics::Total*> sent, received;
  for (int t = 0; t < kMsgTypeCount; ++t) {
    sent.push_back(&m.total("strata_node_cluster_bus_messages_sent_total",
                            "Cluster bus messages sent", {{"type", msgTypeName(t)}}));
    received.push_back(&m.total("strata_node_cluster_bus_messages_received_total",
                                "Cluster bus messages received", {{"type", msgTypeName(t)}}));
  }
  m.addCollector([this, &state, &assigned, &ok, &pfail, &fail, &known, &size, &current, &mine, sent,
                  received] {
    int a = 0, o = 0, p = 0, f = 0;
    for (int j = 0; j < kClusterSlots; ++j) {
      const ClusterNode* n = owner_[j];
      if (n == nullptr) continue;
      a++;
      if (n->is(kFlagFail)) {
        f++;
      } else if (n->is(kFlagPfail)) {
        p++;
      } else {
        o++;
      }
    }
    state.Set(stateOk_ ? 1 : 0);
    assigned.Set(a);
    ok.Set(o);
    pfail.Set(p);
    fail.Set(f);
    known.Set(static_cast<double>(nodes_.size()));
    size.Set(this->size());
    current.Set(static_cast<double>(currentEpoch_));
    mine.Set(static_cast<double>(nodeEpoch(myself_)));
    for (int t = 0; t < kMsgTypeCount; ++t) {
      sent[t]->set(sent_[t]);
      received[t]->set(received_[t]);
    }
  });
}

}  // namespace strata::node
