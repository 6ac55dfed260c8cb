// The cluster bus: a listener on the bus port (cluster-port, or port + 10000), one outbound link
// per known node (we send PING/MEET there and read its PONGs) and the inbound links other nodes
// opened to us (we answer their PING/MEET with PONG there). Messages (cluster_wire.h) are framed
// by their length, validated strictly, and processed as Redis's clusterProcessPacket: handshake
// (MEET -> handshake node -> renamed on the first PONG), roles and slot claims from headers,
// gossip (unknown nodes -> handshake, PFAIL/FAIL reports), FAIL, UPDATE, PUBLISH.
//
//   tick (100 ms): free dead links, expire handshakes, connect missing links, PING nodes whose
//   last PONG is older than the ping interval, drop links silent for node_timeout/2, mark PFAIL
//   after node_timeout without PONG, PFAIL -> FAIL on a quorum of master reports, save config.
//
// tls-cluster yes: every link is a libevent OpenSSL bufferevent over a session of the node's TLS
// contexts (node/server/node_tls.h: the server one for inbound links, the client one for
// outbound), so the framing and processing above are the same; BEV_EVENT_CONNECTED of an
// outbound link then means the handshake is done.
//
// Event-loop thread only. A link is freed by marking it dead (I/O disabled at once) and deleting
// it at the next tick, so no bufferevent is freed inside its own callback.
#include <arpa/inet.h>
#include <event2/bufferevent_ssl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "common/net/callback.h"
#include "common/net/stream.h"
#include "node/cluster/cluster.h"
#include "node/cluster/cluster_message.h"
#include "node/cluster/cluster_wire.h"
#include "node/cluster/failover.h"
#include "node/server/node_tls.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

constexpr size_t kMaxSendBuffer = 256u << 20;
constexpr int64_t kMinPingIntervalMs = 500;
constexpr size_t kGossipAllUpTo = 32;

std::string sockaddrIp(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof(buf));
  } else if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      inet_ntop(AF_INET, reinterpret_cast<const uint8_t*>(&in6->sin6_addr) + 12, buf, sizeof(buf));
    } else {
      inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
    }
  }
  return buf;
}

std::string localIp(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return sockaddrIp(reinterpret_cast<sockaddr*>(&ss));
}

