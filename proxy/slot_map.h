// An immutable snapshot of the cluster topology as the proxy sees it: which master serves each of
// the 16384 slots, and its replicas. Built by the topology thread from CLUSTER SHARDS (or CLUSTER
// SLOTS) and handed to every worker as shared_ptr<const SlotMap>; a worker that learns of a move
// from a MOVED reply makes a patched copy (withSlotOwner) instead of editing a shared one.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/resp/reply_parser.h"

namespace strata::proxy {

// "host:port" of a backend node, as used for connection-pool keys and MOVED targets.
struct Address {
  std::string host;
  uint16_t port = 0;

  std::string str() const { return host + ":" + std::to_string(port); }
  bool operator==(const Address&) const = default;
  auto operator<=>(const Address&) const = default;
  // Parses "host:port" (the last ':' separates, so bare IPv6 works too). False on bad input.
  static bool parse(std::string_view text, Address& out);
};

struct Shard {
  Address master;
  std::vector<Address> replicas;  // not failed: online or loading (CONFIG SET reaches them)
};

class SlotMap {
 public:
  static constexpr uint16_t kUnassigned = 0xffff;

  SlotMap();

  // Builds a map from a CLUSTER SHARDS reply (Redis 7) or a CLUSTER SLOTS reply. On malformed
  // input returns nullptr and sets `error`. With `tls`, a node's "tls-port" is used when it has
  // one (CLUSTER SLOTS already answers with the port of the asking connection's kind).
  static std::shared_ptr<SlotMap> fromClusterShards(const resp::Value& reply, std::string& error,
                                                    bool tls = false);
  static std::shared_ptr<SlotMap> fromClusterSlots(const resp::Value& reply, std::string& error);

  // A copy of this map in which `slot` is served by `master` (added as a shard if unknown).
  std::shared_ptr<SlotMap> withSlotOwner(uint16_t slot, const Address& master) const;

  // Master of a slot, or nullptr when the slot is not served.
  const Address* masterFor(uint16_t slot) const {
    uint16_t s = owner_[slot];
    return s == kUnassigned ? nullptr : &shards_[s].master;
  }
  int shardIndexFor(uint16_t slot) const { return owner_[slot] == kUnassigned ? -1 : owner_[slot]; }
  const std::vector<Shard>& shards() const { return shards_; }
  size_t coveredSlots() const;
  bool sameAs(const SlotMap& other) const;

  // Every distinct node address (masters and replicas), for seeding the next refresh.
  std::vector<Address> allNodes() const;

 private:
  int addShard(const Address& master);
  void sortShards();

  std::vector<Shard> shards_;          // sorted by master address: a stable index for SCAN
  std::array<uint16_t, 16384> owner_;  // slot -> index into shards_
};

}  // namespace strata::proxy
