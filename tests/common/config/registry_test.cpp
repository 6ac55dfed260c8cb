// CONFIG GET / CONFIG SET through Registry: Redis-style rendering, glob patterns (nocase),
// validation shared with the loader, immutability and all-or-nothing multi-set, with Redis 7's
// error texts.
#include "common/config/registry.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "test_schema.h"

using namespace strata::config;
using namespace strata::config::testing;

namespace {

struct Fixture {
  TestSettings settings = testSchema().defaults();
  Registry<TestSettings> registry{testSchema(), settings};
};

std::vector<std::string> names(const std::vector<NameValue>& pairs) {
  std::vector<std::string> out;
  for (const auto& p : pairs) out.push_back(p.first);
  return out;
}

}  // namespace

TEST_SUITE("common.config") {
  TEST_CASE("CONFIG GET renders values like Redis") {
    Fixture f;
    f.settings.maxmemory = 1LL << 30;
    f.settings.cluster_enabled = true;
    f.settings.nodes = {"127.0.0.1:7000", "127.0.0.1:7001"};
    CHECK(f.registry.get("port") == "6379");
    CHECK(f.registry.get("cluster-enabled") == "yes");
    CHECK(f.registry.get("appendonly") == "no");
    CHECK(f.registry.get("maxmemory") == "1073741824");
    CHECK(f.registry.get("proto-max-bulk-len") == "536870912");
    CHECK(f.registry.get("maxmemory-policy") == "noeviction");
    CHECK(f.registry.get("loglevel") == "notice");
    CHECK(f.registry.get("logfile") == "");
    CHECK(f.registry.get("nodes") == "127.0.0.1:7000 127.0.0.1:7001");
    CHECK(f.registry.get("client-output-buffer-limit") ==
          "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    CHECK(f.registry.get("save") == "3600 1 300 100 60 10000");
    CHECK(f.registry.get("PORT") == "6379");  // names are case-insensitive
    CHECK_FALSE(f.registry.get("prot").has_value());
    CHECK_FALSE(f.registry.get("port*").has_value());  // get() is exact
  }

  TEST_CASE("CONFIG GET patterns use glob, nocase, declaration order") {
    Fixture f;
    CHECK(names(f.registry.getMatching("max*")) ==
          std::vector<std::string>{"maxmemory", "maxmemory-policy"});
    CHECK(names(f.registry.getMatching("MAXMEMORY")) == std::vector<std::string>{"maxmemory"});
    CHECK(names(f.registry.getMatching("*port*")) == std::vector<std::string>{"port"});
    CHECK(names(f.registry.getMatching("cluster-[en]*")) ==
          std::vector<std::string>{"cluster-enabled", "cluster-node-timeout"});
    CHECK(names(f.registry.getMatching("[^a-m]*")) ==
          std::vector<std::string>{"port", "proto-max-bulk-len", "tls-cert-file", "nodes", "save",
                                   "users", "slave-node-timeout"});
    CHECK(f.registry.getMatching("nothing*").empty());
    CHECK(f.registry.all().size() == testSchema().options().size() + testSchema().aliases().size());
    CHECK(f.registry.all().front() == NameValue{"port", "6379"});
    // Several patterns: each option once.
    CHECK(names(f.registry.getMatching(std::vector<std::string>{"port", "p*", "save"})) ==
          std::vector<std::string>{"port", "proto-max-bulk-len", "save"});
  }

  TEST_CASE("an alias reads and writes its option, and patterns list both names") {
    Fixture f;
    CHECK(testSchema().find("SLAVE-node-timeout") == testSchema().find("cluster-node-timeout"));
    CHECK(f.registry.get("slave-node-timeout") == "15000");
    CHECK(f.registry.set("slave-node-timeout", "2000").isOk());
    CHECK(f.settings.cluster_node_timeout == 2000);
    CHECK(f.registry.get("cluster-node-timeout") == "2000");
    CHECK(f.registry.getMatching("*node-timeout") ==
          std::vector<NameValue>{{"cluster-node-timeout", "2000"}, {"slave-node-timeout", "2000"}});
    // Both names in one CONFIG SET: not a duplicate (Redis registers an alias as a config of
    // its own), applied in order so the later value wins; the same name twice is a duplicate.
    CHECK(f.registry.set({{"cluster-node-timeout", "100"}, {"slave-node-timeout", "200"}}).isOk());
    CHECK(f.settings.cluster_node_timeout == 200);
    CHECK(f.registry.set({{"Slave-Node-Timeout", "300"}, {"cluster-node-timeout", "400"}}).isOk());
    CHECK(f.settings.cluster_node_timeout == 400);
    CHECK(f.registry.set({{"slave-node-timeout", "5"}, {"SLAVE-node-timeout", "6"}}).message() ==
          "ERR CONFIG SET failed (possibly related to argument 'SLAVE-node-timeout') - duplicate "
          "parameter");
    CHECK(f.settings.cluster_node_timeout == 400);
    // Errors name the option as the client wrote it.
    CHECK(f.registry.set("slave-node-timeout", "0").message() ==
          "ERR CONFIG SET failed (possibly related to argument 'slave-node-timeout') - argument "
          "must be between 1 and 3600000 inclusive");
  }

  TEST_CASE("CONFIG SET changes reloadable options with the loader's validation") {
    Fixture f;
    CHECK(f.registry.set("maxmemory", "2gb").isOk());
    CHECK(f.settings.maxmemory == 2LL << 30);
    CHECK(f.registry.get("maxmemory") == "2147483648");
    CHECK(f.registry.set("MAXMEMORY-POLICY", "AllKeys-LRU").isOk());
    CHECK(f.settings.policy == Policy::kAllKeysLru);
    CHECK(f.registry.get("maxmemory-policy") == "allkeys-lru");
    CHECK(f.registry.set("appendonly", "yes").isOk());
    CHECK(f.settings.appendonly);
    CHECK(f.registry.set("loglevel", "debug").isOk());
    CHECK(f.settings.loglevel == "debug");
    CHECK(f.registry.set("tls-cert-file", "/tmp/c.pem").isOk());
    CHECK(f.settings.tls_cert_file == "/tmp/c.pem");
    CHECK(f.registry.set("save", "900 1 300 10").isOk());
    CHECK(f.registry.get("save") == "900 1 300 10");
    CHECK(f.registry.set("save", "").isOk());
    CHECK(f.settings.save.empty());
    CHECK(f.registry.set("client-output-buffer-limit", "pubsub 64mb 16mb 30").isOk());
    CHECK(f.registry.get("client-output-buffer-limit") ==
          "normal 0 0 0 slave 268435456 67108864 60 pubsub 67108864 16777216 30");
  }

  TEST_CASE("CONFIG SET validation errors use Redis's framing") {
    Fixture f;
    // Integer and memory values: redis-server 7.0's texts (numericParseString and
    // numericBoundaryCheck), whatever the loader says for the same value.
    CHECK(f.registry.set("maxmemory", "lots").message() ==
          "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a "
          "memory value");
    CHECK(f.registry.set("maxmemory", "-1").message() ==
          "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a "
          "memory value");
    CHECK(f.registry.set("cluster-node-timeout", "0").message() ==
          "ERR CONFIG SET failed (possibly related to argument 'cluster-node-timeout') - argument "
          "must be between 1 and 3600000 inclusive");
    CHECK(f.registry.set("cluster-node-timeout", "1k").message() ==
          "ERR CONFIG SET failed (possibly related to argument 'cluster-node-timeout') - argument "
          "couldn't be parsed into an integer");
    for (const char* notNumber : {"01", "-0", "+1", " 1", "", "1.5", "99999999999999999999"}) {
      CHECK(f.registry.set("cluster-node-timeout", notNumber).message() ==
            "ERR CONFIG SET failed (possibly related to argument 'cluster-node-timeout') - "
            "argument couldn't be parsed into an integer");
    }
    CHECK(f.registry.set("proto-max-bulk-len", "18446744073709551615")
              .message()
              .find("argument must be between ") != std::string::npos);
    // Redis 7.0's boolConfigSet / enumConfigSet texts; CONFIG SET takes only yes/no for a bool.
    for (const char* notBool : {"maybe", "true", "1", ""}) {
      CHECK(f.registry.set("appendonly", notBool).message() ==
            "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be "
            "'yes' or 'no'");
    }
    CHECK(f.registry.set("appendonly", "YES").isOk());
    CHECK(f.registry.set("loglevel", "loud").message() ==
          "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be "
          "one of the following: debug, verbose, notice, warning");
    CHECK(f.registry.set("loglevel", "WARNING").isOk());
    CHECK(f.registry.set("save", "900").message() ==
          "ERR CONFIG SET failed (possibly related to argument 'save') - expected pairs of "
          "<seconds> <changes>");
    CHECK(f.registry.set("prot", "1").message() ==
          "ERR Unknown option or number of arguments for CONFIG SET - 'prot'");
    CHECK(f.settings.maxmemory == 0);
    CHECK(f.settings.cluster_node_timeout == 15000);
    // memtoull's leniency: no digits is 0 bytes, units in any case.
    CHECK(f.registry.set("maxmemory", "").isOk());
    CHECK(f.registry.set("maxmemory", "3KB").isOk());
    CHECK(f.settings.maxmemory == 3072);
  }

  TEST_CASE("CONFIG SET refuses immutable options") {
    Fixture f;
    CHECK(f.registry.set("port", "7000").message() ==
          "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable "
          "config");
    CHECK(f.registry.set("Cluster-Enabled", "yes").message() ==
          "ERR CONFIG SET failed (possibly related to argument 'Cluster-Enabled') - can't set "
          "immutable config");
    CHECK(f.settings.port == 6379);
    CHECK_FALSE(f.settings.cluster_enabled);
  }

  TEST_CASE("CONFIG SET with several pairs is all-or-nothing") {
    Fixture f;
    CHECK(f.registry.set({{"maxmemory", "1mb"}, {"appendonly", "yes"}}).isOk());
    CHECK(f.settings.maxmemory == 1048576);
    CHECK(f.settings.appendonly);

    Status st = f.registry.set({{"maxmemory", "5mb"}, {"loglevel", "loud"}});
    CHECK(st.message().find("argument 'loglevel'") != std::string::npos);
    CHECK(f.settings.maxmemory == 1048576);  // not applied

    st = f.registry.set({{"maxmemory", "5mb"}, {"port", "1"}});
    CHECK(st.message().find("can't set immutable config") != std::string::npos);
    CHECK(f.settings.maxmemory == 1048576);

    st = f.registry.set({{"maxmemory", "5mb"}, {"MaxMemory", "6mb"}});
    CHECK(st.message() ==
          "ERR CONFIG SET failed (possibly related to argument 'MaxMemory') - duplicate parameter");

    // Unknown names are reported before anything else, like Redis.
    st = f.registry.set({{"port", "1"}, {"nope", "1"}});
    CHECK(st.message() == "ERR Unknown option or number of arguments for CONFIG SET - 'nope'");
    CHECK(f.settings.maxmemory == 1048576);
  }

  TEST_CASE("CONFIG SET leaves fields outside the table alone") {
    Fixture f;
    CHECK(f.registry.set("maxmemory", "1k").isOk());
    f.settings.not_in_schema = "changed by the program";
    CHECK(f.registry.set("maxmemory", "2k").isOk());
    CHECK(f.settings.not_in_schema == "changed by the program");
  }

  TEST_CASE("options can be iterated with their metadata") {
    const Option* port = testSchema().find("port");
    REQUIRE(port != nullptr);
    CHECK(port->type == OptionType::kInteger);
    CHECK_FALSE(port->reloadable());
    CHECK(port->default_text == "6379");
    CHECK(port->value_hint == "integer [0, 65535]");
    const Option* policy = testSchema().find("maxmemory-policy");
    REQUIRE(policy != nullptr);
    CHECK(policy->type == OptionType::kEnum);
    CHECK(policy->reloadable());
    CHECK(optionTypeName(OptionType::kMemory) == "memory");
    int count = 0;
    for (const Option& o : testSchema().options()) {
      CHECK(testSchema().find(o.name) == &o);
      ++count;
    }
    CHECK(count == 15);
  }
}
