// Keyspace notifications (Redis 7.0's notify.c): the event classes of `notify-keyspace-events`,
// their letters, and the publishing of `__keyspace@0__:<key> <event>` and
// `__keyevent@0__:<event> <key>` to this node's own subscribers (never over the cluster bus, as
// Redis Cluster). Command handlers call Server::notifyKeyspaceEvent(class, event, key) where
// redis-server 7.0 calls notifyKeyspaceEvent(); that inline test of one settings word is all a
// call costs while the class is off. Event-loop thread only.
#pragma once

#include <string>
#include <string_view>

namespace strata::node::notify {

// Redis's NOTIFY_* bits (server.h), same values.
enum : int {
  kKeyspace = 1 << 0,  // K
  kKeyevent = 1 << 1,  // E
  kGeneric = 1 << 2,   // g
  kString = 1 << 3,    // $
  kList = 1 << 4,      // l
  kSet = 1 << 5,       // s
  kHash = 1 << 6,      // h
  kZset = 1 << 7,      // z
  kExpired = 1 << 8,   // x
  kEvicted = 1 << 9,   // e
  kStream = 1 << 10,   // t
  kKeyMiss = 1 << 11,  // m (not in A)
  kModule = 1 << 13,   // d
  kNew = 1 << 14,      // n (not in A)
  kAll =
      kGeneric | kString | kList | kSet | kHash | kZset | kExpired | kEvicted | kStream | kModule,
};

// keyspaceEventsStringToFlags: -1 on a letter outside "Ag$lshzxeKEtmdn".
int flagsFromString(std::string_view classes);
// keyspaceEventsFlagsToString: the canonical CONFIG GET text ("AKE" for "KEA").
std::string flagsToString(int flags);

}  // namespace strata::node::notify
