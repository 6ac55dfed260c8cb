// cluster_message.h: framing, validation and decoding of one cluster bus message.
#include "node/cluster/cluster_message.h"

#include <cstring>

namespace strata::node::wire {

Frame frameLength(const uint8_t* data, size_t have, uint32_t& total) {
  if (have < kPrefixSize) return Frame::kNeedMore;
  total = get32(data + 8);
  if (std::memcmp(data, kMagic, 4) != 0 || get16(data + 4) != kVersion || total < kHeaderSize ||
      total > kMaxMessage) {
    return Frame::kInvalid;
  }
  return have < total ? Frame::kNeedMore : Frame::kComplete;
}

bool parse(const uint8_t* data, size_t len, Message& out) {
  if (len < kHeaderSize || get32(data + 8) != len) return false;
  const uint16_t rawType = get16(data + 6);
  const uint16_t count = get16(data + kOffCount);
  const size_t body = len - kHeaderSize;
  const uint8_t* p = data + kHeaderSize;
  bool valid = false;
  switch (static_cast<MsgType>(rawType)) {
    case MsgType::kPing:
    case MsgType::kPong:
    case MsgType::kMeet:
      valid = count <= kMaxGossip && body == size_t{count} * kGossipSize;
      break;
    case MsgType::kFail:
      valid = body == kFailBody;
      break;
    case MsgType::kUpdate:
      valid = body == kUpdateBody;
      break;
    case MsgType::kAuthRequest:
    case MsgType::kAuthAck:
    case MsgType::kMfStart:
      valid = body == 0;  // failover.h
      break;
    case MsgType::kPublish:
    case MsgType::kPublishShard:
      valid = body >= 8 && body == 8 + size_t{get32(p)} + get32(p + 4);
      break;
    default:
      valid = false;
  }
  if (!valid) return false;
  out.type = static_cast<MsgType>(rawType);
  out.count = count;
  out.flags = get16(data + kOffFlags);
  out.currentEpoch = get64(data + kOffCurrentEpoch);
  out.configEpoch = get64(data + kOffConfigEpoch);
  out.offset = get64(data + kOffOffset);
  out.sender = getStr(data + kOffSender, kNameLen);
  out.replicaOf = getStr(data + kOffReplicaOf, kNameLen);
  out.ip = getStr(data + kOffIp, kIpLen);
  out.port = get16(data + kOffPort);
  out.cport = get16(data + kOffCport);
  out.pport = get16(data + kOffPport);
  out.state = data[kOffState];
  out.mflags = data[kOffMflags];
  out.slots = data + kOffSlots;
  out.gossip = nullptr;
  out.failing.clear();
  out.updateEpoch = 0;
  out.updateNode.clear();
  out.updateSlots = nullptr;
  out.channel = out.payload = {};
  switch (out.type) {
    case MsgType::kPing:
    case MsgType::kPong:
    case MsgType::kMeet:
      out.gossip = p;
      break;
    case MsgType::kFail:
      out.failing = getStr(p, kNameLen);
      break;
    case MsgType::kUpdate:
      out.updateEpoch = get64(p);
      out.updateNode = getStr(p + 8, kNameLen);
      out.updateSlots = p + 8 + kNameLen;
      break;
    case MsgType::kPublish:
    case MsgType::kPublishShard: {
      const uint32_t clen = get32(p);
      out.channel = std::string_view(reinterpret_cast<const char*>(p + 8), clen);
      out.payload = std::string_view(reinterpret_cast<const char*>(p + 8 + clen), get32(p + 4));
      break;
    }
    default:
      break;
  }
  return true;
}

Gossip gossipAt(const Message& m, size_t i) {
  const uint8_t* p = m.gossip + i * kGossipSize;
  Gossip g;
  g.name = getStr(p, kNameLen);
  g.pingSent = get32(p + kNameLen);
  g.pongReceived = get32(p + kNameLen + 4);
  g.ip = getStr(p + kNameLen + 8, kIpLen);
  g.port = get16(p + kNameLen + 8 + kIpLen);
  g.cport = get16(p + kNameLen + 8 + kIpLen + 2);
  g.flags = get16(p + kNameLen + 8 + kIpLen + 4);
  return g;
}

}  // namespace strata::node::wire
