// Keyspace notifications through the proxy. A node publishes __keyspace@<db>__:<key> and
// __keyevent@<db>__:<event> to its own subscribers only (Redis Cluster broadcasts PUBLISH, not
// these), so a client subscribed through one master would hear a third of the events. Channels
// and patterns of those names ("node-local") are therefore also subscribed on a leased
// connection to every master (localSubConns_), and the messages of those connections reach the
// client. subConn_ still carries the client's whole (P)SUBSCRIBE, for its confirmations and
// counts, but drops its copies of node-local messages when its master has a local connection
// too, or when its node is no longer a master (a replica repeats its master's notifications). When
// the masters change (failover, a master added or removed), syncNodeLocal follows them: a
// connection to a node that is no longer a master would repeat its new master's events. Worker
// thread only; nothing here runs for clients without node-local subscriptions.
#include <algorithm>

#include "common/resp/reply_parser.h"
#include "common/resp/writer.h"
#include "proxy/backend_conn.h"
#include "proxy/client_conn.h"
#include "proxy/slot_map.h"
#include "proxy/worker.h"

namespace strata::proxy {

bool isNodeLocalChannel(std::string_view channel) {
  return channel.starts_with("__keyspace@") || channel.starts_with("__keyevent@");
}

// "__key*__:*" (the documented form), "__keyevent@0__:*", ...: a pattern whose literal start is
// "__key" matches notification channels only (a "*" would match broadcast channels too).
bool isNodeLocalPattern(std::string_view pattern) {
  return pattern.starts_with("__key");
}

namespace {

bool isMaster(const SlotMap& map, const Address& a) {
  const auto& shards = map.shards();
  return std::any_of(shards.begin(), shards.end(), [&](const Shard& s) { return s.master == a; });
}

}  // namespace

bool ClientConn::hasNodeLocalSubscriptions() const {
  for (const auto& c : channels_) {
    if (isNodeLocalChannel(c)) return true;
  }
  for (const auto& p : patterns_) {
    if (isNodeLocalPattern(p)) return true;
  }
  return false;
}

void ClientConn::sendNodeLocal(BackendConn* conn, std::string_view verb,
                               const std::vector<std::string_view>& names) {
  if (names.empty()) return;
  std::vector<std::string_view> args{verb};
  args.insert(args.end(), names.begin(), names.end());
  std::string bytes;
  resp::Writer(bytes, resp::Protocol::kResp2).command(args);
  conn->sendRaw(bytes);
}

void ClientConn::syncNodeLocal() {
  std::vector<std::string_view> channels, patterns;
  for (const auto& c : channels_) {
    if (isNodeLocalChannel(c)) channels.emplace_back(c);
  }
  for (const auto& p : patterns_) {
    if (isNodeLocalPattern(p)) patterns.emplace_back(p);
  }
  const SlotMap& map = worker_.slotMap();
  const auto& shards = map.shards();
  const bool wanted = !channels.empty() || !patterns.empty();
  for (auto it = localSubConns_.begin(); it != localSubConns_.end();) {
    if (wanted && isMaster(map, it->first)) {
      ++it;
      continue;
    }
    BackendConn* conn = it->second;
    it = localSubConns_.erase(it);
    worker_.backends().release(conn, false);  // no longer a master, or nothing to hear
  }
  if (!wanted) return;
  bool missing = false;
  for (const Shard& shard : shards) {
    if (localSubConns_.count(shard.master) != 0) continue;
    BackendConn* conn =
        worker_.backends().isDown(shard.master)
            ? nullptr
            : worker_.backends().lease(shard.master, protocol_ == resp::Protocol::kResp3);
    if (conn == nullptr) {
      missing = true;
      continue;
    }
    conn->setPushHandler(
        [this, conn](const char* data, size_t len) { onNodeLocalFrame(conn, data, len); });
    conn->setCloseHandler([this, conn](std::string_view) { onNodeLocalLost(conn); });
    localSubConns_[shard.master] = conn;
    sendNodeLocal(conn, "SUBSCRIBE", channels);
    sendNodeLocal(conn, "PSUBSCRIBE", patterns);
  }
  if (missing) armResubscribe();  // a master down or unreachable now: tried again
}

void ClientConn::nodeLocalSubscribe(std::string_view verb, const Args& args) {
  const bool pattern = verb == "psubscribe";
  std::vector<std::string_view> names;
  for (size_t i = 1; i < args.size(); ++i) {
    if (pattern ? isNodeLocalPattern(args[i]) : isNodeLocalChannel(args[i])) {
      names.push_back(args[i]);
    }
  }
  if (names.empty()) return;
  // The connections there already hear the new names; syncNodeLocal opens the missing ones
  // with every node-local name.
  for (auto& [node, conn] : localSubConns_) {
    sendNodeLocal(conn, pattern ? "PSUBSCRIBE" : "SUBSCRIBE", names);
  }
  syncNodeLocal();
}

void ClientConn::nodeLocalUnsubscribe(std::string_view verb,
                                      const std::vector<std::string>& removed) {
  const bool pattern = verb == "punsubscribe";
  std::vector<std::string_view> names;
  for (const auto& n : removed) {
    if (pattern ? isNodeLocalPattern(n) : isNodeLocalChannel(n)) names.emplace_back(n);
  }
  if (names.empty()) return;
  for (auto& [node, conn] : localSubConns_) {
    sendNodeLocal(conn, pattern ? "PUNSUBSCRIBE" : "UNSUBSCRIBE", names);
  }
  syncNodeLocal();  // releases the connections once nothing node-local is left
}

void ClientConn::onNodeLocalFrame(BackendConn*, const char* data, size_t len) {
  if (closed_) return;
  resp::ReplyParser parser;
  resp::Value v;
  if (parser.parse(data, len, v) != resp::ParseStatus::kOk || v.elements.empty()) return;
  const std::string& kind = v.elements[0].str;
  if (kind != "message" && kind != "pmessage") return;  // the confirmations are subConn_'s
  Request* m = newRequest({}, {});
  enqueue(m);
  m->reply.assign(data, len);
  worker_.complete(m);
}

void ClientConn::onNodeLocalLost(BackendConn* conn) {
  for (auto it = localSubConns_.begin(); it != localSubConns_.end(); ++it) {
    if (it->second != conn) continue;
    localSubConns_.erase(it);
    break;
  }
  worker_.backends().release(conn, false);
  if (!closed_) {
    worker_.shared().requestTopologyRefresh();
    armResubscribe();
  }
}

bool ClientConn::duplicateOfNodeLocal(BackendConn* conn, const resp::Value& message) const {
  if (conn != subConn_ || localSubConns_.empty() || message.elements.size() < 3) return false;
  const bool pattern = message.elements[0].str == "pmessage";
  const std::string& name = message.elements[1].str;  // the pattern, or the channel
  if (!(pattern ? isNodeLocalPattern(name) : isNodeLocalChannel(name))) return false;
  // Its node's own local connection delivers it; or its node is no longer a master (a manual
  // failover leaves it up as a replica), and a replica repeats the notifications of the writes
  // it applies, which its new master's local connection delivers already.
  return localSubConns_.count(conn->address()) != 0 ||
         !isMaster(worker_.slotMap(), conn->address());
}

void ClientConn::releaseNodeLocal() {
  for (auto& [node, conn] : localSubConns_) worker_.backends().release(conn, false);
  localSubConns_.clear();
}

}  // namespace strata::proxy