// ip:port as a sockaddr; false for an address that is not a literal IPv4/IPv6.
bool makeSockaddr(const std::string& ip, int port, sockaddr_storage& ss, socklen_t& len) {
  ss = {};
  auto* in = reinterpret_cast<sockaddr_in*>(&ss);
  if (inet_pton(AF_INET, ip.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in);
    return true;
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET6, ip.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

}  // namespace

void ClusterLink::onRead(bufferevent*) {
  cluster->linkRead(this);
}

void ClusterLink::onEvent(bufferevent*, short what) {
  cluster->linkEvent(this, what);
}

// ---- listener and links -----------------------------------------------------------------------

bool Cluster::listenBus() {
  const auto& s = server_.settings();
  const int port = s.clusterPort ? s.clusterPort : (s.tlsCluster ? s.tlsPort : s.port) + 10000;
  if (port <= 0 || port > 65535) {
    spdlog::error("Cluster bus port {} out of range (port + 10000 must be < 65536)", port);
    return false;
  }
  busAcceptBackoff_ =
      std::make_unique<net::AcceptBackoff>(server_.base(), "cluster bus", [this](bool on) {
        for (auto& l : listeners_) {
          if (on) {
            evconnlistener_enable(l.get());
          } else {
            evconnlistener_disable(l.get());
          }
        }
      });
  std::vector<std::string> addresses = s.bind;
  if (addresses.empty()) addresses = {"*", "-::*"};
  for (std::string a : addresses) {
    bool optional = !a.empty() && a[0] == '-';
    if (optional) a = a.substr(1);
    if (a == "*") a = "0.0.0.0";
    if (a == "::*") a = "::";
    sockaddr_storage ss;
    socklen_t len = 0;
    if (!makeSockaddr(a, port, ss, len)) {
      if (optional) continue;
      spdlog::error("Invalid bind address '{}' for the cluster bus", a);
      return false;
    }
    unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;
    if (ss.ss_family == AF_INET6) flags |= LEV_OPT_BIND_IPV6ONLY;
    net::EvConnListenerPtr l(
        evconnlistener_new_bind(server_.base(), net::callback<&Cluster::onAccept>, this, flags, 511,
                                reinterpret_cast<sockaddr*>(&ss), static_cast<int>(len)));
    if (!l) {
      if (optional) continue;
      spdlog::error("Could not bind the cluster bus on {}:{}: {}", a, port, std::strerror(errno));
      return false;
    }
    evconnlistener_set_error_cb(l.get(), net::callback<&Cluster::onAcceptError>);
    listeners_.push_back(std::move(l));
  }
  if (listeners_.empty()) {
    spdlog::error("The cluster bus could not listen anywhere (port {})", port);
    return false;
  }
  return true;
}

// A bufferevent for a bus link: plain, or with tls-cluster yes TLS over a session of the server
// (inbound) or client (outbound) context (fd -1: bufferevent_socket_connect() connects it).
net::BufferEventPtr Cluster::newBusBufferEvent(evutil_socket_t fd, bool inbound) {
  if (!server_.settings().tlsCluster) {
    return net::BufferEventPtr(bufferevent_socket_new(server_.base(), fd, BEV_OPT_CLOSE_ON_FREE));
  }
  const auto& context = inbound ? server_.tls().server() : server_.tls().client();
  net::SslPtr ssl = context ? context->newSsl() : nullptr;
  if (!ssl) return nullptr;
  // The bufferevent owns the session from here (BEV_OPT_CLOSE_ON_FREE frees it, and so does a
  // failed creation).
  net::BufferEventPtr bev(bufferevent_openssl_socket_new(
      server_.base(), fd, ssl.release(),
      inbound ? BUFFEREVENT_SSL_ACCEPTING : BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE));
  if (!bev) return nullptr;
  // A peer that closes without close_notify (kill -9) is an EOF, not an error to report.
  bufferevent_openssl_set_allow_dirty_shutdown(bev.get(), 1);
  return bev;
}

void Cluster::onAccept(evconnlistener*, evutil_socket_t fd, sockaddr* sa, int) {
  net::setNoDelay(fd);
  net::BufferEventPtr bev = newBusBufferEvent(fd, true);
  if (!bev) {
    ::close(fd);
    return;
  }
  ClusterLink* link = newLink(std::move(bev), nullptr, true);
  link->connected = true;
  link->peerIp = sockaddrIp(sa);
  link->localIp = localIp(fd);
}

// accept() errors other than EAGAIN, EINTR and ECONNABORTED (libevent's evconnlistener would
// otherwise log and return to a still readable socket: a spin while descriptors are short).
void Cluster::onAcceptError(evconnlistener*) {
  busAcceptBackoff_->onAcceptError(EVUTIL_SOCKET_ERROR());
}

ClusterLink* Cluster::newLink(net::BufferEventPtr bev, ClusterNode* node, bool inbound) {
  auto link = std::make_unique<ClusterLink>();
  link->bev = std::move(bev);
  link->node = node;
  link->inbound = inbound;
  link->ctime = nowMs();
  link->cluster = this;
  bufferevent_setcb(link->bev.get(), net::callback<&ClusterLink::onRead>, nullptr,
                    net::callback<&ClusterLink::onEvent>, link.get());
  bufferevent_enable(link->bev.get(), EV_READ | EV_WRITE);
  links_.push_back(std::move(link));
  return links_.back().get();
}

void Cluster::freeLink(ClusterLink* link) {
  if (link->dead) return;
  link->dead = true;
  bufferevent_disable(link->bev.get(), EV_READ | EV_WRITE);
  bufferevent_setcb(link->bev.get(), nullptr, nullptr, nullptr, nullptr);
  if (link->node) {
    if (link->node->link == link) link->node->link = nullptr;
    if (link->node->inbound == link) link->node->inbound = nullptr;
    link->node = nullptr;
  }
}

void Cluster::connectNode(ClusterNode* n) {
  sockaddr_storage ss;
  socklen_t len = 0;
  if (n->ip.empty() || n->cport <= 0 || !makeSockaddr(n->ip, n->cport, ss, len)) return;
  net::BufferEventPtr bev = newBusBufferEvent(-1, false);
  if (!bev) return;
  if (bufferevent_socket_connect(bev.get(), reinterpret_cast<sockaddr*>(&ss),
                                 static_cast<int>(len)) != 0) {
    return;
  }
  ClusterLink* link = newLink(std::move(bev), n, false);
  n->link = link;
  // Queue the first PING/MEET at once; a reconnection keeps the pending ping's time so a node
  // that refuses connections still reaches PFAIL.
  const int64_t oldPing = n->pingSent;
  sendPing(link, n->is(kFlagMeet) ? MsgType::kMeet : MsgType::kPing);
  if (oldPing) n->pingSent = oldPing;
  n->flags = static_cast<uint16_t>(n->flags & ~kFlagMeet);
}

void Cluster::linkEvent(ClusterLink* link, short what) {
  if (what & BEV_EVENT_CONNECTED) {
    link->connected = true;
    int fd = bufferevent_getfd(link->bev.get());
    net::setNoDelay(fd);
    link->localIp = localIp(fd);
    return;
  }
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    if (server_.settings().tlsCluster && (what & BEV_EVENT_ERROR)) {
      unsigned long e = bufferevent_get_openssl_error(link->bev.get());
      if (e != 0) {
        char text[256];
        ERR_error_string_n(e, text, sizeof(text));
        spdlog::debug("Cluster bus: TLS error on the link with {}: {}",
                      link->inbound ? link->peerIp : (link->node ? link->node->name : "?"), text);
      }
    }
    freeLink(link);
  }
}

