// Pub/sub, the server side (Redis 7.0's pubsub.c): the channel, pattern and shard-channel
// registries, message delivery, the RESP2 subscriber-context gate and, in cluster mode, dropping
// the shard channels of a slot this node stops serving. The commands are in commands/pubsub.cpp.
//
// Fan-out: a message is encoded once (the "$len channel $len message" tail shared by message,
// pmessage and smessage), then each receiver gets a constant header for its protocol (RESP2 `*`,
// RESP3 `>`; one pattern header per matching pattern) plus the tail, appended straight to its
// output buffer: no per-subscriber encoding, no allocation beyond the buffers' own growth.
// Event-loop thread only.
#include <algorithm>

#include "common/config/glob.h"
#include "common/slots/key_slot.h"
#include "node/commands/handlers.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

void appendBulk(std::string& out, std::string_view s) {
  out += '$';
  out += std::to_string(s.size());
  out += "\r\n";
  out.append(s.data(), s.size());
  out += "\r\n";
}

void removeClient(std::vector<Client*>& list, Client* c) {
  auto it = std::find(list.begin(), list.end(), c);
  if (it != list.end()) list.erase(it);
}

void dropFrom(StringMap<std::vector<Client*>>& map, std::string_view name, Client* c) {
  auto it = map.find(name);
  if (it == map.end()) return;
  removeClient(it->second, c);
  if (it->second.empty()) map.erase(it);
}

}  // namespace

size_t Server::publishLocal(std::string_view channel, std::string_view message, bool sharded) {
  auto& byChannel = sharded ? txps_.shardChannels : txps_.channels;
  auto it = byChannel.find(channel);
  const bool patterns = !sharded && !txps_.patterns.empty();
  if (it == byChannel.end() && !patterns) return 0;

  std::string tail;  // "$len\r\nchannel\r\n$len\r\nmessage\r\n", shared by every receiver
  tail.reserve(channel.size() + message.size() + 32);
  appendBulk(tail, channel);
  appendBulk(tail, message);
  std::vector<Client*>& delivered = txps_.deliveredScratch;
  delivered.clear();
  size_t receivers = 0;
  // `header` is the RESP2 form; RESP3 receivers get the same bytes with '>' for '*'.
  auto deliver = [&](Client* c, std::string_view header) {
    ++receivers;
    if (c->closed()) return;
    std::string& out = c->out();
    c->session.beginPush(out);
    out += c->protocol() == resp::Protocol::kResp3 ? '>' : '*';
    out.append(header.data() + 1, header.size() - 1);
    out += tail;
    c->session.endPush(out.size());
    wantFlush(*c);
    delivered.push_back(c);
  };
  if (it != byChannel.end()) {
    const std::string_view header =
        sharded ? std::string_view("*3\r\n$8\r\nsmessage\r\n") : "*3\r\n$7\r\nmessage\r\n";
    for (Client* c : it->second) deliver(c, header);
  }
  if (patterns) {
    std::string header;
    for (const auto& [pattern, clients] : txps_.patterns) {
      if (!config::globMatch(pattern, channel)) continue;
      header.assign("*4\r\n$8\r\npmessage\r\n");
      appendBulk(header, pattern);
      for (Client* c : clients) deliver(c, header);
    }
  }
  // Output limits last: closing a client unsubscribes it, which edits the lists walked above.
  for (Client* c : delivered) c->checkOutputLimits(nowCachedMs_);
  delivered.clear();
  return receivers;
}

bool inPubsubContext(const Client& client) {
  return client.session.pubsub && client.protocol() == resp::Protocol::kResp2;
}

