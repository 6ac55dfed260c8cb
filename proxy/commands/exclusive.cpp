// Commands that need a backend connection of their own.
//
// Blocking commands (BLPOP, BRPOP, BLMOVE, BLMPOP, BZPOPMIN/MAX, BZMPOP, XREAD/XREADGROUP BLOCK)
// run on a leased connection so they never stall the shared pipelines; the request's deadline is
// the command's own timeout plus request-timeout (none for timeout 0), and a client that
// disconnects closes the lease, which ends the command on the node. A client's blocking commands
// run one at a time (a pipelined second one starts when the first is answered, as on one Redis
// connection), so each client holds at most one such link; when none can be opened (EMFILE, a
// refused connect) the command is answered with the reason at once.
//
// Transactions: MULTI is answered by the proxy and the commands are queued locally (+QUEUED);
// they must all hash to one slot (the WATCHed keys' slot too). EXEC ships MULTI, the commands and
// EXEC to the slot's master in one go on a leased connection and returns EXEC's reply. WATCH
// pins a leased connection to the watched keys' node until EXEC, DISCARD or UNWATCH.
#include <strings.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "common/errors.h"
#include "common/slots/key_slot.h"
#include "proxy/backend_conn.h"
#include "proxy/client_conn.h"
#include "proxy/command_table.h"
#include "proxy/worker.h"

