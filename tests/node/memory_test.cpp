// Memory limits, eviction, LFU counters, per-command statistics and the metrics exporter,
// through the in-process Server (requests run with Server::execute() on a socketpair client) and
// directly on Keyspace / CommandStats / NodeMetrics.
#include <doctest/doctest.h>
#include <prometheus/text_serializer.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "node/keyspace/keyspace.h"
#include "node/observe/node_metrics.h"
#include "node/server/client.h"
#include "node/server/command_stats.h"
#include "node/server/eviction.h"
#include "node/server/server.h"
#include "node/settings_schema.h"
#include "tests/node/server_fixture.h"

using namespace strata::node;

namespace {

struct Fixture : testing::ServerFixture {
  // maxmemory = what is used now + `extra` bytes.
  void limit(size_t extra, const std::string& policy) {
    server.settings().maxmemoryPolicy = policy;
    server.settings().maxmemory = static_cast<int64_t>(server.eviction().usedMemory() + extra);
  }
};

const std::string kOom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";

}  // namespace

TEST_SUITE("node.memory") {
  TEST_CASE("noeviction: OOM for denyoom commands only") {
    Fixture f;
    CHECK(f.run({"SET", "keep", "v"}) == "+OK\r\n");
    f.limit(20000, "noeviction");
    std::string value(1000, 'x');
    int oom = 0;
    for (int i = 0; i < 100; ++i) oom += f.run({"SET", "k" + std::to_string(i), value}) == kOom;
    CHECK(oom > 50);
    CHECK(f.run({"GET", "keep"}) == "$1\r\nv\r\n");
    CHECK(f.run({"DEL", "keep"}) == ":1\r\n");
    CHECK(f.server.stats().evictedKeys == 0);
    const auto& cs = f.server.commandStats();
    const CommandDef* set = f.server.commands().find("set");
    CHECK(cs.counters(cs.indexOf(*set)).rejected == static_cast<uint64_t>(oom));
  }

  TEST_CASE("allkeys-random keeps used memory under the limit") {
    Fixture f;
    f.limit(50000, "allkeys-random");
    std::string value(1000, 'x');
    for (int i = 0; i < 500; ++i)
      CHECK(f.run({"SET", "k" + std::to_string(i), value}) == "+OK\r\n");
    CHECK(f.run({"PING"}) == "+PONG\r\n");  // evicts what the last SET added
    CHECK(f.server.eviction().usedMemory() <= static_cast<size_t>(f.server.settings().maxmemory));
    CHECK(f.server.stats().evictedKeys > 400);
    CHECK(f.server.keyspace().size() + f.server.stats().evictedKeys == 500);
  }

  TEST_CASE("volatile-ttl evicts the nearest expiry; OOM once no volatile key is left") {
    Fixture f;
    f.server.settings().maxmemorySamples = 64;
    std::string value(1000, 'x');
    for (int i = 0; i < 10; ++i) {
      f.run({"SET", "v" + std::to_string(i), value, "EX", std::to_string(1000 + i)});
    }
    f.limit(0, "volatile-ttl");
    CHECK(f.run({"SET", "p0", value}) == "+OK\r\n");  // evicts v0 (and maybe v1)
    CHECK(f.run({"EXISTS", "v0"}) == ":0\r\n");
    CHECK(f.run({"EXISTS", "v9"}) == ":1\r\n");
    for (int i = 1; i < 30; ++i) f.run({"SET", "p" + std::to_string(i), value});
    CHECK(f.server.keyspace().volatileCount() == 0);
    CHECK(f.run({"SET", "more", value}) == kOom);
    CHECK(f.run({"EXISTS", "p0"}) == ":1\r\n");  // persistent keys are never evicted
  }

  TEST_CASE("allkeys-lru evicts the least recently used") {
    Fixture f;
    f.server.settings().maxmemorySamples = 64;
    std::string value(1000, 'x');
    for (int i = 0; i < 20; ++i) f.run({"SET", "k" + std::to_string(i), value});
    // Age every key but k7 by moving the LRU clock forward between writes and reads.
    f.server.keyspace().setLruClock(f.server.keyspace().lruClock() + 100);
    f.server.keyspace().find("k7");
    // (evict() directly: a command would refresh the clock from wall time.)
    f.limit(0, "allkeys-lru");
    f.server.settings().maxmemory -= 5000;
    REQUIRE(f.server.eviction().evict(1000000) == Eviction::Result::kOk);
    CHECK(f.server.keyspace().peek("k7") != nullptr);
    CHECK(f.server.stats().evictedKeys >= 4);
  }

  TEST_CASE("LFU counters: initial value, logarithmic growth, decay, OBJECT FREQ") {
    Keyspace ks;
    ks.setNow(600000);      // minute 10
    ks.setLfu(true, 0, 1);  // log factor 0: every access counts
    ks.set("k", Value::string("v"));
    Entry* e = ks.peek("k");
    CHECK(ks.lfuFrequency(e) == 5);
    for (int i = 0; i < 10; ++i) ks.find("k");
    CHECK(ks.lfuFrequency(e) == 15);
    ks.setNow(600000 + 3 * 60000);  // 3 minutes idle, decay time 1 minute
    CHECK(ks.lfuFrequency(e) == 12);
    ks.setLfu(true, 0, 0);  // decay off
    CHECK(ks.lfuFrequency(e) == 15);
    ks.setLfu(true, 10, 1);
    ks.setNow(600000);
    for (int i = 0; i < 1000; ++i) ks.find("k");
    uint32_t freq = ks.lfuFrequency(e);
    CHECK(freq > 15);
    CHECK(freq < 60);  // logarithmic: far fewer than 1000

    Fixture f;
    f.run({"SET", "k", "v"});
    CHECK(f.run({"OBJECT", "FREQ", "k"}).starts_with("-ERR An LFU maxmemory policy is not"));
    f.server.settings().maxmemoryPolicy = "allkeys-lfu";
    f.server.keyspace().setLfu(true, 10, 1);
    f.run({"SET", "j", "v"});
    CHECK(f.run({"OBJECT", "FREQ", "j"}) == ":5\r\n");
  }

  TEST_CASE("sampling returns distinct live entries; volatile sampling only keys with a TTL") {
    Keyspace ks;
    ks.setNow(1000);
    for (int i = 0; i < 200; ++i) ks.set("k" + std::to_string(i), Value::string("v"));
    for (int i = 0; i < 10; ++i) ks.setExpireAt(ks.peek("k" + std::to_string(i)), 5000);
    Entry* out[64];
    size_t n = ks.sampleEntries(out, 16);
    CHECK(n == 16);
    std::set<Entry*> distinct(out, out + n);
    CHECK(distinct.size() == n);
    n = ks.sampleVolatile(out, 8);
    CHECK(n == 8);
    for (size_t i = 0; i < n; ++i) CHECK(out[i]->hasExpire());
    ks.setNow(6000);  // all volatile keys expired: sampling skips them
    CHECK(ks.sampleVolatile(out, 8) == 0);
    Keyspace empty;
    CHECK(empty.sampleEntries(out, 5) == 0);
  }

  TEST_CASE("MEMORY USAGE, INFO memory and evicted_keys") {
    Fixture f;
    f.run({"SET", "k", std::string(100, 'x')});
    std::string r = f.run({"MEMORY", "USAGE", "k"});
    REQUIRE(r.starts_with(":"));
    int usage = std::stoi(r.substr(1));
    CHECK(usage >= 124);
    CHECK(usage < 300);
    CHECK(f.run({"MEMORY", "USAGE", "nokey"}) == "$-1\r\n");
    CHECK(f.run({"MEMORY", "USAGE", "k", "SAMPLES", "-1"}) == "-ERR syntax error\r\n");
    CHECK(f.run({"MEMORY", "USAGE", "k", "SAMPLES", "0"}) == r);
    std::string info = f.run({"INFO", "memory"});
    for (const char* field :
         {"used_memory:", "used_memory_human:", "used_memory_rss:", "used_memory_peak:",
          "used_memory_dataset:", "maxmemory:", "maxmemory_human:0B", "maxmemory_policy:noeviction",
          "mem_fragmentation_ratio:", "mem_allocator:libc"}) {
      CHECK_MESSAGE(info.find(field) != std::string::npos, field);
    }
    CHECK(f.run({"INFO", "stats"}).find("evicted_keys:0\r\n") != std::string::npos);
  }
}

