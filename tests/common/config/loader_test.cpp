// Startup loading: defaults, the TOML file (every option type, memory units), command-line
// overrides winning over the file, multi-token values, help/version, every error text with the
// right line, atomicity on error, and SIGHUP-style reload.
#include "common/config/loader.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/config/help.h"
#include "test_schema.h"

using namespace strata::config;
using namespace strata::config::testing;

namespace {

using Args = std::vector<std::string>;

// Loads into a fresh TestSettings, requiring success.
TestSettings loadOk(const Args& args) {
  TestSettings s;
  LoadResult r = load(testSchema(), s, args);
  REQUIRE_MESSAGE(r.ok(), r.status.message());
  REQUIRE(r.action == Action::kRun);
  return s;
}

// Loads and returns the error message ("" if it succeeded).
std::string loadError(const Args& args) {
  TestSettings s;
  LoadResult r = load(testSchema(), s, args);
  return r.ok() ? "" : r.status.message();
}

// Loads a file with `content` and returns "<error without the path>" or "".
std::string fileError(const std::string& content, const Args& extra = {}) {
  TempDir dir;
  std::string path = dir.write("node.toml", content);
  Args args{path};
  args.insert(args.end(), extra.begin(), extra.end());
  std::string error = loadError(args);
  if (error.rfind(path, 0) == 0) error = "node.toml" + error.substr(path.size());
  return error;
}

}  // namespace

