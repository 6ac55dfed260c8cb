// Custom option types: client-output-buffer-limit (partial updates), save (TOML string, array or
// nested arrays), and the proxy's [[users]] tables with their own TOML parser, including errors
// from inside custom parsers (own Status with a line, and toml11 exceptions caught by the
// loader). Also the enum overloads and a minimal proxy-style schema declared in a few lines.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/config/loader.h"
#include "common/config/registry.h"
#include "test_schema.h"

using namespace strata::config;
using namespace strata::config::testing;

namespace {

using Args = std::vector<std::string>;

std::string tomlError(const std::string& text) {
  TestSettings s = testSchema().defaults();
  Status st = applyToml(testSchema(), s, text, "proxy.toml");
  return st.isOk() ? "" : st.message();
}

TestSettings tomlOk(const std::string& text) {
  TestSettings s = testSchema().defaults();
  Status st = applyToml(testSchema(), s, text, "proxy.toml");
  REQUIRE_MESSAGE(st.isOk(), st.message());
  return s;
}

}  // namespace

TEST_SUITE("common.config") {
  TEST_CASE("custom: save from a string, flat array or nested arrays") {
    using V = std::vector<SavePoint>;
    CHECK(tomlOk("save = \"900 1 300 10\"").save == V{{900, 1}, {300, 10}});
    CHECK(tomlOk("save = [900, 1, 300, 10]").save == V{{900, 1}, {300, 10}});
    CHECK(tomlOk("save = [[900, 1], [300, 10]]").save == V{{900, 1}, {300, 10}});
    CHECK(tomlOk("save = [\"900 1\", \"300 10\"]").save == V{{900, 1}, {300, 10}});
    CHECK(tomlOk("save = \"\"").save.empty());
    CHECK(tomlOk("save = []").save.empty());
  }

  TEST_CASE("custom: errors from the token parser carry the key's line") {
    CHECK(tomlError("\nsave = [900]\n") ==
          "proxy.toml:2: 'save': expected pairs of <seconds> <changes>");
    CHECK(tomlError("save = [[0, 1]]") == "proxy.toml:1: 'save': 0 is out of range [1, +inf]");
    CHECK(tomlError("save = 1.5") ==
          "proxy.toml:1: 'save': expected a string, an integer or an array of them, got a float");
    CHECK(tomlError("save = [1,\n 2.5]") ==
          "proxy.toml:2: 'save': expected a string, an integer or an array of them, got a float");
    CHECK(tomlError("client-output-buffer-limit = \"normal 0 0 0 vip 1 1 1\"") ==
          "proxy.toml:1: 'client-output-buffer-limit': invalid client class 'vip'");
  }

  TEST_CASE("custom: client-output-buffer-limit updates only the named classes") {
    TestSettings s =
        tomlOk("client-output-buffer-limit = \"normal 1mb 512kb 10 slave 2gb 1gb 120\"");
    CHECK(s.buffer_limits.normal == BufferLimit{1 << 20, 512 << 10, 10});
    CHECK(s.buffer_limits.replica == BufferLimit{2LL << 30, 1LL << 30, 120});
    CHECK(s.buffer_limits.pubsub == BufferLimits{}.pubsub);
    Registry<TestSettings> registry(testSchema(), s);
    CHECK(registry.get("client-output-buffer-limit") ==
          "normal 1048576 524288 10 slave 2147483648 1073741824 120 pubsub 33554432 8388608 60");
    // What CONFIG GET renders parses back to the same value.
    TestSettings copy = testSchema().defaults();
    Registry<TestSettings> other(testSchema(), copy);
    CHECK(other.set("client-output-buffer-limit", *registry.get("client-output-buffer-limit"))
              .isOk());
    CHECK(copy.buffer_limits == s.buffer_limits);
  }

  TEST_CASE("custom: [[users]] tables with a dedicated TOML parser") {
    TestSettings s = tomlOk(R"(
[[users]]
name = "app"
password = "secret"

[[users]]
name = "ro"
)");
    CHECK(s.users == std::vector<User>{{"app", "secret"}, {"ro", ""}});
    Registry<TestSettings> registry(testSchema(), s);
    CHECK(registry.get("users") == "app:<redacted> ro:<redacted>");
    CHECK(registry.set("users", "a:1 b:2").isOk());
    CHECK(s.users == std::vector<User>{{"a", "1"}, {"b", "2"}});
    CHECK(registry.set("users", "nocolon").message() ==
          "ERR CONFIG SET failed (possibly related to argument 'users') - expected "
          "name:password, got 'nocolon'");
  }

  TEST_CASE("custom: errors inside [[users]] point at the offending line") {
    CHECK(tomlError("[[users]]\nname = \"app\"\npassword = 5\n") ==
          "proxy.toml:3: 'users': expected a string, got an integer");
    CHECK(tomlError("[[users]]\nname = \"app\"\n\nrole = \"admin\"\n") ==
          "proxy.toml:4: 'users': unknown user field 'role'");
    CHECK(tomlError("users = 5\n") ==
          "proxy.toml:1: 'users': expected an array of tables ([[users]]), got an integer");
  }

  TEST_CASE("custom: toml11 exceptions thrown by a custom parser become errors") {
    // toml::find<std::string> throws toml::type_error with the value's location.
    std::string error = tomlError("[[users]]\nname = \"a\"\n\n[[users]]\nname = 7\n");
    CHECK(error == "proxy.toml:5: 'users': bad_cast to string (the actual type is integer)");
    // A missing key throws std::out_of_range.
    error = tomlError("\n[[users]]\npassword = \"x\"\n");
    CHECK(error == "proxy.toml:2: 'users': key \"name\" not found (in this table)");
  }

  TEST_CASE("custom: reload notices a change hidden by the rendering") {
    TempDir dir;
    std::string path = dir.write("proxy.toml", "[[users]]\nname = \"app\"\npassword = \"a\"\n");
    TestSettings s;
    REQUIRE(load(testSchema(), s, Args{path}).ok());
    dir.write("proxy.toml", "[[users]]\nname = \"app\"\npassword = \"b\"\n");
    ReloadResult r = reload(testSchema(), s, Args{path});
    REQUIRE_MESSAGE(r.status.isOk(), r.status.message());
    CHECK(r.changed == std::vector<std::string>{"users"});  // "app:<redacted>" both times
    CHECK(s.users == std::vector<User>{{"app", "b"}});
  }

  TEST_CASE("custom: users on the command line") {
    TestSettings s;
    LoadResult r = load(testSchema(), s, Args{"--users", "app:pw", "admin:x"});
    REQUIRE_MESSAGE(r.ok(), r.status.message());
    CHECK(s.users == std::vector<User>{{"app", "pw"}, {"admin", "x"}});
  }

  TEST_CASE("a proxy-style schema in a few lines") {
    struct ProxySettings {
      uint16_t port = 0;
      std::vector<std::string> nodes;
      int64_t max_clients = 0;
      std::string password;
    };
    using P = ProxySettings;
    Schema<P> schema;
    schema.integer("port", &P::port, 7777, {1, 65535}, kImmutable, "Listen port.")
        .stringList("nodes", &P::nodes, {"127.0.0.1:7000"}, kImmutable, "Seed nodes.")
        .integer("maxclients", &P::max_clients, 10000, {1, 1000000}, kReloadable, "Clients.")
        .string("requirepass", &P::password, "", kReloadable, "Password.");
    TempDir dir;
    std::string path = dir.write("proxy.toml", "nodes = [\"10.0.0.1:7000\"]\nmaxclients = 50\n");
    P settings;
    LoadResult r = load(schema, settings, Args{path, "--port", "8000"});
    REQUIRE_MESSAGE(r.ok(), r.status.message());
    CHECK(settings.port == 8000);
    CHECK(settings.nodes == std::vector<std::string>{"10.0.0.1:7000"});
    CHECK(settings.max_clients == 50);
    Registry<P> registry(schema, settings);
    CHECK(registry.set("requirepass", "hunter2").isOk());
    CHECK(settings.password == "hunter2");
    CHECK(registry.get("nodes") == "10.0.0.1:7000");
  }

  TEST_CASE("enum bound to a std::string keeps the declared spelling") {
    TestSettings s = tomlOk("loglevel = \"WARNING\"");
    CHECK(s.loglevel == "warning");
  }
}
