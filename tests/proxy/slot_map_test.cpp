// SlotMap and Address: Address::parse on host:port, ip:port@cport and IPv6 forms and bad input;
// SlotMap::fromClusterShards / fromClusterSlots on CLUSTER SHARDS and CLUSTER SLOTS replies
// captured from a redis-server 7.0 cluster (RESP2 and RESP3, ip and hostname endpoints, a moved
// slot, unassigned slots, a failed replica) and on hand-written ones (shard order, IPv6, malformed
// replies); masterFor, shardIndexFor, coveredSlots, replicas, allNodes, sameAs; withSlotOwner's
// copy-on-write patching.
#include "proxy/slot_map.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "tests/proxy/fixtures.h"

using namespace strata;
using namespace strata::proxy;
using strata::proxy::test::loadReply;
using strata::proxy::test::parseReply;

namespace {

Address addr(std::string host, uint16_t port) {
  return Address{std::move(host), port};
}

const Address kM1 = addr("127.0.0.1", 27101);
const Address kM2 = addr("127.0.0.1", 27102);
const Address kM3 = addr("127.0.0.1", 27103);
const Address kR1 = addr("127.0.0.1", 27104);
const Address kR2 = addr("127.0.0.1", 27105);
const Address kR3 = addr("127.0.0.1", 27106);

std::shared_ptr<SlotMap> shardsMap(const resp::Value& reply) {
  std::string error;
  auto map = SlotMap::fromClusterShards(reply, error);
  REQUIRE_MESSAGE(map != nullptr, error);
  return map;
}

std::shared_ptr<SlotMap> slotsMap(const resp::Value& reply) {
  std::string error;
  auto map = SlotMap::fromClusterSlots(reply, error);
  REQUIRE_MESSAGE(map != nullptr, error);
  return map;
}

std::string shardsError(std::string_view respText) {
  std::string error;
  CHECK(SlotMap::fromClusterShards(parseReply(respText), error) == nullptr);
  CHECK_FALSE(error.empty());
  return error;
}

std::string slotsError(std::string_view respText) {
  std::string error;
  CHECK(SlotMap::fromClusterSlots(parseReply(respText), error) == nullptr);
  CHECK_FALSE(error.empty());
  return error;
}

// The three-master layout of the fresh fixture cluster, whichever reply it was built from.
void checkFreshCluster(const SlotMap& map) {
  CHECK(map.coveredSlots() == 16384);
  REQUIRE(map.shards().size() == 3);
  CHECK(map.shards()[0].master == kM1);
  CHECK(map.shards()[1].master == kM2);
  CHECK(map.shards()[2].master == kM3);
  CHECK(map.shards()[0].replicas == std::vector<Address>{kR1});
  CHECK(map.shards()[1].replicas == std::vector<Address>{kR2});
  CHECK(map.shards()[2].replicas == std::vector<Address>{kR3});
  for (uint16_t slot : {0, 1, 5460}) {
    REQUIRE(map.masterFor(slot) != nullptr);
    CHECK(*map.masterFor(slot) == kM1);
    CHECK(map.shardIndexFor(slot) == 0);
  }
  for (uint16_t slot : {5461, 8000, 10922}) {
    REQUIRE(map.masterFor(slot) != nullptr);
    CHECK(*map.masterFor(slot) == kM2);
    CHECK(map.shardIndexFor(slot) == 1);
  }
  for (uint16_t slot : {10923, 16000, 16383}) {
    REQUIRE(map.masterFor(slot) != nullptr);
    CHECK(*map.masterFor(slot) == kM3);
    CHECK(map.shardIndexFor(slot) == 2);
  }
}

// The fixture cluster after slot 100 moved to 27102, slots 16000 and 16383 were deleted and
// replica 27104 failed.
void checkChangedCluster(const SlotMap& map) {
  CHECK(map.coveredSlots() == 16384 - 2);
  REQUIRE(map.shards().size() == 3);
  CHECK(map.shards()[0].master == kM1);
  CHECK(map.shards()[0].replicas.empty());  // 27104 failed: not a node to reach
  CHECK(map.shards()[1].replicas == std::vector<Address>{kR2});
  CHECK(map.shards()[2].replicas == std::vector<Address>{kR3});
  CHECK(*map.masterFor(99) == kM1);
  CHECK(*map.masterFor(100) == kM2);
  CHECK(map.shardIndexFor(100) == 1);
  CHECK(*map.masterFor(101) == kM1);
  CHECK(*map.masterFor(15999) == kM3);
  CHECK(map.masterFor(16000) == nullptr);
  CHECK(map.shardIndexFor(16000) == -1);
  CHECK(*map.masterFor(16001) == kM3);
  CHECK(*map.masterFor(16382) == kM3);
  CHECK(map.masterFor(16383) == nullptr);
  CHECK(map.shardIndexFor(16383) == -1);
}

}  // namespace