bool Server::pubsubGate(Client& client, const CommandDef& def) {
  if (!inPubsubContext(client)) return true;
  const Handler h = def.handler;
  if (h == &cmd::ping || h == &cmd::subscribe || h == &cmd::ssubscribe || h == &cmd::unsubscribe ||
      h == &cmd::sunsubscribe || h == &cmd::psubscribe || h == &cmd::punsubscribe ||
      h == &cmd::quit || h == &cmd::reset) {
    return true;
  }
  client.writer().error("ERR Can't execute '" + std::string(def.name) +
                        "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                        "allowed in this context");
  return false;
}

bool subscribe(Server& server, Client& client, std::string_view name, PubsubKind kind) {
  ClientSession& s = client.session;
  TxPubSub& tx = server.txps();
  if (kind == PubsubKind::kPattern) {
    if (std::find(s.patterns.begin(), s.patterns.end(), name) != s.patterns.end()) return false;
    s.patterns.emplace_back(name);
    auto it = tx.patterns.find(name);
    if (it == tx.patterns.end())
      it = tx.patterns.emplace(std::string(name), std::vector<Client*>{}).first;
    it->second.push_back(&client);
    return true;
  }
  StringSet& mine = kind == PubsubKind::kShard ? s.shardChannels : s.channels;
  if (!mine.emplace(name).second) return false;
  auto& map = kind == PubsubKind::kShard ? tx.shardChannels : tx.channels;
  auto it = map.find(name);
  if (it == map.end()) it = map.emplace(std::string(name), std::vector<Client*>{}).first;
  it->second.push_back(&client);
  return true;
}

bool unsubscribe(Server& server, Client& client, std::string_view name, PubsubKind kind) {
  ClientSession& s = client.session;
  TxPubSub& tx = server.txps();
  if (kind == PubsubKind::kPattern) {
    auto it = std::find(s.patterns.begin(), s.patterns.end(), name);
    if (it == s.patterns.end()) return false;
    s.patterns.erase(it);
    dropFrom(tx.patterns, name, &client);
    return true;
  }
  StringSet& mine = kind == PubsubKind::kShard ? s.shardChannels : s.channels;
  auto it = mine.find(name);
  if (it == mine.end()) return false;
  dropFrom(kind == PubsubKind::kShard ? tx.shardChannels : tx.channels, name, &client);
  mine.erase(it);
  return true;
}

void unsubscribeAll(Server& server, Client& client) {
  ClientSession& s = client.session;
  TxPubSub& tx = server.txps();
  for (const auto& ch : s.channels) dropFrom(tx.channels, ch, &client);
  for (const auto& ch : s.shardChannels) dropFrom(tx.shardChannels, ch, &client);
  for (const auto& p : s.patterns) dropFrom(tx.patterns, p, &client);
  s.channels.clear();
  s.shardChannels.clear();
  s.patterns.clear();
  s.pubsub = false;
}

void unsubscribeShardSlot(Server& server, uint16_t slot) {
  auto& registry = server.txps().shardChannels;
  if (registry.empty()) return;
  std::vector<std::string> names;
  for (const auto& [name, clients] : registry) {
    if (slots::keySlot(name) == slot) names.push_back(name);
  }
  std::sort(names.begin(), names.end());  // Redis walks its slot->channel rax in byte order
  for (const std::string& name : names) {
    auto it = registry.find(name);
    if (it == registry.end()) continue;
    const std::vector<Client*> clients = it->second;  // unsubscribe() edits the registry
    for (Client* c : clients) {
      unsubscribe(server, *c, name, PubsubKind::kShard);
      ClientSession& s = c->session;
      if (!c->closed()) {
        std::string& out = c->out();
        s.beginPush(out);
        out += c->protocol() == resp::Protocol::kResp3 ? '>' : '*';
        out += "3\r\n$12\r\nsunsubscribe\r\n";
        appendBulk(out, name);
        out += ':';
        out += std::to_string(s.shardChannels.size());
        out += "\r\n";
        s.endPush(out.size());
        server.wantFlush(*c);
      }
      if (s.subscriptionCount() + s.shardChannels.size() == 0) s.pubsub = false;
    }
  }
}

}  // namespace strata::node
