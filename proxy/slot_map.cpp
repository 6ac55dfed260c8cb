// SlotMap construction from CLUSTER SHARDS / CLUSTER SLOTS replies and copy-on-write patching.
// Runs on the topology thread (parsing) and on workers (withSlotOwner after a MOVED).
#include "proxy/slot_map.h"

#include <algorithm>
#include <charconv>
#include <set>

namespace strata::proxy {

bool Address::parse(std::string_view text, Address& out) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return false;
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  size_t at = port.find('@');  // "ip:port@cport" as printed by CLUSTER NODES
  if (at != std::string_view::npos) port = port.substr(0, at);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
    return false;
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  out.host.assign(host);
  out.port = static_cast<uint16_t>(value);
  return true;
}

SlotMap::SlotMap() {
  owner_.fill(kUnassigned);
}

int SlotMap::addShard(const Address& master) {
  for (size_t i = 0; i < shards_.size(); ++i) {
    if (shards_[i].master == master) return static_cast<int>(i);
  }
  shards_.push_back(Shard{master, {}});
  return static_cast<int>(shards_.size() - 1);
}

void SlotMap::sortShards() {
  std::vector<size_t> order(shards_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return shards_[a].master < shards_[b].master; });
  std::vector<uint16_t> newIndex(shards_.size());
  std::vector<Shard> sorted;
  sorted.reserve(shards_.size());
  for (size_t i = 0; i < order.size(); ++i) {
    newIndex[order[i]] = static_cast<uint16_t>(i);
    sorted.push_back(std::move(shards_[order[i]]));
  }
  shards_ = std::move(sorted);
  for (auto& o : owner_) {
    if (o != kUnassigned) o = newIndex[o];
  }
}

namespace {

bool isAggregate(const resp::Value& v) {
  return v.type == resp::Type::kArray || v.type == resp::Type::kMap || v.type == resp::Type::kSet;
}

bool validSlot(int64_t s) {
  return s >= 0 && s < 16384;
}

// A slot bound as received: -1 (invalid) unless it is an integer.
int64_t slotOf(const resp::Value& v) {
  return v.type == resp::Type::kInteger ? v.integer : -1;
}

}  // namespace

std::shared_ptr<SlotMap> SlotMap::fromClusterShards(const resp::Value& reply, std::string& error,
                                                    bool tls) {
  auto map = std::make_shared<SlotMap>();
  if (!isAggregate(reply)) {
    error = "CLUSTER SHARDS: expected an array";
    return nullptr;
  }
  for (const auto& shard : reply.elements) {
    const resp::Value* slots = shard.field("slots");
    const resp::Value* nodes = shard.field("nodes");
    if (!slots || !nodes || !isAggregate(*slots) || !isAggregate(*nodes)) {
      error = "CLUSTER SHARDS: shard without slots or nodes";
      return nullptr;
    }
    Address master;
    bool haveMaster = false;
    std::vector<Address> replicas;
    for (const auto& node : nodes->elements) {
      const resp::Value* role = node.field("role");
      const resp::Value* port = tls ? node.field("tls-port") : node.field("port");
      if (!port) port = node.field(tls ? "port" : "tls-port");
      const resp::Value* endpoint = node.field("endpoint");
      const resp::Value* ip = node.field("ip");
      const resp::Value* health = node.field("health");
      if (!role || !port || port->type != resp::Type::kInteger) continue;
      Address addr;
      addr.host = (endpoint && !endpoint->str.empty() && endpoint->str != "?") ? endpoint->str
                  : ip                                                         ? ip->str
                                                                               : "";
      if (addr.host.empty() || port->integer <= 0 || port->integer > 65535) continue;
      addr.port = static_cast<uint16_t>(port->integer);
      if (role->str == "master") {
        // Redis 7.2+ can list a failed old master next to its promoted replica in one shard:
        // an online master always wins over one that is not.
        bool online = !health || health->str == "online";
        if (!haveMaster || online) {
          master = addr;
          haveMaster = true;
        }
      } else if (!health || health->str != "fail") {
        // Online, or still loading its first sync: either may be promoted, so either gets
        // CONFIG SET (its only use besides the refresh's candidates).
        replicas.push_back(addr);
      }
    }
    if (!haveMaster || slots->elements.empty()) continue;  // a shard without slots serves none
    int index = map->addShard(master);
    map->shards_[index].replicas = std::move(replicas);
    for (size_t i = 0; i + 1 < slots->elements.size(); i += 2) {
      int64_t from = slotOf(slots->elements[i]), to = slotOf(slots->elements[i + 1]);
      if (!validSlot(from) || !validSlot(to) || from > to) {
        error = "CLUSTER SHARDS: bad slot range";
        return nullptr;
      }
      for (int64_t s = from; s <= to; ++s) map->owner_[s] = static_cast<uint16_t>(index);
    }
  }
  map->sortShards();
  return map;
}