TEST_SUITE("common.config") {
  TEST_CASE("load: no arguments gives the declared defaults") {
    TestSettings s = loadOk({});
    CHECK(s.port == 6379);
    CHECK_FALSE(s.cluster_enabled);
    CHECK_FALSE(s.appendonly);
    CHECK(s.maxmemory == 0);
    CHECK(s.proto_max_bulk_len == 512u << 20);
    CHECK(s.policy == Policy::kNoEviction);
    CHECK(s.loglevel == "notice");
    CHECK(s.logfile.empty());
    CHECK(s.tls_cert_file.empty());
    CHECK(s.nodes.empty());
    CHECK(s.cluster_node_timeout == 15000);
    CHECK(s.databases == 16);
    CHECK(s.buffer_limits == BufferLimits{});
    CHECK(s.save == std::vector<SavePoint>{{3600, 1}, {300, 100}, {60, 10000}});
    CHECK(s.users.empty());
    CHECK(s.not_in_schema == "untouched");  // fields outside the table are left alone
    TestSettings d = testSchema().defaults();
    CHECK(d.port == 6379);
    CHECK(d.loglevel == "notice");
  }

  TEST_CASE("load: a TOML file sets every option type") {
    TempDir dir;
    std::string path = dir.write("node.toml", R"(# strata node
port = 7000
cluster-enabled = true
appendonly = "yes"
maxmemory = "512mb"
proto-max-bulk-len = 2097152
maxmemory-policy = "ALLKEYS-LRU"
loglevel = "warning"
logfile = "/var/log/strata.log"
tls-cert-file = "/etc/strata/cert.pem"
nodes = ["127.0.0.1:7000", "127.0.0.1:7001"]
cluster-node-timeout = 5000
databases = 1
client-output-buffer-limit = "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60"
save = [[900, 1], [300, 10]]

[[users]]
name = "app"
password = "s3cret"

[[users]]
name = "admin"
password = "pw"
)");
    LoadResult r;
    TestSettings s;
    r = load(testSchema(), s, Args{path});
    REQUIRE_MESSAGE(r.ok(), r.status.message());
    CHECK(r.config_file == path);
    CHECK(s.port == 7000);
    CHECK(s.cluster_enabled);
    CHECK(s.appendonly);
    CHECK(s.maxmemory == 536870912);
    CHECK(s.proto_max_bulk_len == 2097152);
    CHECK(s.policy == Policy::kAllKeysLru);
    CHECK(s.loglevel == "warning");
    CHECK(s.logfile == "/var/log/strata.log");
    CHECK(s.tls_cert_file == "/etc/strata/cert.pem");
    CHECK(s.nodes == std::vector<std::string>{"127.0.0.1:7000", "127.0.0.1:7001"});
    CHECK(s.cluster_node_timeout == 5000);
    CHECK(s.databases == 1);
    CHECK(s.buffer_limits.replica == BufferLimit{256LL << 20, 64LL << 20, 60});
    CHECK(s.save == std::vector<SavePoint>{{900, 1}, {300, 10}});
    CHECK(s.users == std::vector<User>{{"app", "s3cret"}, {"admin", "pw"}});
  }

  TEST_CASE("load: memory options take integers or unit strings") {
    TempDir dir;
    const std::pair<const char*, int64_t> cases[] = {
        {"maxmemory = 0", 0},
        {"maxmemory = 1048576", 1048576},
        {"maxmemory = \"100\"", 100},
        {"maxmemory = \"1k\"", 1000},
        {"maxmemory = \"1KB\"", 1024},
        {"maxmemory = \"3m\"", 3000000},
        {"maxmemory = \"3Mb\"", 3LL << 20},
        {"maxmemory = \"2g\"", 2000000000},
        {"maxmemory = \"2GB\"", 2LL << 30},
    };
    for (const auto& [line, bytes] : cases) {
      TestSettings s = loadOk({dir.write("m.toml", line)});
      CHECK_MESSAGE(s.maxmemory == bytes, line);
    }
  }

  TEST_CASE("load: command line overrides the file") {
    TempDir dir;
    std::string path =
        dir.write("node.toml", "port = 7000\nmaxmemory = \"1gb\"\nloglevel = \"debug\"\n");
    TestSettings s = loadOk({path, "--port", "7001", "--maxmemory", "2mb", "--cluster-enabled",
                             "yes", "--nodes", "127.0.0.1:7000,127.0.0.1:7001"});
    CHECK(s.port == 7001);
    CHECK(s.maxmemory == 2LL << 20);
    CHECK(s.loglevel == "debug");  // from the file, not overridden
    CHECK(s.cluster_enabled);
    CHECK(s.nodes == std::vector<std::string>{"127.0.0.1:7000", "127.0.0.1:7001"});
  }

  TEST_CASE("load: an alias sets its option from the file and the command line") {
    TempDir dir;
    std::string path = dir.write("node.toml", "slave-node-timeout = 3000\n");
    CHECK(loadOk({path}).cluster_node_timeout == 3000);
    CHECK(loadOk({path, "--slave-node-timeout", "4000"}).cluster_node_timeout == 4000);
    CHECK(loadOk({"--slave-node-timeout", "5000", "--cluster-node-timeout", "6000"})
              .cluster_node_timeout == 6000);
  }

  TEST_CASE("load: command line without a file, later flags win") {
    TestSettings s = loadOk({"--port", "1", "--port", "2", "--maxmemory-policy", "volatile-lru"});
    CHECK(s.port == 2);
    CHECK(s.policy == Policy::kVolatileLru);
  }

  TEST_CASE("load: bool flags accept yes/no/true/false/1/0") {
    CHECK(loadOk({"--cluster-enabled", "yes"}).cluster_enabled);
    CHECK(loadOk({"--cluster-enabled", "true"}).cluster_enabled);
    CHECK(loadOk({"--cluster-enabled", "1"}).cluster_enabled);
    CHECK_FALSE(loadOk({"--appendonly", "no"}).appendonly);
    CHECK_FALSE(loadOk({"--appendonly", "false"}).appendonly);
    CHECK_FALSE(loadOk({"--appendonly", "0"}).appendonly);
    CHECK(loadError({"--appendonly", "maybe"}) ==
          "command line: '--appendonly': expected yes or no, got 'maybe'");
  }

  TEST_CASE("load: multi-token command-line values are joined with spaces") {
    TestSettings s = loadOk({"--save", "900", "1", "300", "10", "--port", "7002"});
    CHECK(s.save == std::vector<SavePoint>{{900, 1}, {300, 10}});
    CHECK(s.port == 7002);
    s = loadOk({"--client-output-buffer-limit", "pubsub 64mb 16mb 30", "--logfile", "a b"});
    CHECK(s.buffer_limits.pubsub == BufferLimit{64LL << 20, 16LL << 20, 30});
    CHECK(s.buffer_limits.normal == BufferLimit{});  // other classes keep their defaults
    CHECK(s.logfile == "a b");
    s = loadOk({"--client-output-buffer-limit", "normal", "1mb", "2mb", "3", "replica", "4mb",
                "5mb", "6"});
    CHECK(s.buffer_limits.normal == BufferLimit{1 << 20, 2 << 20, 3});
    CHECK(s.buffer_limits.replica == BufferLimit{4 << 20, 5 << 20, 6});
    s = loadOk({"--save", ""});
    CHECK(s.save.empty());
    s = loadOk({"--nodes", "a:1", "b:2,c:3"});
    CHECK(s.nodes == std::vector<std::string>{"a:1", "b:2", "c:3"});
    s = loadOk({"--logfile", ""});
    CHECK(s.logfile.empty());
    // Several words keep their boundaries, as redis-server quotes each: a word with a space
    // stays one argument of the option (here a bad one), a single word is taken as it is.
    CHECK(loadError({"--client-output-buffer-limit", "pubsub", "64mb 16mb", "30"}) ==
          "command line: '--client-output-buffer-limit': wrong number of arguments");
    s = loadOk({"--client-output-buffer-limit", "pubsub 64mb 16mb 30"});
    CHECK(s.buffer_limits.pubsub == BufferLimit{64LL << 20, 16LL << 20, 30});
  }

  TEST_CASE("load: negative numbers are values, not flags") {
    CHECK(loadError({"--port", "-1"}) == "command line: '--port': -1 is out of range [0, 65535]");
  }

  TEST_CASE("load: help and version are reported, not handled") {
    for (const char* flag : {"-h", "--help"}) {
      TestSettings s;
      LoadResult r = load(testSchema(), s, Args{flag});
      CHECK(r.ok());
      CHECK(r.action == Action::kHelp);
    }
    for (const char* flag : {"-v", "--version"}) {
      TestSettings s;
      LoadResult r = load(testSchema(), s, Args{flag});
      CHECK(r.ok());
      CHECK(r.action == Action::kVersion);
    }
    TestSettings s;
    LoadResult r = load(testSchema(), s, Args{"missing.toml", "--port", "1", "--help"});
    CHECK(r.ok());
    CHECK(r.action == Action::kHelp);
    CHECK(s.port == 1);  // settings untouched
    r = load(testSchema(), s, Args{"--port", "--version"});
    CHECK(r.action == Action::kVersion);
  }

  TEST_CASE("load: argc/argv entry point") {
    const char* argv[] = {"strata-node", "--port", "7005", "--save", "60", "5", nullptr};
    TestSettings s;
    LoadResult r = load(testSchema(), s, 6, argv);
    REQUIRE_MESSAGE(r.ok(), r.status.message());
    CHECK(s.port == 7005);
    CHECK(s.save == std::vector<SavePoint>{{60, 5}});
  }

  TEST_CASE("file errors: unknown option names file and line") {
    CHECK(fileError("# comment\n\nport = 7000\n\n\n\n\n\n\n\n\nprot = 7000\n") ==
          "node.toml:12: unknown option 'prot'");
  }

  TEST_CASE("file errors: type mismatch") {
    CHECK(fileError("# x\n\nport = \"7000\"\n") ==
          "node.toml:3: 'port': expected an integer, got a string");
    CHECK(fileError("cluster-enabled = 1\n") ==
          "node.toml:1: 'cluster-enabled': expected a boolean, got an integer");
    CHECK(fileError("cluster-enabled = \"maybe\"\n") ==
          "node.toml:1: 'cluster-enabled': expected yes or no, got 'maybe'");
    CHECK(fileError("logfile = 5\n") ==
          "node.toml:1: 'logfile': expected a string, got an integer");
    CHECK(fileError("port = 1.5\n") == "node.toml:1: 'port': expected an integer, got a float");
    CHECK(fileError("port = [1]\n") == "node.toml:1: 'port': expected an integer, got an array");
    CHECK(fileError("maxmemory = true\n") ==
          "node.toml:1: 'maxmemory': expected a memory size (integer or string like \"512mb\"), "
          "got a boolean");
    CHECK(fileError("loglevel = 1\n") ==
          "node.toml:1: 'loglevel': expected one of debug|verbose|notice|warning, got an integer");
    CHECK(fileError("nodes = 1\n") ==
          "node.toml:1: 'nodes': expected an array of strings, got an integer");
  }

  TEST_CASE("file errors: out of range and bad values") {
    CHECK(fileError("\n\nport = 70000\n") ==
          "node.toml:3: 'port': 70000 is out of range [0, 65535]");
    CHECK(fileError("port = -1\n") == "node.toml:1: 'port': -1 is out of range [0, 65535]");
    CHECK(fileError("maxmemory = \"12xb\"\n") ==
          "node.toml:1: 'maxmemory': expected a memory size (bytes, or a number with unit "
          "b/k/kb/m/mb/g/gb like 512mb), got '12xb'");
    CHECK(fileError("proto-max-bulk-len = \"1kb\"\n") ==
          "node.toml:1: 'proto-max-bulk-len': 1024 is out of range [1048576, +inf]");
    CHECK(fileError("loglevel = \"loud\"\n") ==
          "node.toml:1: 'loglevel': expected one of debug|verbose|notice|warning, got 'loud'");
  }

  TEST_CASE("file errors: array elements report their own line") {
    CHECK(fileError("port = 1\nnodes = [\n  \"a:1\",\n  5,\n]\n") ==
          "node.toml:4: 'nodes': expected an array of strings, got an integer");
  }

  TEST_CASE("file errors: the first error in line order is reported") {
    CHECK(fileError("zzz = 1\nport = 70000\naaa = 2\n") == "node.toml:1: unknown option 'zzz'");
    CHECK(fileError("port = 1\nlogfile = 2\naaa = 3\n") ==
          "node.toml:2: 'logfile': expected a string, got an integer");
  }

  TEST_CASE("file errors: sections are not options") {
    CHECK(fileError("port = 1\n\n[server]\nport = 2\n") == "node.toml:3: unknown option 'server'");
  }

  TEST_CASE("file errors: syntax errors carry toml11's line and message") {
    CHECK(fileError("port = 7000\n\n# c\n\nfoo = \n") ==
          "node.toml:5: syntax error: missing value after key-value separator '='");
    CHECK(fileError("port = 1\nport = 2\n").rfind("node.toml:2: syntax error: ", 0) == 0);
    CHECK(fileError("a = 1\nlogfile = \"abc\n").rfind("node.toml:2: syntax error: ", 0) == 0);
    std::string error = fileError("port = 7000\nnodes = [\"a\",\n");
    CHECK_MESSAGE(error.rfind("node.toml:", 0) == 0, error);
    CHECK_MESSAGE(error.find(": syntax error: ") != std::string::npos, error);
    CHECK(error.find('\n') == std::string::npos);  // one line
  }

  TEST_CASE("file errors: missing file") {
    TempDir dir;
    std::string path = dir.write("x", "") + "-missing.toml";
    CHECK(loadError({path}) == path + ": cannot open config file: No such file or directory");
  }

  TEST_CASE("command-line errors") {
    CHECK(loadError({"--prot", "7000"}) == "command line: unknown option '--prot'");
    CHECK(loadError({"--port", "70000"}) ==
          "command line: '--port': 70000 is out of range [0, 65535]");
    CHECK(loadError({"--port"}) == "command line: '--port' needs a value");
    CHECK(loadError({"--port", "--maxmemory", "1"}) == "command line: '--port' needs a value");
    CHECK(loadError({"--port", "abc"}) == "command line: '--port': expected an integer, got 'abc'");
    CHECK(loadError({"--port", "1", "2"}) ==
          "command line: '--port': expected an integer, got '1 2'");
    CHECK(loadError({"--maxmemory", "1 gb"}).find("got '1 gb'") != std::string::npos);
    CHECK(loadError({"-x"}) == "command line: unknown option '-x'");
    CHECK(loadError({"--port", "1", "file.toml"}) ==
          "command line: '--port': expected an "
          "integer, got '1 file.toml'");
    CHECK(loadError({"--maxmemory-policy", "lru"}) ==
          "command line: '--maxmemory-policy': expected one of "
          "noeviction|allkeys-lru|volatile-lru, got 'lru'");
    CHECK(loadError({"--client-output-buffer-limit", "normal 0 0"}) ==
          "command line: '--client-output-buffer-limit': wrong number of arguments");
    CHECK(loadError({"--save", "\"900 1"}) == "command line: '--save': unbalanced quotes");
  }

  TEST_CASE("command-line errors are checked before the file is read") {
    CHECK(loadError({"does-not-exist.toml", "--prot", "1"}) ==
          "command line: unknown option '--prot'");
  }

  TEST_CASE("a failed load leaves the settings untouched") {
    TempDir dir;
    std::string path = dir.write("node.toml", "port = 7000\nmaxmemory = \"1gb\"\n");
    TestSettings s;
    s.port = 42;
    LoadResult r = load(testSchema(), s, Args{path, "--databases", "17"});
    CHECK(r.status.message() == "command line: '--databases': 17 is out of range [1, 16]");
    CHECK(s.port == 42);
    CHECK(s.maxmemory == -1);
  }

  TEST_CASE("applyToml applies text on top of current values") {
    TestSettings s = loadOk({"--port", "1"});
    Status st = applyToml(testSchema(), s, "maxmemory = \"1mb\"\n", "inline");
    REQUIRE_MESSAGE(st.isOk(), st.message());
    CHECK(s.port == 1);
    CHECK(s.maxmemory == 1048576);
    st = applyToml(testSchema(), s, "\nport = 'x'\n", "inline");
    CHECK(st.message() == "inline:2: 'port': expected an integer, got a string");
    CHECK(s.port == 1);
  }

  TEST_CASE("reload applies reloadable changes and lists immutable ones") {
    TempDir dir;
    std::string path = dir.write("node.toml", "port = 7000\nmaxmemory = \"1mb\"\n");
    TestSettings s = loadOk({path, "--loglevel", "debug"});
    dir.write("node.toml", "port = 7001\nmaxmemory = \"2mb\"\nappendonly = true\n");
    ReloadResult r = reload(testSchema(), s, Args{path, "--loglevel", "debug"});
    REQUIRE_MESSAGE(r.status.isOk(), r.status.message());
    CHECK(r.changed == std::vector<std::string>{"appendonly", "maxmemory"});
    CHECK(r.ignored == std::vector<std::string>{"port"});
    CHECK(s.port == 7000);
    CHECK(s.maxmemory == 2097152);
    CHECK(s.appendonly);
    CHECK(s.loglevel == "debug");

    dir.write("node.toml", "maxmemory = \"oops\"\n");
    r = reload(testSchema(), s, Args{path});
    CHECK_FALSE(r.status.isOk());
    CHECK(r.changed.empty());
    CHECK(s.maxmemory == 2097152);
  }

  TEST_CASE("help text lists every option with its syntax and default") {
    std::string help = helpText(testSchema(), "strata-node");
    CHECK(help.rfind("Usage: strata-node [/path/to/config.toml] [--option value ...]\n", 0) == 0);
    CHECK(help.find("  --port <integer [0, 65535]>\n      default: 6379\n"
                    "      TCP port to listen on.\n") != std::string::npos);
    CHECK(help.find("  --maxmemory-policy <noeviction|allkeys-lru|volatile-lru>\n"
                    "      default: noeviction  [reloadable]\n") != std::string::npos);
    CHECK(help.find("  --logfile <string>\n      default: \"\"\n") != std::string::npos);
    CHECK(help.find("--save <<seconds> <changes> ...>\n      default: 3600 1 300 100 60 10000") !=
          std::string::npos);
    for (const Option& o : testSchema().options()) {
      CHECK_MESSAGE(help.find("--" + o.name + " <") != std::string::npos, o.name);
    }
  }
}
