// Topology refresh: candidate nodes (current masters, replicas, then the seeds), one blocking
// round trip each until one gives a usable slot map.
#include "proxy/topology.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "common/net/blocking_client.h"

namespace strata::proxy {

namespace {
constexpr auto kMinInterval = std::chrono::milliseconds(100);
}

Topology::Topology(SharedState& shared, std::vector<Worker*> workers)
    : shared_(shared), workers_(std::move(workers)) {}

Topology::~Topology() {
  stop();
}

void Topology::start() {
  thread_ = std::thread([this] { run(); });
}

void Topology::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Topology::requestRefresh() {
  {
    std::lock_guard lock(mutex_);
    if (requested_) return;
    requested_ = true;
  }
  wake_.notify_one();
}

std::vector<Address> Topology::candidates() const {
  std::vector<Address> out;
  std::set<Address> seen;
  if (current_) {
    for (const auto& a : current_->allNodes()) {
      if (seen.insert(a).second) out.push_back(a);
    }
  }
  auto settings = shared_.settings.load();
  for (const auto& seed : settings->nodes) {
    Address a;
    if (Address::parse(seed, a) && seen.insert(a).second) out.push_back(a);
  }
  return out;
}

bool Topology::bootstrap(std::string& error) {
  return refreshOnce(error);
}

bool Topology::refreshOnce(std::string& error) {
  auto settings = shared_.settings.load();
  auto timeout = std::chrono::milliseconds(std::max(100, settings->connectTimeoutMs));
  std::string lastError = "no seed node configured (--nodes)";
  for (const Address& node : candidates()) {
    std::string err;
    auto client =
        net::BlockingClient::connect(node.host, node.port, timeout, shared_.backendTls.load(), err);
    if (!client) {
      lastError = node.str() + ": " + err;
      continue;
    }
    resp::Value reply;
    if (!settings->backendPassword.empty()) {
      std::vector<std::string_view> auth{"AUTH"};
      if (!settings->backendUser.empty()) auth.push_back(settings->backendUser);
      auth.push_back(settings->backendPassword);
      if (!client->call(auth, reply) || reply.isError()) {
        lastError =
            node.str() + ": AUTH failed: " + (reply.isError() ? reply.str : client->error());
        continue;
      }
    }
    if (!shared_.commands.load()) {
      if (!client->call({"COMMAND"}, reply)) {
        // A transport failure (a refused TLS handshake, a reset) leaves the link unusable: report
        // it, not the meaningless error of the next call on the dead link.
        lastError = node.str() + ": " + client->error();
        continue;
      }
      if (!reply.isError()) {
        std::string why;
        if (auto table = CommandTable::fromCommandReply(reply, why)) {
          shared_.commands.store(table);
          for (Worker* w : workers_) w->reloadSettings();
          spdlog::info("command table loaded from {}: {} commands", node.str(), table->size());
        }
      }
    }
    std::shared_ptr<SlotMap> map;
    std::string why;
    if (!client->call({"CLUSTER", "SHARDS"}, reply)) {
      lastError = node.str() + ": " + client->error();
      continue;
    }
    if (!reply.isError()) map = SlotMap::fromClusterShards(reply, why, settings->backendTls);
    if (!map) {
      if (client->call({"CLUSTER", "SLOTS"}, reply) && !reply.isError()) {
        map = SlotMap::fromClusterSlots(reply, why);
      } else {
        why = reply.isError() ? reply.str : client->error();
      }
    }
    shared_.metrics->slotMapRefreshes.Increment();
    if (!map || map->coveredSlots() == 0) {
      lastError = node.str() + ": " + (why.empty() ? "no slot is served" : why);
      continue;
    }
    publish(map);
    return true;
  }
  error = lastError;
  return false;
}

void Topology::publish(std::shared_ptr<const SlotMap> map) {
  bool changed = !current_ || !current_->sameAs(*map);
  if (changed) {
    shared_.metrics->slotMapChanges.Increment();
    spdlog::info("slot map: {} masters, {} slots covered", map->shards().size(),
                 map->coveredSlots());
  }
  current_ = map;
  shared_.slotMap.store(map);
  shared_.metrics->slotsCovered.Set(static_cast<double>(map->coveredSlots()));
  shared_.metrics->mastersKnown.Set(static_cast<double>(map->shards().size()));
  // Always hand the authoritative map to the workers: it replaces any copy they patched after
  // a MOVED.
  for (Worker* w : workers_) w->setSlotMap(map);
}

void Topology::run() {
  auto last = std::chrono::steady_clock::now();
  for (;;) {
    auto interval =
        std::chrono::milliseconds(std::max(100, shared_.settings.load()->slotRefreshIntervalMs));
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, interval, [&] { return stopping_ || requested_; });
      if (stopping_) return;
      requested_ = false;
    }
    auto since = std::chrono::steady_clock::now() - last;
    if (since < kMinInterval) std::this_thread::sleep_for(kMinInterval - since);
    last = std::chrono::steady_clock::now();
    std::string error;
    if (!refreshOnce(error)) spdlog::warn("slot map refresh failed: {}", error);
  }
}

}  // namespace strata::proxy