void Cluster::linkRead(ClusterLink* link) {
  evbuffer* in = bufferevent_get_input(link->bev.get());
  while (!link->dead) {
    const size_t have = evbuffer_get_length(in);
    if (have < wire::kPrefixSize) return;
    uint8_t prefix[wire::kPrefixSize];
    evbuffer_copyout(in, prefix, sizeof(prefix));
    uint32_t total = 0;
    const wire::Frame frame = wire::frameLength(prefix, sizeof(prefix), total);
    if (frame == wire::Frame::kInvalid) {
      spdlog::warn("Cluster bus: invalid message header from {}, closing the link",
                   link->inbound ? link->peerIp : (link->node ? link->node->name : "?"));
      freeLink(link);
      return;
    }
    if (have < total) return;
    const uint8_t* data = evbuffer_pullup(in, total);
    process(link, data, total);
    if (!link->dead) evbuffer_drain(in, total);
  }
}

// ---- sending ----------------------------------------------------------------------------------

std::string Cluster::buildHeader(MsgType type, uint16_t count) const {
  std::string h(wire::kHeaderSize, '\0');
  std::memcpy(h.data(), wire::kMagic, 4);
  wire::put16(h, 4, wire::kVersion);
  wire::put16(h, 6, static_cast<uint16_t>(type));
  wire::put16(h, wire::kOffCount, count);
  wire::put16(h, wire::kOffFlags, myself_->flags & ~kFlagMeet);
  wire::put64(h, wire::kOffCurrentEpoch, currentEpoch_);
  wire::put64(h, wire::kOffConfigEpoch, nodeEpoch(myself_));
  wire::put64(h, wire::kOffOffset, static_cast<uint64_t>(server_.replicationOffset()));
  wire::putStr(h, wire::kOffSender, myself_->name, wire::kNameLen);
  const ClusterNode* master = myself_;
  if (myself_->isReplica() && myself_->master) {
    master = myself_->master;
    wire::putStr(h, wire::kOffReplicaOf, master->name, wire::kNameLen);
  }
  wire::putStr(h, wire::kOffIp, server_.settings().clusterAnnounceIp, wire::kIpLen - 1);
  wire::put16(h, wire::kOffPort, static_cast<uint16_t>(myPort()));
  wire::put16(h, wire::kOffCport, static_cast<uint16_t>(myBusPort()));
  wire::put16(h, wire::kOffPport, static_cast<uint16_t>(myPlaintextPort()));
  h[wire::kOffState] = stateOk_ ? 0 : 1;
  h[wire::kOffMflags] = static_cast<char>(failover_->headerFlags());
  master->slots.toWire(reinterpret_cast<uint8_t*>(h.data()) + wire::kOffSlots);
  return h;
}

