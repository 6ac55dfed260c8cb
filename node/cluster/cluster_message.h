// Decoding of one cluster bus message (cluster_wire.h) as a pure function over bytes, apart from
// the Cluster state that acts on it: framing (is the prefix valid, how long is the message),
// strict validation (type known, body length exactly as the type and gossip count say) and the
// decoded header and body fields. Cluster::linkRead frames with frameLength(), Cluster::process
// decodes with parse() and then only applies a Message; tests/fuzz/cluster_bus_fuzz.cpp feeds
// arbitrary bytes through both. No allocation beyond the decoded strings; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "node/cluster/cluster.h"
#include "node/cluster/cluster_wire.h"

namespace strata::node::wire {

// The decoded fields of one gossip entry (PING/PONG/MEET bodies).
struct Gossip {
  std::string name;
  uint32_t pingSent = 0;
  uint32_t pongReceived = 0;
  std::string ip;
  uint16_t port = 0;
  uint16_t cport = 0;
  uint16_t flags = 0;
};

// One validated message. Pointers and views point into the buffer given to parse() and live as
// long as it does.
struct Message {
  MsgType type = MsgType::kPing;
  uint16_t count = 0;  // gossip entries
  uint16_t flags = 0;  // sender flags
  uint64_t currentEpoch = 0;
  uint64_t configEpoch = 0;
  uint64_t offset = 0;  // replication offset
  std::string sender;
  std::string replicaOf;  // empty: a master
  std::string ip;         // announced; empty: use the connection's address
  uint16_t port = 0;
  uint16_t cport = 0;
  uint16_t pport = 0;  // plaintext client port under tls-cluster (0: none)
  uint8_t state = 0;
  uint8_t mflags = 0;
  const uint8_t* slots = nullptr;   // kSlotBytes bitmap, bit j of byte j/8 LSB first
  const uint8_t* gossip = nullptr;  // count x kGossipSize (PING/PONG/MEET)
  std::string failing;              // FAIL
  uint64_t updateEpoch = 0;         // UPDATE: configEpoch, node, slots
  std::string updateNode;
  const uint8_t* updateSlots = nullptr;
  std::string_view channel;  // PUBLISH / PUBLISHSHARD
  std::string_view payload;
};

enum class Frame { kNeedMore, kInvalid, kComplete };
// Framing of the bytes at the head of a link's input (`have` of them): kInvalid for a bad magic,
// version or length (the link is dropped), kNeedMore until `total` bytes have arrived.
Frame frameLength(const uint8_t* data, size_t have, uint32_t& total);
// Validates and decodes one whole message of `len` bytes (len = its framed total length).
// False if malformed: unknown type, or a body whose length does not match its type exactly.
bool parse(const uint8_t* data, size_t len, Message& out);
// Gossip entry i (< out.count) of a parsed PING/PONG/MEET.
Gossip gossipAt(const Message& m, size_t i);

}  // namespace strata::node::wire
