// The notify-keyspace-events class letters, as Redis 7.0's keyspaceEventsStringToFlags and
// keyspaceEventsFlagsToString (notify.h). Pure functions kept apart from the server, so that the
// option table (settings_schema.cpp) links without it, as the config fuzzer links it.
#include <string>
#include <string_view>

#include "node/server/notify.h"

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

}  // namespace strata::node