void Cluster::sendRaw(ClusterLink* link, std::string& msg, MsgType type) {
  if (link == nullptr || link->dead) return;
  wire::put32(msg, 8, static_cast<uint32_t>(msg.size()));
  if (evbuffer_get_length(bufferevent_get_output(link->bev.get())) > kMaxSendBuffer) {
    spdlog::warn("Cluster bus: send buffer limit exceeded, closing the link");
    freeLink(link);
    return;
  }
  bufferevent_write(link->bev.get(), msg.data(), msg.size());
  sent_[static_cast<int>(type)]++;
}

void Cluster::sendPing(ClusterLink* link, MsgType type) {
  static std::mt19937 rng{std::random_device{}()};
  std::vector<ClusterNode*> chosen;
  std::vector<ClusterNode*> pfail;
  for (auto& [name, n] : nodes_) {
    ClusterNode* node = n.get();
    if (node == myself_ || node->is(kFlagHandshake | kFlagNoAddr) || node->ip.empty()) continue;
    if (node->link == nullptr && node->numSlots == 0) continue;
    chosen.push_back(node);
    if (node->is(kFlagPfail)) pfail.push_back(node);
  }
  if (chosen.size() > kGossipAllUpTo) {
    std::shuffle(chosen.begin(), chosen.end(), rng);
    size_t wanted = std::max<size_t>(3, nodes_.size() / 10);
    chosen.resize(wanted);
    for (ClusterNode* p : pfail) {
      if (std::find(chosen.begin(), chosen.end(), p) == chosen.end()) chosen.push_back(p);
    }
  }
  if (chosen.size() > wire::kMaxGossip) chosen.resize(wire::kMaxGossip);
  std::string msg = buildHeader(type, static_cast<uint16_t>(chosen.size()));
  size_t at = msg.size();
  msg.resize(at + chosen.size() * wire::kGossipSize, '\0');
  for (const ClusterNode* n : chosen) {
    wire::putStr(msg, at, n->name, wire::kNameLen);
    wire::put32(msg, at + 40, static_cast<uint32_t>(n->pingSent / 1000));
    wire::put32(msg, at + 44, static_cast<uint32_t>(n->pongReceived / 1000));
    wire::putStr(msg, at + 48, n->ip, wire::kIpLen - 1);
    wire::put16(msg, at + 94, static_cast<uint16_t>(n->port));
    wire::put16(msg, at + 96, static_cast<uint16_t>(n->cport));
    wire::put16(msg, at + 98, n->flags & ~(kFlagMyself | kFlagMeet));
    at += wire::kGossipSize;
  }
  if (!link->inbound && link->node && type != MsgType::kPong && link->node->pingSent == 0) {
    link->node->pingSent = nowMs();
  }
  sendRaw(link, msg, type);
}

void Cluster::broadcast(std::string& msg, MsgType type, bool shardOnly) {
  const ClusterNode* myMaster = myself_->isMaster() ? myself_ : myself_->master;
  for (auto& [name, n] : nodes_) {
    if (n.get() == myself_ || n->is(kFlagHandshake) || n->link == nullptr) continue;
    if (shardOnly) {
      const ClusterNode* theirs = n->isMaster() ? n.get() : n->master;
      if (theirs != myMaster) continue;
    }
    sendRaw(n->link, msg, type);
  }
}

void Cluster::broadcastPong() {
  for (auto& [name, n] : nodes_) {
    if (n.get() == myself_ || n->is(kFlagHandshake) || n->link == nullptr) continue;
    sendPing(n->link, MsgType::kPong);
  }
}

void Cluster::sendFail(ClusterNode* failing) {
  std::string msg = buildHeader(MsgType::kFail, 0);
  msg.resize(msg.size() + wire::kFailBody, '\0');
  wire::putStr(msg, wire::kHeaderSize, failing->name, wire::kNameLen);
  broadcast(msg, MsgType::kFail);
}

void Cluster::sendUpdate(ClusterLink* link, ClusterNode* n) {
  if (link == nullptr) return;
  std::string msg = buildHeader(MsgType::kUpdate, 0);
  size_t at = msg.size();
  msg.resize(at + wire::kUpdateBody, '\0');
  wire::put64(msg, at, n->configEpoch);
  wire::putStr(msg, at + 8, n->name, wire::kNameLen);
  n->slots.toWire(reinterpret_cast<uint8_t*>(msg.data()) + at + 48);
  sendRaw(link, msg, MsgType::kUpdate);
}

