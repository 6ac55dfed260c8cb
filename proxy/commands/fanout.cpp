// Commands sent to every master and merged: DBSIZE, KEYS, FLUSHALL/FLUSHDB, RANDOMKEY,
// SCRIPT LOAD/FLUSH/EXISTS/KILL, FUNCTION LOAD/DELETE/FLUSH/RESTORE/KILL, PUBSUB
// CHANNELS/NUMSUB/NUMPAT/SHARDCHANNELS/SHARDNUMSUB (aggregators.h); to every node, replicas
// too: CONFIG SET/RESETSTAT/REWRITE; SCAN
// with a composite cursor, and INFO with the proxy's own section. The merged reply of KEYS is
// bounded by max-fanout-reply-bytes.
//
// SCAN cursor = node cursor * 1024 + shard index (shards sorted by address, so the index is
// stable while the topology is): a scan walks shard 0 to the end, then shard 1, and so on.
#include <charconv>
#include <cstdlib>

#include "common/errors.h"
#include "proxy/client_conn.h"
#include "proxy/commands/aggregators.h"
#include "proxy/worker.h"

namespace strata::proxy {

namespace {
constexpr uint64_t kScanShardSlots = 1024;

void finishIfReady(Worker& worker, Request* r) {
  if (--r->pendingChildren == 0) worker.finishParent(r);
}

void aggregateScan(Request& parent) {
  const Request* child = parent.children.empty() ? nullptr : parent.children.front();
  if (!child) return;
  if (child->reply.empty() || child->reply[0] == '-') {
    parent.reply = child->reply;
    return;
  }
  std::vector<std::string_view> parts;
  if (!arrayElements(child->reply, parts) || parts.size() != 2) {
    parent.reply = "-ERR proxy: unexpected SCAN reply\r\n";
    return;
  }
  // parts[0] = "$N\r\n<cursor>\r\n"
  std::string_view c = parts[0];
  size_t eol = c.find("\r\n");
  std::string_view digits = c.substr(eol + 2, c.size() - eol - 4);
  uint64_t nodeCursor = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), nodeCursor);
  uint64_t shard = static_cast<uint64_t>(parent.tag & 0xffff);
  uint64_t shards = static_cast<uint64_t>(parent.tag >> 16);
  uint64_t next = 0;
  if (nodeCursor != 0) {
    next = nodeCursor * kScanShardSlots + shard;
  } else if (shard + 1 < shards) {
    next = shard + 1;
  }
  std::string cursor = std::to_string(next);
  parent.reply.clear();
  parent.reply.append("*2\r\n$");
  parent.reply.append(std::to_string(cursor.size()));
  parent.reply.append("\r\n");
  parent.reply.append(cursor);
  parent.reply.append("\r\n");
  parent.reply.append(parts[1]);
}

}  // namespace

void ClientConn::fanOut(Request* r, const Args& args, Aggregator aggregate, FanOutTo to) {
  const auto& shards = worker_.slotMap().shards();
  if (shards.empty()) {
    worker_.fail(r, errors::kClusterDown);
    return;
  }
  r->aggregate = aggregate;
  for (size_t i = 0; i < shards.size(); ++i) {
    Request* child = addChild(r, -1, args);
    child->shardIndex = static_cast<int>(i);
    child->exclusive = to == FanOutTo::kMastersDedicated;
    if (to != FanOutTo::kEveryNode) continue;
    for (size_t j = 0; j < shards[i].replicas.size(); ++j) {
      Request* replicaChild = addChild(r, -1, args);
      replicaChild->shardIndex = static_cast<int>(i);
      replicaChild->replicaIndex = static_cast<int>(j);
    }
  }
  std::vector<Request*> children = r->children;
  ++r->pendingChildren;
  for (Request* c : children) worker_.route(c);
  finishIfReady(worker_, r);
}

void ClientConn::cmdScan(Request* r, const Args& args) {
  if (args.size() < 2 || args.size() % 2 != 0) {
    replyError(
        r, args.size() < 2 ? "ERR wrong number of arguments for 'scan' command" : errors::kSyntax);
    return;
  }
  uint64_t cursor = 0;
  auto [end, ec] = std::from_chars(args[1].data(), args[1].data() + args[1].size(), cursor);
  if (ec != std::errc() || end != args[1].data() + args[1].size()) {
    replyError(r, "ERR invalid cursor");
    return;
  }
  const auto& shards = worker_.slotMap().shards();
  if (shards.empty()) {
    worker_.fail(r, errors::kClusterDown);
    return;
  }
  uint64_t shard = cursor % kScanShardSlots;
  uint64_t nodeCursor = cursor / kScanShardSlots;
  if (shard >= shards.size()) {
    // The topology shrank under the scan: it is over.
    writer(r).arrayHeader(2);
    writer(r).bulk("0");
    writer(r).arrayHeader(0);
    replyLocal(r);
    return;
  }
  std::string nodeCursorText = std::to_string(nodeCursor);
  Args childArgs(args.begin(), args.end());
  childArgs[1] = nodeCursorText;
  r->readonly = true;
  r->tag = static_cast<int64_t>(shard | (shards.size() << 16));
  r->aggregate = aggregateScan;
  Request* child = addChild(r, -1, childArgs);
  child->shardIndex = static_cast<int>(shard);
  ++r->pendingChildren;
  worker_.route(child);
  finishIfReady(worker_, r);
}

}  // namespace strata::proxy
