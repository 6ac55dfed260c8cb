// libFuzzer target for the cluster bus reader (node/cluster/cluster_message.h): the bytes a peer
// sends on a bus link, framed exactly as Cluster::linkRead frames them (frameLength) and each
// framed message validated and decoded as Cluster::process does (parse, gossipAt). Invariants: no
// crash or undefined behaviour on any bytes; a framed message lies within the input; a parsed
// message's views (slots, gossip, UPDATE slots, PUBLISH channel and payload) lie within it, and
// re-parsing the same bytes gives the same result. Seeds: tests/fuzz/corpus/cluster_bus/ (a PONG
// with gossip captured from a running node, and one message of every other type built on it).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "node/cluster/cluster_message.h"
#include "node/cluster/slot_bitmap.h"

namespace wire = strata::node::wire;

namespace {

void within(const void* p, size_t n, const uint8_t* msg, size_t len) {
  const auto* b = static_cast<const uint8_t*>(p);
  if (b < msg || b + n > msg + len) std::abort();
}

void check(const uint8_t* msg, size_t len) {
  wire::Message m;
  const bool ok = wire::parse(msg, len, m);
  wire::Message again;
  if (wire::parse(msg, len, again) != ok) std::abort();
  if (!ok) return;
  within(m.slots, wire::kSlotBytes, msg, len);
  // The bitmap survives the trip through SlotBitmap byte for byte.
  uint8_t again_bytes[wire::kSlotBytes];
  strata::node::SlotBitmap::fromWire(m.slots).toWire(again_bytes);
  if (std::memcmp(again_bytes, m.slots, wire::kSlotBytes) != 0) std::abort();
  if (m.sender.size() > wire::kNameLen || m.ip.size() > wire::kIpLen) std::abort();
  if (m.gossip) {
    within(m.gossip, size_t{m.count} * wire::kGossipSize, msg, len);
    for (size_t i = 0; i < m.count; ++i) {
      wire::Gossip g = wire::gossipAt(m, i);
      if (g.name.size() > wire::kNameLen || g.ip.size() > wire::kIpLen) std::abort();
    }
  }
  if (m.updateSlots) within(m.updateSlots, wire::kSlotBytes, msg, len);
  if (!m.channel.empty()) within(m.channel.data(), m.channel.size(), msg, len);
  if (!m.payload.empty()) within(m.payload.data(), m.payload.size(), msg, len);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The whole input as one message (the length field need not agree: parse must refuse it).
  check(data, size);
  // The input as a link's byte stream: messages one after another, as linkRead reads them.
  size_t at = 0;
  for (int i = 0; i < 64 && at < size; ++i) {
    uint32_t total = 0;
    const wire::Frame f = wire::frameLength(data + at, size - at, total);
    if (f != wire::Frame::kComplete) break;
    if (total < wire::kHeaderSize || total > size - at) std::abort();
    check(data + at, total);
    at += total;
  }
  return 0;
}