void Cluster::publish(std::string_view channel, std::string_view message, bool sharded) {
  if (channel.size() + message.size() > wire::kMaxPublish) return;
  MsgType type = sharded ? MsgType::kPublishShard : MsgType::kPublish;
  std::string msg = buildHeader(type, 0);
  size_t at = msg.size();
  msg.resize(at + 8);
  wire::put32(msg, at, static_cast<uint32_t>(channel.size()));
  wire::put32(msg, at + 4, static_cast<uint32_t>(message.size()));
  msg.append(channel);
  msg.append(message);
  broadcast(msg, type, sharded);
}

std::vector<Cluster::LinkInfo> Cluster::links() const {
  std::vector<LinkInfo> out;
  for (const auto& l : links_) {
    if (l->dead || l->node == nullptr) continue;
    out.push_back({l->inbound, l->node->name, l->ctime,
                   evbuffer_get_length(bufferevent_get_output(l->bev.get()))});
  }
  return out;
}

// ---- receiving --------------------------------------------------------------------------------

void Cluster::process(ClusterLink* link, const uint8_t* data, size_t len) {
  wire::Message m;  // validated and decoded (cluster_message.h); only applied below
  if (!wire::parse(data, len, m)) {
    spdlog::warn("Cluster bus: malformed message (type {}, {} bytes), closing the link",
                 wire::get16(data + 6), len);
    freeLink(link);
    return;
  }
  const MsgType type = m.type;
  received_[static_cast<int>(type)]++;
  const int64_t now = nowMs();
  const std::string& senderName = m.sender;
  ClusterNode* sender = lookup(senderName);
  if (sender && sender->is(kFlagHandshake)) sender = nullptr;
  if (sender == myself_) {
    freeLink(link);  // a connection to ourselves (e.g. a stale address): drop it
    return;
  }
  if (sender && link->inbound && link->node != sender) {
    if (sender->inbound && sender->inbound != link) freeLink(sender->inbound);
    sender->inbound = link;
    link->node = sender;
  }
  const uint64_t senderCurrentEpoch = m.currentEpoch;
  const uint64_t senderConfigEpoch = m.configEpoch;
  const uint16_t senderFlags = m.flags;
  const int senderPort = m.port;
  const int senderCport = m.cport;
  std::string senderIp = m.ip;
  if (senderIp.empty()) {
    senderIp = link->inbound ? link->peerIp : (link->node ? link->node->ip : std::string());
  }
  if (sender) {
    sender->dataReceived = now;
    sender->pport = m.pport;
    if (senderCurrentEpoch > currentEpoch_) {
      currentEpoch_ = senderCurrentEpoch;
      todoSave();
    }
    if (senderConfigEpoch > sender->configEpoch) {
      sender->configEpoch = senderConfigEpoch;
      todoSave();
    }
    sender->replOffset = static_cast<int64_t>(m.offset);
    failover_->onHeader(sender, sender->replOffset, m.mflags);
  }

  if (type == MsgType::kPing || type == MsgType::kMeet) {
    // Our own address: from the socket a MEET arrived on (other nodes dial us at it).
    if ((type == MsgType::kMeet || myself_->ip.empty()) &&
        server_.settings().clusterAnnounceIp.empty() && !link->localIp.empty() &&
        myself_->ip != link->localIp) {
      myself_->ip = link->localIp;
      spdlog::info("IP address for this node updated to {}", myself_->ip);
      todoSave();
    }
    if (!sender && type == MsgType::kMeet) {
      startHandshake(senderIp, senderPort, senderCport, false);
      todoSave();
    }
    sendPing(link, MsgType::kPong);
  }

  if (type == MsgType::kPing || type == MsgType::kPong || type == MsgType::kMeet) {
    if (!link->inbound && link->node) {
      ClusterNode* n = link->node;
      if (n->is(kFlagHandshake)) {
        if (sender) {
          // Already known under its real id: the handshake node is redundant.
          forget(n, false);
          return;
        }
        if (lookup(senderName) != nullptr || senderName.size() != kNodeIdLen) {
          forget(n, false);
          return;
        }
        spdlog::info("Handshake with node {} completed", senderName);
        renameNode(n, senderName);
        n->flags = static_cast<uint16_t>((n->flags & ~kFlagHandshake) |
                                         (senderFlags & (kFlagMaster | kFlagReplica)));
        todoSave();
      } else if (n->name != senderName) {
        spdlog::info("Node {} at {}:{} answered with id {}: address removed", n->name, n->ip,
                     n->port, senderName);
        n->flags |= kFlagNoAddr;
        n->ip.clear();
        n->port = n->cport = 0;
        freeLink(link);
        todoSave();
        return;
      }
    }
    if (sender && type == MsgType::kPing &&
        (sender->ip != senderIp || sender->port != senderPort || sender->cport != senderCport) &&
        !senderIp.empty()) {
      spdlog::info("Address of node {} updated to {}:{}", sender->name, senderIp, senderPort);
      sender->ip = senderIp;
      sender->port = senderPort;
      sender->cport = senderCport;
      sender->flags = static_cast<uint16_t>(sender->flags & ~kFlagNoAddr);
      if (sender->link) freeLink(sender->link);
      todoSave();
    }
    if (!link->inbound && link->node && type == MsgType::kPong) {
      ClusterNode* n = link->node;
      n->pongReceived = now;
      n->pingSent = 0;
      if (n->is(kFlagPfail)) {
        n->flags = static_cast<uint16_t>(n->flags & ~kFlagPfail);
        updateState();
      } else if (n->is(kFlagFail)) {
        clearFailureIfNeeded(n);
      }
    }
    if (sender) {
      const std::string& replicaOf = m.replicaOf;
      if (replicaOf.empty()) {
        setNodeAsMaster(sender);
      } else {
        if (sender->isMaster()) {
          delNodeSlots(sender);
          sender->flags = static_cast<uint16_t>((sender->flags & ~kFlagMaster) | kFlagReplica);
          todoSave();
        }
        ClusterNode* m = lookup(replicaOf);
        if (m && sender->master != m) {
          setNodeMaster(sender, m);
          todoSave();
        }
      }
      if (sender->isMaster()) {
        const SlotBitmap claimed = SlotBitmap::fromWire(m.slots);
        if (claimed != sender->slots) {
          updateSlotsConfigWith(sender, senderConfigEpoch, claimed);
          // A stale claim: tell the sender who owns the slot now.
          for (int j = 0; j < kClusterSlots; ++j) {
            if (!claimed.test(j) || owner_[j] == sender || owner_[j] == nullptr) continue;
            if (owner_[j]->configEpoch > senderConfigEpoch) {
              sendUpdate(sender->link ? sender->link : link, owner_[j]);
              break;
            }
          }
          updateState();
        }
      }
      handleEpochCollision(sender);
      processGossip(sender, m.gossip, m.count);
    }
    return;
  }

  if (!sender) return;
  switch (type) {
    case MsgType::kFail: {
      ClusterNode* failing = lookup(m.failing);
      if (failing && !failing->is(kFlagFail | kFlagMyself)) {
        spdlog::info("FAIL message received from {} about {}", sender->name, failing->name);
        failing->flags = static_cast<uint16_t>((failing->flags & ~kFlagPfail) | kFlagFail);
        failing->failTime = now;
        updateState();
        todoSave();
      }
      break;
    }
    case MsgType::kUpdate: {
      const uint64_t epoch = m.updateEpoch;
      ClusterNode* n = lookup(m.updateNode);
      if (n == nullptr || n->configEpoch >= epoch) break;
      if (n->isReplica()) setNodeAsMaster(n);
      n->configEpoch = epoch;
      updateSlotsConfigWith(n, epoch, SlotBitmap::fromWire(m.updateSlots));
      updateState();
      todoSave();
      break;
    }
    // Failover (failover.h).
    case MsgType::kAuthRequest: {
      failover_->onAuthRequest(sender, senderCurrentEpoch, senderConfigEpoch,
                               SlotBitmap::fromWire(m.slots), m.mflags);
      break;
    }
    case MsgType::kAuthAck:
      failover_->onAuthAck(sender, senderCurrentEpoch);
      break;
    case MsgType::kMfStart:
      failover_->onMfStart(sender);
      break;
    case MsgType::kPublish:
    case MsgType::kPublishShard: {
      server_.publishLocal(m.channel, m.payload, type == MsgType::kPublishShard);
      break;
    }
    default:
      break;
  }
}