namespace strata::proxy {

namespace {

bool parseSeconds(std::string_view text, double& out) {
  std::string copy(text);
  char* end = nullptr;
  out = strtod(copy.c_str(), &end);
  return end && *end == '\0' && !copy.empty() && std::isfinite(out) && out >= 0;
}

// The command's own timeout, or a negative value if it can't be found (the node will complain).
double blockingTimeoutSeconds(std::string_view name, const Args& args) {
  double seconds = -1;
  if (name == "blmpop" || name == "bzmpop") {
    if (args.size() > 1 && parseSeconds(args[1], seconds)) return seconds;
    return -1;
  }
  if (name == "xread" || name == "xreadgroup") {
    for (size_t i = 1; i + 1 < args.size(); ++i) {
      if (args[i].size() == 5 && strncasecmp(args[i].data(), "block", 5) == 0) {
        int64_t ms = 0;
        auto [end, ec] =
            std::from_chars(args[i + 1].data(), args[i + 1].data() + args[i + 1].size(), ms);
        if (ec == std::errc() && ms >= 0) return static_cast<double>(ms) / 1000.0;
      }
    }
    return -1;
  }
  if (!args.empty() && parseSeconds(args.back(), seconds)) return seconds;
  return -1;
}

}  // namespace

void ClientConn::runBlocking(Request* r, const Args& args, const CommandInfo* info, int slot) {
  double timeout = blockingTimeoutSeconds(info->name, args);
  // The command's timeout in ms (0: none), or -1 when it cannot be read (the node will say).
  r->tag = timeout < 0    ? -1
           : timeout == 0 ? 0
                          : std::max<int64_t>(1, static_cast<int64_t>(std::ceil(timeout * 1000)));
  r->slot = slot;
  r->exclusive = true;
  if (blockingRunning_) {
    blockingQueued_.push_back(r);  // after the running one, as on one Redis connection
    return;
  }
  startBlocking(r);
}

void ClientConn::startBlocking(Request* r) {
  const auto margin = std::chrono::milliseconds(worker_.settings().requestTimeoutMs);
  if (r->tag == 0) {
    r->deadline = Clock::time_point::max();
  } else {
    r->deadline = Clock::now() + std::chrono::milliseconds(std::max<int64_t>(r->tag, 0)) + margin;
  }
  blockingRunning_ = r;
  worker_.route(r);
}

void ClientConn::startNextBlocking() {
  blockingRunning_ = nullptr;
  if (closed_ || blockingQueued_.empty()) return;
  Request* next = blockingQueued_.front();
  blockingQueued_.pop_front();
  startBlocking(next);
}

void ClientConn::resetTransaction() {
  inMulti_ = false;
  multiFailed_ = false;
  multiSlot_ = -1;
  multiCommands_.clear();
}

void ClientConn::releasePinned(bool clean) {
  if (pinned_) {
    worker_.backends().release(pinned_, clean);
    pinned_ = nullptr;
  }
  watchSlot_ = -1;
  watchBroken_ = false;
}

bool ClientConn::handleTransaction(Request* r, const Args& args, std::string_view name,
                                   const CommandInfo* info) {
  if (name == "multi") {
    if (inMulti_) return replyError(r, "ERR MULTI calls can not be nested"), true;
    inMulti_ = true;
    multiSlot_ = watchSlot_;
    writer(r).ok();
    replyLocal(r);
    return true;
  }
  if (name == "exec") {
    if (!inMulti_) return replyError(r, "ERR EXEC without MULTI"), true;
    cmdExec(r);
    return true;
  }
  if (name == "discard") {
    if (!inMulti_) return replyError(r, "ERR DISCARD without MULTI"), true;
    resetTransaction();
    releasePinned(false);  // DISCARD also forgets WATCHed keys
    writer(r).ok();
    replyLocal(r);
    return true;
  }
  if (name == "watch") {
    if (inMulti_) return replyError(r, "ERR WATCH inside MULTI is not allowed"), true;
    if (args.size() < 2)
      return replyError(r, "ERR wrong number of arguments for 'watch' command"), true;
    int slot = slots::keySlot(args[1]);
    for (size_t i = 2; i < args.size(); ++i) {
      if (slots::keySlot(args[i]) != slot) return replyError(r, errors::kCrossSlot), true;
    }
    if (watchSlot_ >= 0 && slot != watchSlot_) return replyError(r, errors::kCrossSlot), true;
    if (!pinned_) {
      const Address* owner = worker_.slotMap().masterFor(static_cast<uint16_t>(slot));
      if (!owner) return replyError(r, errors::kClusterDownUnbound), true;
      pinned_ = worker_.backends().lease(*owner, protocol_ == resp::Protocol::kResp3);
      if (!pinned_) return replyError(r, worker_.backends().leaseFailure()), true;
      pinned_->setCloseHandler([this](std::string_view) {
        pinned_ = nullptr;
        watchBroken_ = true;
      });
    }
    watchSlot_ = slot;
    r->pinned = true;
    r->slot = slot;
    pinned_->send(r);
    return true;
  }
  if (name == "unwatch" && !inMulti_) {
    releasePinned(false);
    writer(r).ok();
    replyLocal(r);
    return true;
  }
  if (!inMulti_) return false;

  // Inside MULTI: validate and queue locally.
  if (!info) {
    multiFailed_ = true;
    std::string msg =
        "ERR unknown command '" + std::string(args[0]) + "', with args beginning with: ";
    for (size_t i = 1; i < args.size() && i < 4; ++i) msg += "'" + std::string(args[i]) + "' ";
    replyError(r, msg);
    return true;
  }
  if (!info->arityOk(args.size())) {
    multiFailed_ = true;
    replyError(r, "ERR wrong number of arguments for '" + std::string(name) + "' command");
    return true;
  }
  keyScratch_.clear();
  CommandTable::keyPositions(*info, args, keyScratch_);
  for (uint32_t pos : keyScratch_) {
    int s = slots::keySlot(args[pos]);
    if (multiSlot_ == -1) multiSlot_ = s;
    if (s != multiSlot_) {
      multiFailed_ = true;
      replyError(r, errors::kCrossSlot);
      return true;
    }
  }
  multiCommands_.push_back(r->cmd);
  replySimple(r, "QUEUED");
  return true;
}

void ClientConn::cmdExec(Request* r) {
  if (multiFailed_) {
    resetTransaction();
    releasePinned(false);
    replyError(r, "EXECABORT Transaction discarded because of previous errors.");
    return;
  }
  if (watchBroken_) {
    // The connection holding the WATCH died: the keys may have changed unseen. Abort, as Redis
    // does when a watched key was touched.
    resetTransaction();
    releasePinned(false);
    writer(r).nullArray();
    replyLocal(r);
    return;
  }
  BackendConn* conn = pinned_;
  pinned_ = nullptr;
  watchSlot_ = -1;
  if (!conn) {
    const Address* owner = nullptr;
    const auto& map = worker_.slotMap();
    if (multiSlot_ >= 0) {
      owner = map.masterFor(static_cast<uint16_t>(multiSlot_));
    } else if (!map.shards().empty()) {
      owner = &map.shards().front().master;
    }
    if (!owner) {
      resetTransaction();
      replyError(r, multiSlot_ >= 0 ? errors::kClusterDownUnbound : errors::kClusterDown);
      return;
    }
    conn = worker_.backends().lease(*owner, protocol_ == resp::Protocol::kResp3);
    if (!conn) {
      resetTransaction();
      replyError(r, worker_.backends().leaseFailure());
      return;
    }
  }
  conn->setCloseHandler(nullptr);
  conn->sendInternal("*1\r\n$5\r\nMULTI\r\n");
  for (const std::string& cmd : multiCommands_) conn->sendInternal(cmd);
  r->cmd.assign("*1\r\n$4\r\nEXEC\r\n");
  r->pinned = true;
  r->slot = multiSlot_;
  r->lease = conn;  // returned to the pool when EXEC's reply arrives
  resetTransaction();
  conn->send(r);
}

}  // namespace strata::proxy
