// Keyspace notifications: the class letters (Redis 7.0's keyspaceEventsStringToFlags and
// keyspaceEventsFlagsToString) and the publishing behind Server::notifyKeyspaceEvent. The
// channel names are built in one reused buffer, and only when someone subscribes to anything:
// publishLocal() then finds the receivers (channels and patterns) as for PUBLISH.
#include "node/server/notify.h"

#include "node/replication/replication.h"
#include "node/server/server.h"

namespace strata::node {

namespace notify {

int flagsFromString(std::string_view classes) {
  int flags = 0;
  for (char c : classes) {
    switch (c) {
      case 'A':
        flags |= kAll;
        break;
      case 'g':
        flags |= kGeneric;
        break;
      case '$':
        flags |= kString;
        break;
      case 'l':
        flags |= kList;
        break;
      case 's':
        flags |= kSet;
        break;
      case 'h':
        flags |= kHash;
        break;
      case 'z':
        flags |= kZset;
        break;
      case 'x':
        flags |= kExpired;
        break;
      case 'e':
        flags |= kEvicted;
        break;
      case 'K':
        flags |= kKeyspace;
        break;
      case 'E':
        flags |= kKeyevent;
        break;
      case 't':
        flags |= kStream;
        break;
      case 'm':
        flags |= kKeyMiss;
        break;
      case 'd':
        flags |= kModule;
        break;
      case 'n':
        flags |= kNew;
        break;
      default:
        return -1;
    }
  }
  return flags;
}

std::string flagsToString(int flags) {
  std::string out;
  if ((flags & kAll) == kAll) {
    out += 'A';
  } else {
    if (flags & kGeneric) out += 'g';
    if (flags & kString) out += '$';
    if (flags & kList) out += 'l';
    if (flags & kSet) out += 's';
    if (flags & kHash) out += 'h';
    if (flags & kZset) out += 'z';
    if (flags & kExpired) out += 'x';
    if (flags & kEvicted) out += 'e';
    if (flags & kStream) out += 't';
    if (flags & kModule) out += 'd';
    if (flags & kNew) out += 'n';
  }
  if (flags & kKeyspace) out += 'K';
  if (flags & kKeyevent) out += 'E';
  if (flags & kKeyMiss) out += 'm';
  return out;
}

}  // namespace notify

void Server::publishKeyspaceEvent(std::string_view event, std::string_view key) {
  const TxPubSub& tx = txps_;
  if (tx.channels.empty() && tx.patterns.empty()) return;  // nobody could hear it
  if (replication_->loading()) return;  // a full sync's snapshot: Redis loads an RDB silently
  const int flags = settings_.notifyKeyspaceEvents;
  std::string& channel = notifyChannel_;
  if (flags & notify::kKeyspace) {
    channel.assign("__keyspace@0__:");
    channel.append(key.data(), key.size());
    publishLocal(channel, event, false);
  }
  if (flags & notify::kKeyevent) {
    channel.assign("__keyevent@0__:");
    channel.append(event.data(), event.size());
    publishLocal(channel, key, false);
  }
}

}  // namespace strata::node