void Cluster::processGossip(ClusterNode* sender, const uint8_t* p, uint16_t count) {
  for (uint16_t i = 0; i < count; ++i, p += wire::kGossipSize) {
    const std::string name = wire::getStr(p, wire::kNameLen);
    const uint16_t flags = wire::get16(p + 98);
    ClusterNode* n = lookup(name);
    if (n) {
      if (sender->isMaster() && n != myself_) {
        if (flags & (kFlagFail | kFlagPfail)) {
          if (addFailureReport(n, sender)) {
            spdlog::debug("Node {} reported node {} as not reachable", sender->name, n->name);
          }
          markFailingIfNeeded(n);
        } else {
          removeFailureReport(n, sender);
        }
      }
      continue;
    }
    if (name.size() != kNodeIdLen || (flags & (kFlagNoAddr | kFlagHandshake)) ||
        blacklisted(name)) {
      continue;
    }
    const std::string ip = wire::getStr(p + 48, wire::kIpLen);
    if (!ip.empty()) startHandshake(ip, wire::get16(p + 94), wire::get16(p + 96), false);
  }
}

bool Cluster::startHandshake(const std::string& rawIp, int port, int cport, bool meet) {
  sockaddr_storage ss;
  socklen_t len = 0;
  if (port <= 0 || port > 65535 || cport <= 0 || cport > 65535 ||
      !makeSockaddr(rawIp, port, ss, len)) {
    return false;
  }
  const std::string ip = sockaddrIp(reinterpret_cast<sockaddr*>(&ss));  // normalized
  for (auto& [name, n] : nodes_) {
    if (n->is(kFlagHandshake) && n->ip == ip && n->port == port && n->cport == cport) return true;
  }
  ClusterNode* n = createNode(randomName(), kFlagHandshake | (meet ? kFlagMeet : 0));
  n->ip = ip;
  n->port = port;
  n->cport = cport;
  return true;
}

