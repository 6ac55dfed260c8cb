// Multi-key commands split by slot: MGET, MSET, DEL, UNLINK, EXISTS, TOUCH. When every key
// hashes to one slot the command goes to that node unchanged; otherwise each key (MSET: each
// pair) becomes a child command to its own slot's master, and the parent merges the replies in
// the client's key order. Children are pipelined with everyone else's traffic.
#include "common/errors.h"
#include "common/slots/key_slot.h"
#include "proxy/client_conn.h"
#include "proxy/command_table.h"
#include "proxy/commands/aggregators.h"
#include "proxy/worker.h"

namespace strata::proxy {

namespace {

// MGET children answer "*1\r\n<element>": the parent's reply is "*N\r\n" + the N elements.
void aggregateMget(Request& parent) {
  if (const Request* e = firstError(parent)) {
    parent.reply = e->reply;
    return;
  }
  parent.reply.clear();
  parent.reply.push_back('*');
  parent.reply.append(std::to_string(parent.children.size()));
  parent.reply.append("\r\n");
  for (const Request* c : parent.children) {
    size_t eol = c->reply.find("\r\n");
    if (c->reply.size() < 4 || c->reply[0] != '*' || eol == std::string::npos) {
      parent.reply = "-ERR proxy: unexpected reply to a split MGET\r\n";
      return;
    }
    parent.reply.append(c->reply, eol + 2, std::string::npos);
  }
}

}  // namespace

Request* ClientConn::addChild(Request* parent, int slot, const Args& args) {
  Request* child = worker_.requests().acquire();
  child->parent = parent;
  child->slot = slot;
  child->started = parent->started;
  child->deadline = parent->deadline;
  child->readonly = parent->readonly;
  child->resp3 = parent->resp3;
  child->commandName = parent->commandName;
  child->commandId = parent->commandId;
  resp::Writer(child->cmd, resp::Protocol::kResp2).command(args);
  parent->children.push_back(child);
  ++parent->pendingChildren;
  return child;
}

bool ClientConn::trySplit(Request* r, const Args& args, std::string_view name,
                          const CommandInfo* info) {
  int step = 0;
  Aggregator aggregate = nullptr;
  if (name == "mget") {
    step = 1, aggregate = aggregateMget;
  } else if (name == "mset") {
    step = 2, aggregate = aggregateAllOk;
  } else if (name == "del" || name == "unlink" || name == "exists" || name == "touch") {
    step = 1, aggregate = aggregateSum;
  } else {
    return false;
  }
  if (args.size() < 2 || (step == 2 && (args.size() - 1) % 2 != 0)) {
    replyError(r, "ERR wrong number of arguments for '" + std::string(name) + "' command");
    return true;
  }
  // One slot: no split needed.
  int slot = slots::keySlot(args[1]);
  bool single = true;
  for (size_t i = 1 + step; i < args.size(); i += step) {
    if (slots::keySlot(args[i]) != slot) {
      single = false;
      break;
    }
  }
  r->readonly = info && info->has(kFlagReadonly);
  if (single) {
    r->slot = slot;
    if (!r->readonly) markWrite(r, slot);
    worker_.route(r);
    return true;
  }
  r->aggregate = aggregate;
  std::vector<std::string_view> childArgs(1 + step);
  childArgs[0] = args[0];
  for (size_t i = 1; i < args.size(); i += step) {
    for (int j = 0; j < step; ++j) childArgs[1 + j] = args[i + j];
    int s = slots::keySlot(args[i]);
    Request* child = addChild(r, s, childArgs);
    if (!r->readonly) markWrite(child, s);
  }
  // Route after all children exist: a child may complete synchronously (e.g. no slot map).
  std::vector<Request*> children = r->children;
  r->pendingChildren += 1;  // guard: don't aggregate until every child is routed
  for (Request* c : children) worker_.route(c);
  if (--r->pendingChildren == 0) worker_.finishParent(r);
  return true;
}

}  // namespace strata::proxy
