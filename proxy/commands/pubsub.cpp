// Pub/Sub through the proxy. SUBSCRIBE / PSUBSCRIBE go to one leased connection to any master
// (Redis Cluster broadcasts PUBLISH to every node); SSUBSCRIBE channels go to their slot's
// master, one leased connection per node; keyspace notification channels and patterns are heard
// on every master too (keyspace_events.cpp). Every frame from those connections reaches
// onPubSubFrame: confirmations complete the client's (S|P)(UN)SUBSCRIBE request (one frame per
// channel), messages are queued to the client in order after its pending replies.
//
// Subscriptions survive failover and resharding: when a subscriber connection dies, or a node
// drops a shard channel because its slot moved (a server-initiated `sunsubscribe`), the proxy
// subscribes again on the current owner and swallows the confirmations, so the client sees no
// change in its subscription. The connections speak the client's protocol (RESP3 pushes pass
// through unchanged).
#include <strings.h>

#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "common/net/callback.h"
#include "common/resp/reply_parser.h"
#include "common/slots/key_slot.h"
#include "proxy/backend_conn.h"
#include "proxy/client_conn.h"
#include "proxy/worker.h"

namespace strata::proxy {

namespace {

bool isSubscriptionCommand(std::string_view name) {
  return name == "subscribe" || name == "psubscribe" || name == "ssubscribe" ||
         name == "unsubscribe" || name == "punsubscribe" || name == "sunsubscribe";
}

}  // namespace

BackendConn* ClientConn::leaseSubscriber(const Address* node) {
  bool resp3 = protocol_ == resp::Protocol::kResp3;
  BackendConn* conn = nullptr;
  if (node) {
    conn = worker_.backends().lease(*node, resp3);
  } else {
    for (const auto& shard : worker_.slotMap().shards()) {
      conn = worker_.backends().lease(shard.master, resp3);  // a down node: nullptr at once
      if (conn) break;
    }
  }
  if (!conn) return nullptr;
  conn->setPushHandler(
      [this, conn](const char* data, size_t len) { onPubSubFrame(conn, data, len); });
  conn->setCloseHandler([this, conn](std::string_view) { onPubSubLost(conn); });
  return conn;
}

void ClientConn::expectFrames(Request* r, BackendConn* conn, int frames,
                              std::vector<std::string> shardChannels) {
  r->pinned = true;
  r->pendingChildren += frames;
  subWaiters_[conn].push_back(SubWaiter{r, frames, std::move(shardChannels)});
}

void ClientConn::replyUnsubscribed(Request* r, std::string_view kind, const Args& args) {
  auto w = writer(r);
  auto frame = [&](std::string_view channel, bool nil) {
    if (protocol_ == resp::Protocol::kResp3) {
      w.pushHeader(3);
    } else {
      w.arrayHeader(3);
    }
    w.bulk(kind);
    if (nil) {
      w.null();
    } else {
      w.bulk(channel);
    }
    w.integer(static_cast<int64_t>(subscriptionCount()));
  };
  if (args.size() <= 1) {
    frame({}, true);
  } else {
    for (size_t i = 1; i < args.size(); ++i) frame(args[i], false);
  }
  replyLocal(r);
}

bool ClientConn::handlePubSub(Request* r, const Args& args, std::string_view name) {
  bool subscription = isSubscriptionCommand(name);
  if (!subscription) {
    if (isSubscribed() && protocol_ == resp::Protocol::kResp2) {
      replyError(r, "ERR Can't execute '" + std::string(name) +
                        "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                        "allowed in this context");
      return true;
    }
    return false;
  }
  if (inMulti_) return false;  // queued like any command; the node answers at EXEC
  const bool subscribe = name == "subscribe" || name == "psubscribe" || name == "ssubscribe";
  if (subscribe && args.size() < 2) {
    replyError(r, "ERR wrong number of arguments for '" + std::string(name) + "' command");
    return true;
  }
  // As redis-server 7.0: CLIENT REPLY OFF/SKIP does not silence (un)subscribe confirmations.
  r->silent = false;

  if (name == "subscribe" || name == "psubscribe") {
    if (!subConn_) subConn_ = leaseSubscriber(nullptr);
    if (!subConn_) {
      const bool noMaster = worker_.slotMap().shards().empty();
      return replyError(r, noMaster ? errors::kClusterDown : worker_.backends().leaseFailure()),
             true;
    }
    auto& set = name == "subscribe" ? channels_ : patterns_;
    for (size_t i = 1; i < args.size(); ++i) set.emplace(args[i]);
    expectFrames(r, subConn_, static_cast<int>(args.size() - 1));
    subConn_->sendRaw(r->cmd);
    nodeLocalSubscribe(name, args);  // keyspace notifications: every master
    return true;
  }
  if (name == "unsubscribe" || name == "punsubscribe") {
    auto& set = name == "unsubscribe" ? channels_ : patterns_;
    size_t frames = args.size() > 1 ? args.size() - 1 : std::max<size_t>(1, set.size());
    std::vector<std::string> removed(args.begin() + 1, args.end());
    if (args.size() == 1) removed.assign(set.begin(), set.end());
    if (args.size() > 1) {
      for (size_t i = 1; i < args.size(); ++i) set.erase(std::string(args[i]));
    } else {
      set.clear();
    }
    nodeLocalUnsubscribe(name, removed);
    if (!subConn_) {
      replyUnsubscribed(r, name, args);
      return true;
    }
    expectFrames(r, subConn_, static_cast<int>(frames));
    subConn_->sendRaw(r->cmd);
    return true;
  }

  // Shard channels.
  int slot = -1;
  for (size_t i = 1; i < args.size(); ++i) {
    int s = slots::keySlot(args[i]);
    if (slot != -1 && s != slot) return replyError(r, errors::kCrossSlot), true;
    slot = s;
  }
  if (name == "ssubscribe") {
    const Address* owner = worker_.slotMap().masterFor(static_cast<uint16_t>(slot));
    if (!owner) return replyError(r, errors::kClusterDownUnbound), true;
    BackendConn*& conn = shardSubConns_[*owner];
    if (!conn) conn = leaseSubscriber(owner);
    if (!conn) {
      shardSubConns_.erase(*owner);
      return replyError(r, worker_.backends().leaseFailure()), true;
    }
    for (size_t i = 1; i < args.size(); ++i) shardChannelNode_[std::string(args[i])] = *owner;
    expectFrames(r, conn, static_cast<int>(args.size() - 1),
                 std::vector<std::string>(args.begin() + 1, args.end()));
    conn->sendRaw(r->cmd);
    return true;
  }
  // SUNSUBSCRIBE
  if (args.size() > 1) {
    auto it = shardChannelNode_.find(std::string(args[1]));
    BackendConn* conn = nullptr;
    if (it != shardChannelNode_.end()) {
      auto c = shardSubConns_.find(it->second);
      if (c != shardSubConns_.end()) conn = c->second;
    }
    for (size_t i = 1; i < args.size(); ++i) {
      shardChannelNode_.erase(std::string(args[i]));
      resubscribeShard_.erase(std::string(args[i]));
    }
    if (!conn) {
      replyUnsubscribed(r, "sunsubscribe", args);
      return true;
    }
    expectFrames(r, conn, static_cast<int>(args.size() - 1));
    conn->sendRaw(r->cmd);
    return true;
  }
  std::map<Address, int> perNode;
  for (const auto& [channel, node] : shardChannelNode_) ++perNode[node];
  shardChannelNode_.clear();
  resubscribeShard_.clear();
  int sent = 0;
  ++r->pendingChildren;  // guard while registering
  for (const auto& [node, count] : perNode) {
    auto c = shardSubConns_.find(node);
    if (c == shardSubConns_.end()) continue;
    expectFrames(r, c->second, count);
    c->second->sendRaw(r->cmd);
    ++sent;
  }
  --r->pendingChildren;
  if (sent == 0) {
    r->pinned = false;
    replyUnsubscribed(r, "sunsubscribe", args);
  }
  return true;
}

void ClientConn::onPubSubFrame(BackendConn* conn, const char* data, size_t len) {
  if (closed_) return;
  resp::ReplyParser parser;
  resp::Value v;
  if (parser.parse(data, len, v) != resp::ParseStatus::kOk) return;
  if (v.isError()) return onSubscribeRefused(conn, data, len);
  if (v.elements.empty()) return;
  std::string kind = config::toLower(v.elements[0].str);
  if (kind == "message" || kind == "pmessage" || kind == "smessage") {
    if (duplicateOfNodeLocal(conn, v)) return;  // its master's own connection delivers it
    Request* m = newRequest({}, {});
    enqueue(m);
    m->reply.assign(data, len);
    worker_.complete(m);
    return;
  }
  if (kind == "pong") return;
  auto& swallow = swallow_[conn];
  if (swallow > 0) {
    --swallow;
    return;
  }
  auto& waiters = subWaiters_[conn];
  if (kind == "sunsubscribe" && waiters.empty() && v.elements.size() >= 2) {
    // The node gave up the channel's slot (resharding or failover): follow it.
    std::string channel = v.elements[1].str;
    if (shardChannelNode_.erase(channel)) {
      resubscribeShard_.insert(channel);
      worker_.shared().requestTopologyRefresh();
      armResubscribe();
    }
    return;
  }
  if (waiters.empty()) return;
  SubWaiter& w = waiters.front();
  Request* r = w.request;
  if (--w.frames == 0) waiters.pop_front();
  if (!r) return;  // the confirmation of a resubscription
  r->reply.append(data, len);
  if (--r->pendingChildren == 0) {
    r->pinned = false;
    worker_.complete(r);
  }
}

// A node refused a subscription command: -MOVED when the proxy's slot map is stale (a slot moved
// and no refresh has happened yet). SSUBSCRIBE follows the redirect at once, so the client's
// confirmation comes from the real owner; failing that, the channels are subscribed again once
// the map is fresh and the client's SSUBSCRIBE is confirmed now. Either way it sees no redirect.
void ClientConn::onSubscribeRefused(BackendConn* conn, const char* data, size_t len) {
  auto& waiters = subWaiters_[conn];
  if (waiters.empty()) return;
  SubWaiter w = std::move(waiters.front());
  waiters.pop_front();
  Request* r = w.request;
  if (!w.shardChannels.empty()) {
    worker_.shared().requestTopologyRefresh();
    std::string_view text(data + 1, len > 3 ? len - 3 : 0);
    size_t space = text.rfind(' ');
    Address to;
    if (text.starts_with("MOVED ") && space != std::string_view::npos &&
        Address::parse(text.substr(space + 1), to) && w.redirects++ < 5) {
      BackendConn*& next = shardSubConns_[to];
      if (!next) next = leaseSubscriber(&to);
      if (next) {
        std::vector<std::string_view> args{"SSUBSCRIBE"};
        for (const auto& channel : w.shardChannels) {
          args.emplace_back(channel);
          shardChannelNode_[channel] = to;
        }
        std::string bytes;
        resp::Writer(bytes, resp::Protocol::kResp2).command(args);
        next->sendRaw(bytes);
        subWaiters_[next].push_back(std::move(w));
        return;
      }
      shardSubConns_.erase(to);
    }
    for (const auto& channel : w.shardChannels) {
      shardChannelNode_.erase(channel);
      resubscribeShard_.insert(channel);
    }
    armResubscribe();
    if (!r) return;
    auto out = writer(r);
    for (const auto& channel : w.shardChannels) {
      if (protocol_ == resp::Protocol::kResp3) {
        out.pushHeader(3);
      } else {
        out.arrayHeader(3);
      }
      out.bulk("ssubscribe");
      out.bulk(channel);
      out.integer(static_cast<int64_t>(subscriptionCount()));
    }
  } else if (r) {
    r->reply.append(data, len);  // not a shard channel command: the client sees the error
  }
  if (r && (r->pendingChildren -= w.frames) == 0) {
    r->pinned = false;
    worker_.complete(r);
  }
}

void ClientConn::onPubSubLost(BackendConn* conn) {
  // Requests still waiting for confirmations from this connection: answer what we have.
  auto it = subWaiters_.find(conn);
  if (it != subWaiters_.end()) {
    auto waiters = std::move(it->second);
    subWaiters_.erase(it);
    for (auto& w : waiters) {
      Request* r = w.request;
      if (!r) continue;
      r->pendingChildren -= w.frames;
      if (r->pendingChildren == 0) {
        if (r->reply.empty()) r->reply = "-ERR proxy: lost the pub/sub connection\r\n";
        r->pinned = false;
        worker_.complete(r);
      }
    }
  }
  swallow_.erase(conn);
  if (conn == subConn_) {
    subConn_ = nullptr;
    if (!channels_.empty() || !patterns_.empty()) resubscribeGlobal_ = true;
  }
  for (auto s = shardSubConns_.begin(); s != shardSubConns_.end();) {
    if (s->second != conn) {
      ++s;
      continue;
    }
    for (auto c = shardChannelNode_.begin(); c != shardChannelNode_.end();) {
      if (c->second == s->first) {
        resubscribeShard_.insert(c->first);
        c = shardChannelNode_.erase(c);
      } else {
        ++c;
      }
    }
    s = shardSubConns_.erase(s);
  }
  worker_.backends().release(conn, false);
  if (!closed_) {
    worker_.shared().requestTopologyRefresh();
    armResubscribe();
  }
}

void ClientConn::armResubscribe() {
  if (!resubscribeTimer_) {
    resubscribeTimer_.reset(
        event_new(worker_.base(), -1, 0, net::callback<&ClientConn::onResubscribeTimer>, this));
  }
  if (!evtimer_pending(resubscribeTimer_.get(), nullptr)) {
    timeval tv{0, 100 * 1000};
    evtimer_add(resubscribeTimer_.get(), &tv);
  }
}

void ClientConn::onResubscribeTimer(evutil_socket_t, short) {
  if (closed_) return;
  resp::Protocol proto = resp::Protocol::kResp2;
  if (resubscribeGlobal_ && (!channels_.empty() || !patterns_.empty())) {
    BackendConn* conn = leaseSubscriber(nullptr);
    if (conn) {
      subConn_ = conn;
      resubscribeGlobal_ = false;
      int frames = 0;
      for (auto [set, cmd] :
           {std::pair{&channels_, "SUBSCRIBE"}, std::pair{&patterns_, "PSUBSCRIBE"}}) {
        if (set->empty()) continue;
        std::vector<std::string_view> args{cmd};
        for (const auto& c : *set) args.emplace_back(c);
        std::string bytes;
        resp::Writer(bytes, proto).command(args);
        conn->sendRaw(bytes);
        frames += static_cast<int>(set->size());
      }
      swallow_[conn] += frames;
    }
  } else if (channels_.empty() && patterns_.empty()) {
    resubscribeGlobal_ = false;
  }
  for (auto it = resubscribeShard_.begin(); it != resubscribeShard_.end();) {
    const Address* owner = worker_.slotMap().masterFor(slots::keySlot(*it));
    if (!owner || worker_.backends().isDown(*owner)) {
      ++it;
      continue;
    }
    BackendConn*& conn = shardSubConns_[*owner];
    if (!conn) conn = leaseSubscriber(owner);
    if (!conn) {
      shardSubConns_.erase(*owner);
      ++it;
      continue;
    }
    std::string bytes;
    resp::Writer(bytes, proto).command({"SSUBSCRIBE", *it});
    conn->sendRaw(bytes);
    subWaiters_[conn].push_back(SubWaiter{nullptr, 1, {*it}});
    shardChannelNode_[*it] = *owner;
    it = resubscribeShard_.erase(it);
  }
  if (resubscribeGlobal_ || !resubscribeShard_.empty()) {
    worker_.shared().requestTopologyRefresh();
    armResubscribe();
  }
  onMastersChanged();  // node-local subscriptions on a master that was missing (re-arms itself)
}

void ClientConn::dropPubSub() {
  std::vector<BackendConn*> conns;
  if (subConn_) conns.push_back(subConn_);
  for (auto& [node, c] : shardSubConns_) conns.push_back(c);
  subConn_ = nullptr;
  shardSubConns_.clear();
  for (BackendConn* c : conns) worker_.backends().release(c, false);
  releaseNodeLocal();
  // Requests waiting for confirmations are answered by the close path of their connections.
  for (auto& [conn, waiters] : subWaiters_) {
    for (auto& w : waiters) {
      if (!w.request) continue;
      w.request->pendingChildren -= w.frames;
      if (w.request->pendingChildren == 0 && !closed_) {
        w.request->pinned = false;
        worker_.complete(w.request);
      }
    }
  }
  subWaiters_.clear();
  swallow_.clear();
  channels_.clear();
  patterns_.clear();
  shardChannelNode_.clear();
  resubscribeShard_.clear();
  resubscribeGlobal_ = false;
  if (resubscribeTimer_) evtimer_del(resubscribeTimer_.get());
}

}  // namespace strata::proxy