TEST_SUITE("proxy.address") {
  TEST_CASE("parse splits host and port") {
    Address a;
    REQUIRE(Address::parse("127.0.0.1:7000", a));
    CHECK(a.host == "127.0.0.1");
    CHECK(a.port == 7000);
    REQUIRE(Address::parse("redis-0.redis.svc.cluster.local:6379", a));
    CHECK(a.host == "redis-0.redis.svc.cluster.local");
    CHECK(a.port == 6379);
    REQUIRE(Address::parse("h:1", a));
    CHECK(a.port == 1);
    REQUIRE(Address::parse("h:65535", a));
    CHECK(a.port == 65535);
  }

  TEST_CASE("parse drops the cluster bus port of ip:port@cport") {
    Address a;
    REQUIRE(Address::parse("10.0.0.5:7001@17001", a));
    CHECK(a == addr("10.0.0.5", 7001));
  }

  TEST_CASE("parse accepts bracketed and bare IPv6") {
    Address a;
    REQUIRE(Address::parse("[::1]:7000", a));
    CHECK(a == addr("::1", 7000));
    REQUIRE(Address::parse("[2001:db8::7]:6379@16379", a));
    CHECK(a == addr("2001:db8::7", 6379));
    REQUIRE(Address::parse("::1:7000", a));  // the last ':' separates the port
    CHECK(a == addr("::1", 7000));
  }

  TEST_CASE("parse rejects bad input and leaves the output alone") {
    for (const char* bad :
         {"", "localhost", ":7000", "host:", "host:0", "host:65536", "host:99999999999", "host:abc",
          "host:70a0", "host:-1", "host:+1", "host: 7000", "[::1]", "host:@17000"}) {
      CAPTURE(bad);
      Address a = addr("keep", 1);
      CHECK_FALSE(Address::parse(bad, a));
      CHECK(a == addr("keep", 1));
    }
  }

  TEST_CASE("str renders host:port and parses back") {
    CHECK(addr("127.0.0.1", 7000).str() == "127.0.0.1:7000");
    Address back;
    REQUIRE(Address::parse(addr("::1", 7000).str(), back));
    CHECK(back == addr("::1", 7000));
  }

  TEST_CASE("addresses order by host then numeric port") {
    CHECK(addr("127.0.0.1", 7000) < addr("127.0.0.1", 10000));
    CHECK(addr("10.0.0.1", 9000) < addr("10.0.0.2", 1));
    CHECK_FALSE(addr("a", 1) < addr("a", 1));
  }
}

