// Keyspace notification classes (node/server/notify.h): the letters of notify-keyspace-events
// parsed and rendered as Redis 7.0's keyspaceEventsStringToFlags / keyspaceEventsFlagsToString.
#include "node/server/notify.h"

#include <doctest/doctest.h>

namespace strata::node {

TEST_CASE("notify: class letters parse to Redis's bits and render canonically") {
  using namespace notify;
  CHECK(flagsFromString("") == 0);
  CHECK(flagsFromString("KEA") == (kKeyspace | kKeyevent | kAll));
  CHECK(flagsFromString("Ex$") == (kKeyevent | kExpired | kString));
  CHECK(flagsFromString("mn") == (kKeyMiss | kNew));
  CHECK(flagsFromString("KEAq") == -1);
  CHECK(flagsFromString("kea") == -1);
  CHECK(flagsFromString("K E") == -1);
  CHECK(flagsToString(flagsFromString("KEA")) == "AKE");
  CHECK(flagsToString(flagsFromString("Kg$lshzxetd")) == "AK");  // every class of A spelled out
  CHECK(flagsToString(flagsFromString("$xE")) == "$xE");
  CHECK(flagsToString(flagsFromString("nmAKE")) == "AKEm");  // A hides n (Redis 7.0 does too)
  CHECK(flagsToString(flagsFromString("tdnE")) == "tdnE");
  CHECK(flagsToString(0).empty());
}

}  // namespace strata::node