// ---- cron -------------------------------------------------------------------------------------

void Cluster::cron() {
  const int64_t now = nowMs();
  const int64_t timeout = std::max<int64_t>(server_.settings().clusterNodeTimeout, 1);
  // CONFIG SET of cluster-announce-(tls-|bus-)port: our own entry follows, as Redis's
  // clusterUpdateMyselfAnnouncedPorts (the bus headers read myPort() at every send).
  if (myself_->port != myPort() || myself_->cport != myBusPort()) {
    myself_->port = myPort();
    myself_->cport = myBusPort();
    todoSave();
  }
  myself_->pport = myPlaintextPort();
  links_.erase(std::remove_if(links_.begin(), links_.end(),
                              [](const std::unique_ptr<ClusterLink>& l) { return l->dead; }),
               links_.end());
  std::vector<ClusterNode*> all;
  all.reserve(nodes_.size());
  for (auto& [name, n] : nodes_) all.push_back(n.get());
  const int64_t handshakeTimeout = std::max<int64_t>(timeout, 1000);
  for (ClusterNode* n : all) {
    if (n != myself_ && n->is(kFlagHandshake) && now - n->ctime > handshakeTimeout) {
      forget(n, false);
    }
  }
  all.clear();
  for (auto& [name, n] : nodes_) all.push_back(n.get());
  const int64_t pingInterval = std::max<int64_t>(
      kMinPingIntervalMs, std::min<int64_t>(timeout / 2, static_cast<int64_t>(all.size()) * 100));
  for (ClusterNode* n : all) {
    if (n == myself_ || n->is(kFlagNoAddr)) continue;
    if (n->link == nullptr) connectNode(n);
    if (n->is(kFlagHandshake)) continue;
    if (n->link && n->pingSent == 0 && now - n->pongReceived >= pingInterval) {
      sendPing(n->link, MsgType::kPing);
    }
    if (n->link && now - n->link->ctime > timeout && n->pingSent &&
        now - n->pingSent > timeout / 2 && now - n->dataReceived > timeout / 2) {
      freeLink(n->link);  // reconnect at the next tick
    }
    const int64_t delay = n->pingSent ? std::min(now - n->pingSent, now - n->dataReceived) : 0;
    if (n->pingSent && delay > timeout && !n->is(kFlagPfail | kFlagFail)) {
      spdlog::info("*** NODE {} possibly failing", n->name);
      n->flags |= kFlagPfail;
      updateState();
    }
    if (n->is(kFlagPfail)) markFailingIfNeeded(n);
  }
  failover_->cron();
  followMaster();
  updateState();
  if (todoSave_) saveNow();
}

}  // namespace strata::node
