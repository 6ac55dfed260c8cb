// The topology thread: learns the slot map (CLUSTER SHARDS, or CLUSTER SLOTS from older
// servers) and the command table (COMMAND) from any reachable node, seeds first, and publishes
// immutable snapshots to every worker. Refreshes periodically, and at once (coalesced, at most
// every 100 ms) when a worker asks: after MOVED, CLUSTERDOWN or a failed backend link.
// Uses blocking connections with timeouts on its own thread, never on a worker loop.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "proxy/slot_map.h"
#include "proxy/worker.h"

namespace strata::proxy {

class Topology {
 public:
  Topology(SharedState& shared, std::vector<Worker*> workers);
  ~Topology();

  // One synchronous attempt over every seed, before the workers start. False (with `error`) if
  // no node answered; the proxy still starts and keeps trying in the background.
  bool bootstrap(std::string& error);
  void start();
  void stop();
  // Thread-safe and cheap: coalesced into the next refresh.
  void requestRefresh();

 private:
  void run();
  bool refreshOnce(std::string& error);
  std::vector<Address> candidates() const;
  void publish(std::shared_ptr<const SlotMap> map);

  SharedState& shared_;
  std::vector<Worker*> workers_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false;
  bool stopping_ = false;
  std::shared_ptr<const SlotMap> current_;
};

}  // namespace strata::proxy