std::shared_ptr<SlotMap> SlotMap::fromClusterSlots(const resp::Value& reply, std::string& error) {
  auto map = std::make_shared<SlotMap>();
  if (reply.type != resp::Type::kArray) {
    error = "CLUSTER SLOTS: expected an array";
    return nullptr;
  }
  auto nodeAddress = [](const resp::Value& node, Address& out) {
    if (node.type != resp::Type::kArray || node.elements.size() < 2) return false;
    const auto& host = node.elements[0];
    const auto& port = node.elements[1];
    if (port.type != resp::Type::kInteger || port.integer <= 0 || port.integer > 65535) {
      return false;
    }
    out.host = host.str;
    out.port = static_cast<uint16_t>(port.integer);
    return !out.host.empty() && out.host != "?";
  };
  for (const auto& range : reply.elements) {
    if (range.type != resp::Type::kArray || range.elements.size() < 3) {
      error = "CLUSTER SLOTS: malformed range";
      return nullptr;
    }
    int64_t from = slotOf(range.elements[0]), to = slotOf(range.elements[1]);
    if (!validSlot(from) || !validSlot(to) || from > to) {
      error = "CLUSTER SLOTS: bad slot range";
      return nullptr;
    }
    Address master;
    if (!nodeAddress(range.elements[2], master)) continue;
    int index = map->addShard(master);
    for (size_t i = 3; i < range.elements.size(); ++i) {
      Address replica;
      auto& replicas = map->shards_[index].replicas;
      if (nodeAddress(range.elements[i], replica) &&
          std::find(replicas.begin(), replicas.end(), replica) == replicas.end()) {
        replicas.push_back(replica);
      }
    }
    for (int64_t s = from; s <= to; ++s) map->owner_[s] = static_cast<uint16_t>(index);
  }
  map->sortShards();
  return map;
}

std::shared_ptr<SlotMap> SlotMap::withSlotOwner(uint16_t slot, const Address& master) const {
  auto copy = std::make_shared<SlotMap>(*this);
  int index = copy->addShard(master);
  copy->owner_[slot] = static_cast<uint16_t>(index);
  // A shard that lost its last slot no longer serves anything: drop it so fan-outs skip it.
  std::vector<bool> used(copy->shards_.size(), false);
  for (auto o : copy->owner_) {
    if (o != kUnassigned) used[o] = true;
  }
  if (std::find(used.begin(), used.end(), false) != used.end()) {
    std::vector<uint16_t> remap(copy->shards_.size(), kUnassigned);
    std::vector<Shard> kept;
    for (size_t i = 0; i < copy->shards_.size(); ++i) {
      if (!used[i]) continue;
      remap[i] = static_cast<uint16_t>(kept.size());
      kept.push_back(std::move(copy->shards_[i]));
    }
    copy->shards_ = std::move(kept);
    for (auto& o : copy->owner_) {
      if (o != kUnassigned) o = remap[o];
    }
  }
  copy->sortShards();
  return copy;
}

size_t SlotMap::coveredSlots() const {
  size_t n = 0;
  for (auto o : owner_) n += (o != kUnassigned);
  return n;
}

bool SlotMap::sameAs(const SlotMap& other) const {
  if (shards_.size() != other.shards_.size()) return false;
  for (size_t i = 0; i < shards_.size(); ++i) {
    if (!(shards_[i].master == other.shards_[i].master) ||
        shards_[i].replicas != other.shards_[i].replicas) {
      return false;
    }
  }
  return owner_ == other.owner_;
}

std::vector<Address> SlotMap::allNodes() const {
  std::set<Address> seen;
  std::vector<Address> out;
  for (const auto& s : shards_) {
    if (seen.insert(s.master).second) out.push_back(s.master);
    for (const auto& r : s.replicas) {
      if (seen.insert(r).second) out.push_back(r);
    }
  }
  return out;
}

}  // namespace strata::proxy