TEST_SUITE("node.command_stats") {
  TEST_CASE("every command and subcommand has its own slot; calls, failed, rejected, reset") {
    Fixture f;
    CommandStats& cs = f.server.commandStats();
    std::set<size_t> seen;
    for (const auto& d : f.server.commands().all()) {
      CHECK(seen.insert(cs.indexOf(d)).second);
      for (const auto& sub : d.subcommands) CHECK(seen.insert(cs.indexOf(sub)).second);
    }
    CHECK(seen.size() == cs.size());
    f.run({"SET", "a", "1"});
    f.run({"GET", "a"});
    f.run({"GET"});  // arity: rejected
    f.run({"LPUSH", "l", "x"});
    f.run({"GET", "l"});  // WRONGTYPE: failed
    f.run({"CONFIG", "GET", "maxmemory"});
    std::string text = commandStatsInfo(cs);
    CHECK(text.find("cmdstat_get:calls=2,usec=") != std::string::npos);
    CHECK(text.find(",rejected_calls=1,failed_calls=1\r\n") != std::string::npos);
    CHECK(text.find("cmdstat_config|get:calls=1,") != std::string::npos);
    const auto& get = cs.counters(cs.indexOf(*f.server.commands().find("get")));
    uint64_t bucketed = 0;
    for (uint64_t b : get.buckets) bucketed += b;
    CHECK(bucketed == 2);
    CHECK(f.run({"CONFIG", "RESETSTAT"}) == "+OK\r\n");
    text = commandStatsInfo(cs);
    CHECK(text.find("cmdstat_get") == std::string::npos);
    CHECK(text.find("cmdstat_config|resetstat:calls=1,") != std::string::npos);
  }
}

