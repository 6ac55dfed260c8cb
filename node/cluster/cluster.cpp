// Cluster lifecycle: construction, start-up (lock and load nodes.conf or create a new node, bind
// the bus, arm the 100 ms tick) and teardown. The state lives in cluster_state.cpp, nodes.conf in
// cluster_config.cpp, the bus in cluster_bus.cpp. Event-loop thread only.
#include <spdlog/spdlog.h>

#include "common/net/callback.h"
#include "node/cluster/cluster.h"
#include "node/cluster/failover.h"
#include "node/server/server.h"

namespace strata::node {

Cluster::Cluster(Server& server) : server_(server), failover_(std::make_unique<Failover>(*this)) {}

Cluster::~Cluster() {
  // Links first: their callbacks point at nodes.
  links_.clear();
}

bool Cluster::start() {
  const auto& s = server_.settings();
  configPath_ = s.clusterConfigFile;
  if (!lockConfig()) return false;
  bool created = false;
  if (!loadConfig(created)) return false;
  if (created) {
    myself_ = createNode(randomName(), kFlagMyself | kFlagMaster);
    spdlog::info("No cluster configuration found, I'm {}", myself_->name);
  } else {
    spdlog::info("Node configuration loaded, I'm {}", myself_->name);
  }
  // Our own address as configured now (the file may hold older announce values).
  myself_->port = myPort();
  myself_->cport = myBusPort();
  myself_->pport = myPlaintextPort();
  if (!s.clusterAnnounceIp.empty()) myself_->ip = s.clusterAnnounceIp;
  if (!saveNow()) return false;
  if (!listenBus()) return false;
  tick_.reset(event_new(server_.base(), -1, EV_PERSIST, net::callback<&Cluster::onTick>, this));
  timeval tv{0, 100000};
  event_add(tick_.get(), &tv);
  updateState();
  followMaster();
  registerMetrics();
  return true;
}

void Cluster::onTick(evutil_socket_t, short) {
  cron();
}

}  // namespace strata::node
