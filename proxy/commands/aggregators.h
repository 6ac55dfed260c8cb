// Reply mergers for split and fan-out commands. Each takes a parent Request whose children all
// completed (each child's reply in child->reply, children in creation order) and writes the
// merged reply into parent.reply. If any child failed, the parent's reply is the first child
// error, as a single Redis server would have answered with one error — except RANDOMKEY
// (aggregateFirstNonNull), where any master's key is a correct answer. Worker thread only.
#pragma once

#include <string_view>
#include <vector>

#include "proxy/request.h"

namespace strata::proxy {

void aggregateSum(Request& parent);           // DBSIZE, DEL, UNLINK, EXISTS, TOUCH
void aggregateAllOk(Request& parent);         // MSET, FLUSHALL, FLUSHDB, SCRIPT FLUSH
void aggregateConcatArrays(Request& parent);  // KEYS, MGET
void aggregateFirstNonNull(Request& parent);  // RANDOMKEY
void aggregateFirstReply(Request& parent);    // SCRIPT LOAD (every master returns the SHA)
void aggregateAndIntegers(Request& parent);   // SCRIPT EXISTS: 1 only where all masters say 1
// PUBSUB CHANNELS / SHARDCHANNELS: every element once, in the order first met.
void aggregateUnion(Request& parent);
// PUBSUB NUMSUB / SHARDNUMSUB: (name, count) pairs, flat (RESP2) or a map (RESP3); each name's
// counts summed over the masters, names in the first reply's order.
void aggregateCountsByName(Request& parent);
// SCRIPT KILL, FUNCTION KILL: +OK from the master that stopped its script; else the error of a
// master with a script it cannot stop (UNKILLABLE, BUSY), else NOTBUSY.
void aggregateKill(Request& parent);

// Splits an array, set or map reply ("*N\r\n" + N element frames; a map's keys and values
// alternate) into its element frames (views into `reply`). False if `reply` is none of them.
bool arrayElements(std::string_view reply, std::vector<std::string_view>& out);
// The first child error reply, or nullptr.
const Request* firstError(const Request& parent);

}  // namespace strata::proxy