TEST_SUITE("proxy.slot_map") {
  TEST_CASE("an empty map serves no slot") {
    SlotMap map;
    CHECK(map.coveredSlots() == 0);
    CHECK(map.shards().empty());
    CHECK(map.allNodes().empty());
    CHECK(map.masterFor(0) == nullptr);
    CHECK(map.masterFor(16383) == nullptr);
    CHECK(map.shardIndexFor(42) == -1);
    CHECK(map.sameAs(SlotMap()));
  }

  TEST_CASE("CLUSTER SHARDS from redis 7.0, RESP2 and RESP3") {
    auto resp2 = shardsMap(loadReply("cluster_shards_resp2.resp"));
    auto resp3 = shardsMap(loadReply("cluster_shards_resp3.resp"));
    checkFreshCluster(*resp2);
    checkFreshCluster(*resp3);
    CHECK(resp2->sameAs(*resp3));
  }

  TEST_CASE("CLUSTER SLOTS from redis 7.0, RESP2 and RESP3, agrees with CLUSTER SHARDS") {
    auto resp2 = slotsMap(loadReply("cluster_slots_resp2.resp"));
    auto resp3 = slotsMap(loadReply("cluster_slots_resp3.resp"));
    checkFreshCluster(*resp2);
    checkFreshCluster(*resp3);
    CHECK(resp2->sameAs(*resp3));
    CHECK(resp2->sameAs(*shardsMap(loadReply("cluster_shards_resp2.resp"))));
  }

  TEST_CASE("allNodes lists every master and replica once") {
    auto map = shardsMap(loadReply("cluster_shards_resp2.resp"));
    auto nodes = map->allNodes();
    CHECK(nodes.size() == 6);
    std::sort(nodes.begin(), nodes.end());
    CHECK(nodes == std::vector<Address>{kM1, kM2, kM3, kR1, kR2, kR3});
  }

  TEST_CASE("hostname endpoints are used when the cluster prefers them") {
    auto shards = shardsMap(loadReply("cluster_shards_hostname_resp2.resp"));
    auto slots = slotsMap(loadReply("cluster_slots_hostname_resp3.resp"));
    for (const auto& map : {shards, slots}) {
      CHECK(map->coveredSlots() == 16384);
      REQUIRE(map->shards().size() == 3);
      CHECK(*map->masterFor(0) == addr("node-27101.strata.test", 27101));
      CHECK(*map->masterFor(5461) == addr("node-27102.strata.test", 27102));
      CHECK(*map->masterFor(16383) == addr("node-27103.strata.test", 27103));
      CHECK(map->shards()[0].replicas ==
            std::vector<Address>{addr("node-27104.strata.test", 27104)});
    }
    CHECK(shards->sameAs(*slots));
  }

  TEST_CASE("an unknown endpoint '?' falls back to the ip in CLUSTER SHARDS") {
    auto map = shardsMap(loadReply("cluster_shards_hostname_partial_resp2.resp"));
    REQUIRE(map->shards().size() == 3);
    CHECK(map->shards()[0].master == addr("node-27101.strata.test", 27101));
    CHECK(map->shards()[0].replicas == std::vector<Address>{kR1});
    CHECK(map->shards()[1].replicas == std::vector<Address>{addr("node-27105.strata.test", 27105)});
    CHECK(map->shards()[2].replicas == std::vector<Address>{kR3});
  }

  TEST_CASE("a node listed as '?' in CLUSTER SLOTS is not used") {
    auto map = slotsMap(loadReply("cluster_slots_hostname_partial_resp3.resp"));
    CHECK(map->coveredSlots() == 16384);
    REQUIRE(map->shards().size() == 3);
    CHECK(map->shards()[0].replicas.empty());
    CHECK(map->shards()[1].replicas == std::vector<Address>{addr("node-27105.strata.test", 27105)});
    CHECK(map->shards()[2].replicas.empty());
    for (const auto& node : map->allNodes()) CHECK(node.host != "?");
  }

  TEST_CASE("a moved slot, unassigned slots and a failed replica, from both commands") {
    auto shards2 = shardsMap(loadReply("cluster_shards_changed_resp2.resp"));
    auto shards3 = shardsMap(loadReply("cluster_shards_changed_resp3.resp"));
    auto slots2 = slotsMap(loadReply("cluster_slots_changed_resp2.resp"));
    checkChangedCluster(*shards2);
    checkChangedCluster(*shards3);
    checkChangedCluster(*slots2);
    CHECK(shards2->sameAs(*shards3));
    CHECK(shards2->sameAs(*slots2));
    CHECK_FALSE(shards2->sameAs(*shardsMap(loadReply("cluster_shards_resp2.resp"))));
    // The failed replica is not offered for the next refresh either.
    auto nodes = shards2->allNodes();
    CHECK(std::find(nodes.begin(), nodes.end(), kR1) == nodes.end());
    CHECK(nodes.size() == 5);
  }

  TEST_CASE("shards are sorted by master address whatever the reply order") {
    // Masters listed 10.0.0.3, 10.0.0.1:10000, 10.0.0.1:7000 with interleaved ranges.
    auto map =
        slotsMap(parseReply("*4\r\n"
                            "*3\r\n:0\r\n:99\r\n*2\r\n$8\r\n10.0.0.3\r\n:7000\r\n"
                            "*3\r\n:100\r\n:199\r\n*2\r\n$8\r\n10.0.0.1\r\n:10000\r\n"
                            "*3\r\n:200\r\n:299\r\n*2\r\n$8\r\n10.0.0.1\r\n:7000\r\n"
                            "*3\r\n:300\r\n:399\r\n*2\r\n$8\r\n10.0.0.3\r\n:7000\r\n"));
    REQUIRE(map->shards().size() == 3);
    CHECK(map->shards()[0].master == addr("10.0.0.1", 7000));
    CHECK(map->shards()[1].master == addr("10.0.0.1", 10000));
    CHECK(map->shards()[2].master == addr("10.0.0.3", 7000));
    CHECK(map->shardIndexFor(0) == 2);
    CHECK(map->shardIndexFor(150) == 1);
    CHECK(map->shardIndexFor(250) == 0);
    CHECK(map->shardIndexFor(399) == 2);
    CHECK(map->shardIndexFor(400) == -1);
    CHECK(map->coveredSlots() == 400);
    for (uint16_t s : {0, 150, 250, 399}) {
      CHECK(*map->masterFor(s) == map->shards()[map->shardIndexFor(s)].master);
    }
  }

  TEST_CASE("CLUSTER SLOTS with IPv6 hosts and a replica repeated across ranges") {
    auto map =
        slotsMap(parseReply("*2\r\n"
                            "*4\r\n:0\r\n:8191\r\n*3\r\n$3\r\n::1\r\n:7000\r\n$1\r\na\r\n"
                            "*3\r\n$3\r\n::1\r\n:7003\r\n$1\r\nd\r\n"
                            "*4\r\n:8192\r\n:16383\r\n*3\r\n$3\r\n::1\r\n:7000\r\n$1\r\na\r\n"
                            "*3\r\n$3\r\n::1\r\n:7003\r\n$1\r\nd\r\n"));
    REQUIRE(map->shards().size() == 1);
    CHECK(map->shards()[0].master == addr("::1", 7000));
    CHECK(map->shards()[0].replicas == std::vector<Address>{addr("::1", 7003)});
    CHECK(map->coveredSlots() == 16384);
  }

  TEST_CASE("CLUSTER SHARDS: a shard without slots or without a master serves nothing") {
    // Redis 7.0 lists a master that lost all its slots with an empty slot list.
    auto map = shardsMap(parseReply(
        "*3\r\n"
        "*4\r\n$5\r\nslots\r\n*2\r\n:0\r\n:16383\r\n$5\r\nnodes\r\n*1\r\n"
        "*6\r\n$4\r\nport\r\n:7000\r\n$2\r\nip\r\n$4\r\n10.1\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
        "*4\r\n$5\r\nslots\r\n*0\r\n$5\r\nnodes\r\n*1\r\n"
        "*6\r\n$4\r\nport\r\n:7001\r\n$2\r\nip\r\n$4\r\n10.2\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
        "*4\r\n$5\r\nslots\r\n*2\r\n:5\r\n:5\r\n$5\r\nnodes\r\n*1\r\n"
        "*6\r\n$4\r\nport\r\n:7002\r\n$2\r\nip\r\n$4\r\n10.3\r\n$4\r\nrole\r\n$7\r\nreplica\r\n"));
    REQUIRE(map->shards().size() == 1);
    CHECK(map->shards()[0].master == addr("10.1", 7000));
    CHECK(map->coveredSlots() == 16384);
    CHECK(map->allNodes() == std::vector<Address>{addr("10.1", 7000)});
  }

  TEST_CASE("CLUSTER SHARDS: a replica still loading its first sync is kept, a failed one not") {
    // Either healthy one may be promoted: both get CONFIG SET (fanned out to every node).
    auto map = shardsMap(parseReply(
        "*1\r\n"
        "*4\r\n$5\r\nslots\r\n*2\r\n:0\r\n:16383\r\n$5\r\nnodes\r\n*4\r\n"
        "*6\r\n$4\r\nport\r\n:7000\r\n$2\r\nip\r\n$4\r\n10.1\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
        "*8\r\n$4\r\nport\r\n:7001\r\n$2\r\nip\r\n$4\r\n10.1\r\n$4\r\nrole\r\n$7\r\nreplica\r\n"
        "$6\r\nhealth\r\n$7\r\nloading\r\n"
        "*8\r\n$4\r\nport\r\n:7002\r\n$2\r\nip\r\n$4\r\n10.1\r\n$4\r\nrole\r\n$7\r\nreplica\r\n"
        "$6\r\nhealth\r\n$4\r\nfail\r\n"
        "*8\r\n$4\r\nport\r\n:7003\r\n$2\r\nip\r\n$4\r\n10.1\r\n$4\r\nrole\r\n$7\r\nreplica\r\n"
        "$6\r\nhealth\r\n$6\r\nonline\r\n"));
    REQUIRE(map->shards().size() == 1);
    CHECK(map->shards()[0].replicas ==
          std::vector<Address>{addr("10.1", 7001), addr("10.1", 7003)});
  }

  TEST_CASE("CLUSTER SHARDS: tls-port is used when there is no plain port") {
    auto map = shardsMap(
        parseReply("*1\r\n%2\r\n$5\r\nslots\r\n*2\r\n:0\r\n:16383\r\n$5\r\nnodes\r\n*1\r\n"
                   "%3\r\n$8\r\ntls-port\r\n:7443\r\n$8\r\nendpoint\r\n$4\r\nhost\r\n"
                   "$4\r\nrole\r\n$6\r\nmaster\r\n"));
    REQUIRE(map->shards().size() == 1);
    CHECK(map->shards()[0].master == addr("host", 7443));
  }

  TEST_CASE("malformed CLUSTER SHARDS replies give nullptr and an error") {
    shardsError("-ERR This instance has cluster support disabled\r\n");
    shardsError(":1\r\n");
    shardsError("$5\r\nslots\r\n");
    shardsError("_\r\n");
    // A shard without "slots" or without "nodes".
    shardsError("*1\r\n*2\r\n$5\r\nnodes\r\n*0\r\n");
    shardsError("*1\r\n*2\r\n$5\r\nslots\r\n*0\r\n");
    // "slots" that is not a list.
    shardsError("*1\r\n*4\r\n$5\r\nslots\r\n:0\r\n$5\r\nnodes\r\n*0\r\n");
    const std::string node =
        "*1\r\n*6\r\n$4\r\nport\r\n:7000\r\n$2\r\nip\r\n$1\r\nh\r\n$4\r\nrole\r\n$6\r\nmaster\r\n";
    // Slot ranges out of bounds or reversed.
    CHECK(shardsError("*1\r\n*4\r\n$5\r\nslots\r\n*2\r\n:0\r\n:16384\r\n$5\r\nnodes\r\n" + node)
              .find("slot") != std::string::npos);
    shardsError("*1\r\n*4\r\n$5\r\nslots\r\n*2\r\n:-1\r\n:5\r\n$5\r\nnodes\r\n" + node);
    shardsError("*1\r\n*4\r\n$5\r\nslots\r\n*2\r\n:9\r\n:5\r\n$5\r\nnodes\r\n" + node);
    // Slot bounds that are not integers.
    shardsError("*1\r\n*4\r\n$5\r\nslots\r\n*2\r\n$1\r\n0\r\n$5\r\n16383\r\n$5\r\nnodes\r\n" +
                node);
  }

  TEST_CASE("malformed CLUSTER SLOTS replies give nullptr and an error") {
    slotsError("-ERR This instance has cluster support disabled\r\n");
    slotsError("%1\r\n:0\r\n:1\r\n");
    slotsError("*1\r\n:0\r\n");                  // a range that is not an array
    slotsError("*1\r\n*2\r\n:0\r\n:16383\r\n");  // no master
    slotsError("*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n$1\r\nh\r\n:1\r\n");
    slotsError("*1\r\n*3\r\n:100\r\n:99\r\n*2\r\n$1\r\nh\r\n:1\r\n");
    slotsError("*1\r\n*3\r\n$1\r\n0\r\n$5\r\n16383\r\n*2\r\n$1\r\nh\r\n:1\r\n");
  }

  TEST_CASE("withSlotOwner moves one slot and leaves the original map unchanged") {
    auto before = shardsMap(loadReply("cluster_shards_resp2.resp"));
    auto after = before->withSlotOwner(0, kM2);
    REQUIRE(after != nullptr);
    CHECK(after.get() != before.get());
    CHECK(*after->masterFor(0) == kM2);
    CHECK(after->shardIndexFor(0) == 1);
    CHECK(*after->masterFor(1) == kM1);
    CHECK(*after->masterFor(5461) == kM2);
    CHECK(after->coveredSlots() == 16384);
    CHECK(after->shards().size() == 3);
    CHECK(after->shards()[1].replicas == std::vector<Address>{kR2});
    CHECK_FALSE(after->sameAs(*before));
    checkFreshCluster(*before);
  }

  TEST_CASE("withSlotOwner to the current owner is a no-op copy") {
    auto before = shardsMap(loadReply("cluster_shards_resp2.resp"));
    CHECK(before->withSlotOwner(7000, kM2)->sameAs(*before));
  }

  TEST_CASE("withSlotOwner with an unknown master adds a shard in sorted position") {
    auto before = shardsMap(loadReply("cluster_shards_resp2.resp"));
    const Address fresh = addr("127.0.0.1", 27100);  // sorts before every existing master
    auto after = before->withSlotOwner(12000, fresh);
    REQUIRE(after->shards().size() == 4);
    CHECK(after->shards()[0].master == fresh);
    CHECK(after->shards()[0].replicas.empty());
    CHECK(*after->masterFor(12000) == fresh);
    CHECK(after->shardIndexFor(12000) == 0);
    // The other slots still point at their masters through the shifted indexes.
    CHECK(*after->masterFor(0) == kM1);
    CHECK(after->shardIndexFor(0) == 1);
    CHECK(*after->masterFor(11999) == kM3);
    CHECK(after->shardIndexFor(11999) == 3);
    CHECK(after->shards()[3].replicas == std::vector<Address>{kR3});
    CHECK(after->allNodes().size() == 7);
    CHECK(before->shards().size() == 3);
  }

  TEST_CASE("withSlotOwner drops a shard that loses its last slot") {
    auto before = slotsMap(
        parseReply("*2\r\n"
                   "*4\r\n:0\r\n:16382\r\n*2\r\n$1\r\na\r\n:1\r\n*2\r\n$2\r\nar\r\n:1\r\n"
                   "*4\r\n:16383\r\n:16383\r\n*2\r\n$1\r\nb\r\n:1\r\n*2\r\n$2\r\nbr\r\n:1\r\n"));
    REQUIRE(before->shards().size() == 2);
    auto after = before->withSlotOwner(16383, addr("a", 1));
    REQUIRE(after->shards().size() == 1);
    CHECK(after->shards()[0].master == addr("a", 1));
    CHECK(after->shards()[0].replicas == std::vector<Address>{addr("ar", 1)});
    CHECK(after->coveredSlots() == 16384);
    CHECK(after->shardIndexFor(16383) == 0);
    CHECK(after->allNodes() == std::vector<Address>{addr("a", 1), addr("ar", 1)});
    // The original still has b.
    CHECK(before->shards().size() == 2);
    CHECK(*before->masterFor(16383) == addr("b", 1));
  }

  TEST_CASE("withSlotOwner dropping a shard keeps later shards' indexes right") {
    // Shards a (slot 0), b (slot 1), c (the rest): moving slot 0 to c removes index 0.
    auto before =
        slotsMap(parseReply("*3\r\n"
                            "*3\r\n:0\r\n:0\r\n*2\r\n$1\r\na\r\n:1\r\n"
                            "*3\r\n:1\r\n:1\r\n*2\r\n$1\r\nb\r\n:1\r\n"
                            "*3\r\n:2\r\n:16383\r\n*2\r\n$1\r\nc\r\n:1\r\n"));
    auto after = before->withSlotOwner(0, addr("c", 1));
    REQUIRE(after->shards().size() == 2);
    CHECK(*after->masterFor(0) == addr("c", 1));
    CHECK(*after->masterFor(1) == addr("b", 1));
    CHECK(*after->masterFor(2) == addr("c", 1));
    CHECK(after->shardIndexFor(1) == 0);
    CHECK(after->shardIndexFor(2) == 1);
  }

  TEST_CASE("withSlotOwner can assign an unassigned slot") {
    auto before = shardsMap(loadReply("cluster_shards_changed_resp2.resp"));
    auto after = before->withSlotOwner(16383, kM3);
    CHECK(after->coveredSlots() == before->coveredSlots() + 1);
    CHECK(*after->masterFor(16383) == kM3);
    CHECK(before->masterFor(16383) == nullptr);
  }

  TEST_CASE("sameAs compares owners, masters and replicas") {
    auto a = shardsMap(loadReply("cluster_shards_resp2.resp"));
    CHECK(a->sameAs(*a));
    // Same slots, one replica fewer.
    auto noReplica =
        slotsMap(parseReply("*3\r\n"
                            "*4\r\n:0\r\n:5460\r\n*2\r\n$9\r\n127.0.0.1\r\n:27101\r\n*2\r\n$"
                            "9\r\n127.0.0.1\r\n:27104\r\n"
                            "*4\r\n:5461\r\n:10922\r\n*2\r\n$9\r\n127.0.0.1\r\n:27102\r\n"
                            "*2\r\n$9\r\n127.0.0.1\r\n:27105\r\n"
                            "*3\r\n:10923\r\n:16383\r\n*2\r\n$9\r\n127.0.0.1\r\n:27103\r\n"));
    CHECK(noReplica->coveredSlots() == 16384);
    CHECK_FALSE(a->sameAs(*noReplica));
    CHECK_FALSE(noReplica->sameAs(*a));
    // Same shards, one slot moved and moved back.
    auto moved = a->withSlotOwner(3, kM3);
    CHECK_FALSE(a->sameAs(*moved));
    CHECK(a->sameAs(*moved->withSlotOwner(3, kM1)));
  }
}