TEST_SUITE("node.metrics") {
  TEST_CASE("Total mirrors a running total and survives resets") {
    prometheus::Registry registry;
    auto& c = prometheus::BuildCounter().Name("t_total").Help("h").Register(registry).Add({});
    NodeMetrics::Total t(c);
    t.set(5);
    t.set(7);
    CHECK(c.Value() == 7);
    t.set(2);  // reset to 0 then 2 more
    CHECK(c.Value() == 9);
    t.set(2);
    CHECK(c.Value() == 9);
  }

  TEST_CASE("collect() copies node figures, per-command counters and histograms") {
    Fixture f;
    NodeMetrics& m = f.server.metrics();
    int collected = 0;
    auto& g = m.gauge("strata_node_test_gauge", "test");
    m.addCollector([&] {
      ++collected;
      g.Set(42);
    });
    f.run({"SET", "k", "v"});
    f.run({"GET", "k"});
    f.run({"GET", "nokey"});
    m.collect(true);
    CHECK(collected == 1);
    std::ostringstream text;
    prometheus::TextSerializer().Serialize(text, m.registry().Collect());
    const std::string body = text.str();
    CHECK(body.find("strata_node_test_gauge 42") != std::string::npos);
    CHECK(body.find("strata_node_keys 1") != std::string::npos);
    CHECK(body.find("strata_node_keyspace_hits_total 1") != std::string::npos);
    CHECK(body.find("strata_node_keyspace_misses_total 1") != std::string::npos);
    CHECK(body.find("strata_node_commands_total{command=\"get\"} 2") != std::string::npos);
    CHECK(body.find("strata_node_command_duration_seconds_count{command=\"get\"} 2") !=
          std::string::npos);
    CHECK(body.find("strata_node_up 1") != std::string::npos);
    // A second collect without new calls adds nothing.
    m.collect(true);
    std::ostringstream again;
    prometheus::TextSerializer().Serialize(again, m.registry().Collect());
    CHECK(again.str().find("strata_node_commands_total{command=\"get\"} 2") != std::string::npos);
    // Same name and labels: the same series.
    CHECK(&m.gauge("strata_node_test_gauge", "test") == &g);
    CHECK(&m.total("strata_node_x_total", "x", {{"type", "a"}}) ==
          &m.total("strata_node_x_total", "x", {{"type", "a"}}));
  }
}
