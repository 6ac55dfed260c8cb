// Keyspace notifications: the publishing behind Server::notifyKeyspaceEvent (the class letters
// are in notify_flags.cpp). The channel names are built in one reused buffer, and only when
// someone subscribes to anything: publishLocal() then finds the receivers (channels and
// patterns) as for PUBLISH.
#include "node/server/notify.h"

#include "node/replication/replication.h"
#include "node/server/server.h"

namespace strata::node {

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
