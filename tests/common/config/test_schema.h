// A node-like settings struct and its option table, shared by the common/config tests. It covers
// every option type, including three custom ones modelled on the real uses:
// client-output-buffer-limit (partial updates by class), save (pairs of integers) and the proxy's
// [[users]] table (TOML array of tables with its own parser). Also a TempDir helper that writes
// TOML files for the loader tests and removes them afterwards.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "common/config/schema.h"
#include "common/config/value_parsers.h"

namespace strata::config::testing {

enum class Policy { kNoEviction, kAllKeysLru, kVolatileLru };

struct BufferLimit {
  int64_t hard = 0;
  int64_t soft = 0;
  int64_t seconds = 0;
  bool operator==(const BufferLimit&) const = default;
};

// normal / replica / pubsub, as Redis's client-output-buffer-limit.
struct BufferLimits {
  BufferLimit normal;
  BufferLimit replica{256LL << 20, 64LL << 20, 60};
  BufferLimit pubsub{32LL << 20, 8LL << 20, 60};
  bool operator==(const BufferLimits&) const = default;
};

struct SavePoint {
  int64_t seconds = 0;
  int64_t changes = 0;
  bool operator==(const SavePoint&) const = default;
};

struct User {
  std::string name;
  std::string password;
  bool operator==(const User&) const = default;
};

struct TestSettings {
  uint16_t port = 1;
  bool cluster_enabled = true;
  bool appendonly = true;
  int64_t maxmemory = -1;
  int64_t proto_max_bulk_len = 0;
  Policy policy = Policy::kVolatileLru;
  std::string loglevel;
  std::string logfile = "x";
  std::string tls_cert_file = "x";
  std::vector<std::string> nodes{"x"};
  int cluster_node_timeout = 0;
  int databases = 0;
  BufferLimits buffer_limits{};
  std::vector<SavePoint> save;
  std::vector<User> users;
  std::string not_in_schema = "untouched";
};

inline Status parseBufferLimits(const std::vector<std::string>& tokens, BufferLimits& out) {
  if (tokens.size() % 4 != 0) return Status::error("wrong number of arguments");
  for (size_t i = 0; i < tokens.size(); i += 4) {
    BufferLimit* target = nullptr;
    if (equalsNoCase(tokens[i], "normal")) target = &out.normal;
    if (equalsNoCase(tokens[i], "replica") || equalsNoCase(tokens[i], "slave")) {
      target = &out.replica;
    }
    if (equalsNoCase(tokens[i], "pubsub")) target = &out.pubsub;
    if (target == nullptr) return Status::error("invalid client class '" + tokens[i] + "'");
    BufferLimit limit;
    Status st = parseMemory(tokens[i + 1], {0, kNoMax}, limit.hard);
    if (st.isOk()) st = parseMemory(tokens[i + 2], {0, kNoMax}, limit.soft);
    if (st.isOk()) st = parseInteger(tokens[i + 3], {0, kNoMax}, limit.seconds);
    if (!st.isOk()) return st;
    *target = limit;
  }
  return Status::ok();
}

inline std::string renderBufferLimits(const BufferLimits& v) {
  auto one = [](const char* name, const BufferLimit& l) {
    return std::string(name) + " " + std::to_string(l.hard) + " " + std::to_string(l.soft) + " " +
           std::to_string(l.seconds);
  };
  return one("normal", v.normal) + " " + one("slave", v.replica) + " " + one("pubsub", v.pubsub);
}

inline Status parseSave(const std::vector<std::string>& tokens, std::vector<SavePoint>& out) {
  out.clear();
  if (tokens.size() == 1 && tokens[0].empty()) return Status::ok();  // save "" disables
  if (tokens.size() % 2 != 0) return Status::error("expected pairs of <seconds> <changes>");
  for (size_t i = 0; i < tokens.size(); i += 2) {
    SavePoint p;
    Status st = parseInteger(tokens[i], {1, kNoMax}, p.seconds);
    if (st.isOk()) st = parseInteger(tokens[i + 1], {0, kNoMax}, p.changes);
    if (!st.isOk()) return st;
    out.push_back(p);
  }
  return Status::ok();
}

inline std::string renderSave(const std::vector<SavePoint>& points) {
  std::string out;
  for (const SavePoint& p : points) {
    if (!out.empty()) out += ' ';
    out += std::to_string(p.seconds) + " " + std::to_string(p.changes);
  }
  return out;
}

// Text form: name:password words ("app:secret admin:pw"); TOML: [[users]] tables.
inline Status parseUsers(const std::vector<std::string>& tokens, std::vector<User>& out) {
  out.clear();
  for (const std::string& token : tokens) {
    size_t colon = token.find(':');
    if (colon == std::string::npos || colon == 0) {
      return Status::error("expected name:password, got '" + token + "'");
    }
    out.push_back({token.substr(0, colon), token.substr(colon + 1)});
  }
  return Status::ok();
}

inline Status parseUsersToml(const toml::value& value, std::vector<User>& out) {
  if (!value.is_array()) return tomlTypeError(value, "an array of tables ([[users]])");
  out.clear();
  for (const toml::value& entry : value.as_array()) {
    if (!entry.is_table()) return tomlTypeError(entry, "a table");
    User user;
    for (const auto& [key, field] : entry.as_table()) {
      if (key != "name" && key != "password") {
        return Status::error("unknown user field '" + key + "'", tomlLine(field));
      }
    }
    // toml::find throws on a missing key or a wrong type; the loader turns that into an error.
    user.name = toml::find<std::string>(entry, "name");
    Status st = stringFromToml(entry.contains("password") ? entry.at("password") : toml::value(""),
                               user.password);
    if (!st.isOk()) return st;
    out.push_back(user);
  }
  return Status::ok();
}

inline std::string renderUsers(const std::vector<User>& users) {
  std::string out;
  for (const User& u : users) out += (out.empty() ? "" : " ") + u.name + ":<redacted>";
  return out;
}

inline const Schema<TestSettings>& testSchema() {
  using S = TestSettings;
  static const Schema<TestSettings> schema = [] {
    Schema<S> s;
    s.integer("port", &S::port, 6379, {0, 65535}, kImmutable, "TCP port to listen on.")
        .boolean("cluster-enabled", &S::cluster_enabled, false, kImmutable, "Cluster mode.")
        .boolean("appendonly", &S::appendonly, false, kReloadable, "AOF persistence.")
        .memory("maxmemory", &S::maxmemory, 0, {0, kNoMax}, kReloadable, "Memory limit.")
        .memory("proto-max-bulk-len", &S::proto_max_bulk_len, 512 << 20, {1024 * 1024, kNoMax},
                kReloadable, "Max bulk length.")
        .enumeration("maxmemory-policy", &S::policy,
                     {{"noeviction", Policy::kNoEviction},
                      {"allkeys-lru", Policy::kAllKeysLru},
                      {"volatile-lru", Policy::kVolatileLru}},
                     Policy::kNoEviction, kReloadable, "Eviction policy.")
        .enumeration("loglevel", &S::loglevel, {"debug", "verbose", "notice", "warning"}, "notice",
                     kReloadable, "Log verbosity.")
        .string("logfile", &S::logfile, "", kImmutable, "Log file, empty for stdout.")
        .string("tls-cert-file", &S::tls_cert_file, "", kReloadable, "TLS certificate.")
        .stringList("nodes", &S::nodes, {}, kImmutable, "Seed nodes host:port.")
        .integer("cluster-node-timeout", &S::cluster_node_timeout, 15000, {1, 3600000}, kReloadable,
                 "Node timeout in ms.")
        .integer("databases", &S::databases, 16, {1, 16}, kImmutable, "Databases.")
        .custom<BufferLimits>("client-output-buffer-limit", &S::buffer_limits, BufferLimits{},
                              {.parse = parseBufferLimits,
                               .render = renderBufferLimits,
                               .hint = "<class> <hard> <soft> <seconds> ..."},
                              kReloadable, "Output buffer limits per client class.")
        .custom<std::vector<SavePoint>>(
            "save", &S::save, {{3600, 1}, {300, 100}, {60, 10000}},
            {.parse = parseSave, .render = renderSave, .hint = "<seconds> <changes> ..."},
            kReloadable, "RDB snapshot points.")
        .custom<std::vector<User>>("users", &S::users, {},
                                   {.parse = parseUsers,
                                    .render = renderUsers,
                                    .parse_toml = parseUsersToml,
                                    .hint = "name:password ..."},
                                   kReloadable, "Proxy users.")
        .alias("slave-node-timeout", "cluster-node-timeout");  // an old name, as Redis's
    return s;
  }();
  return schema;
}

// A private directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("strata-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `content` to <dir>/<name> and returns the full path.
  std::string write(const std::string& name, const std::string& content) const {
    std::filesystem::path file = path_ / name;
    std::ofstream(file, std::ios::binary) << content;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace strata::config::testing
