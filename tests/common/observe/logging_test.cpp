// Logging set-up of common/observe/logging.h: level names, level filtering, text and JSON lines
// in a temporary file (each JSON line parsed back), unopenable files, concurrent writers.
#include "common/observe/logging.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

// Options are written as designated initializers naming only the fields a case sets; GCC 12 warns
// about the omitted (defaulted) ones.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace strata::observe;
namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "strata-log-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir_ = tmpl;
  }
  ~TempDir() {
    // Back to stderr first, so no logger keeps writing to a removed file.
    (void)initLogging({});
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
};

std::vector<std::string> readLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void appendUtf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A strict parser for one flat JSON object of string and integer values. Returns false on any
// syntax error; numbers come back as their text.
bool parseFlatJson(const std::string& s, std::map<std::string, std::string>& out) {
  size_t i = 0;
  auto parseString = [&](std::string& v) {
    if (i >= s.size() || s[i] != '"') return false;
    for (++i; i < s.size(); ++i) {
      char c = s[i];
      if (c == '"') {
        ++i;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        v += c;
        continue;
      }
      if (++i >= s.size()) return false;
      switch (s[i]) {
        case '"':
          v += '"';
          break;
        case '\\':
          v += '\\';
          break;
        case '/':
          v += '/';
          break;
        case 'n':
          v += '\n';
          break;
        case 'r':
          v += '\r';
          break;
        case 't':
          v += '\t';
          break;
        case 'u': {
          if (i + 4 >= s.size()) return false;
          appendUtf8(v, std::stoul(s.substr(i + 1, 4), nullptr, 16));
          i += 4;
          break;
        }
        default:
          return false;
      }
    }
    return false;
  };
  if (s.empty() || s[i++] != '{') return false;
  while (true) {
    std::string key, value;
    if (!parseString(key) || i >= s.size() || s[i++] != ':') return false;
    if (i < s.size() && s[i] == '"') {
      if (!parseString(value)) return false;
    } else {
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) value += s[i++];
      if (value.empty()) return false;
    }
    out[key] = value;
    if (i >= s.size()) return false;
    if (s[i] == '}') return i + 1 == s.size();
    if (s[i++] != ',') return false;
  }
}

// True when `s` has the shape of `pattern`: 'd' stands for a digit, other characters for
// themselves.
bool hasShape(const std::string& s, const std::string& pattern) {
  if (s.size() != pattern.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool ok = pattern[i] == 'd' ? std::isdigit(static_cast<unsigned char>(s[i])) != 0
                                : s[i] == pattern[i];
    if (!ok) return false;
  }
  return true;
}

}  // namespace

TEST_SUITE("common.observe") {
  TEST_CASE("Redis and spdlog level names") {
    using spdlog::level::level_enum;
    CHECK(parseLogLevel("debug") == level_enum::debug);
    CHECK(parseLogLevel("verbose") == level_enum::debug);
    CHECK(parseLogLevel("notice") == level_enum::info);
    CHECK(parseLogLevel("warning") == level_enum::warn);
    CHECK(parseLogLevel("nothing") == level_enum::off);
    CHECK(parseLogLevel("NOTICE") == level_enum::info);
    CHECK(parseLogLevel("trace") == level_enum::trace);
    CHECK(parseLogLevel("info") == level_enum::info);
    CHECK(parseLogLevel("warn") == level_enum::warn);
    CHECK(parseLogLevel("error") == level_enum::err);
    CHECK(parseLogLevel("critical") == level_enum::critical);
    CHECK(parseLogLevel("off") == level_enum::off);
    CHECK_FALSE(parseLogLevel("loud").has_value());
    CHECK(parseLogFormat("JSON") == LogFormat::kJson);
    CHECK(parseLogFormat("text") == LogFormat::kText);
    CHECK_FALSE(parseLogFormat("xml").has_value());
  }

  TEST_CASE("text lines go to the file, filtered by level, warnings flushed at once") {
    TempDir tmp;
    auto early = logger("early");  // made before initLogging: follows the new sink too
    std::string path = tmp.file("text.log");
    REQUIRE_FALSE(initLogging({.level = "warning", .file = path}).has_value());
    auto log = logger("proxy");
    CHECK(log == logger("proxy"));
    log->info("hidden info");
    log->debug("hidden debug");
    log->warn("shown {}", 42);
    early->error("early error");
    // No flushLogs(): warn and above are flushed as they are written.
    std::vector<std::string> lines = readLines(path);
    REQUIRE(lines.size() == 2);
    const std::string prefix = "[dddd-dd-ddTdd:dd:dd.dddZ]";
    CHECK(hasShape(lines[0].substr(0, prefix.size()), prefix));
    CHECK(lines[0].substr(prefix.size()) == " [warning] [proxy] shown 42");
    CHECK(lines[1].find("[error] [early] early error") != std::string::npos);

    // Reconfiguring changes the level of existing loggers.
    REQUIRE_FALSE(initLogging({.level = "debug", .file = path}).has_value());
    log->debug("now shown");
    log->trace("still hidden");
    flushLogs();
    lines = readLines(path);
    REQUIRE(lines.size() == 3);
    CHECK(lines[2].find("[debug] [proxy] now shown") != std::string::npos);
  }

  TEST_CASE("json lines parse and carry ts, level, logger and msg") {
    TempDir tmp;
    std::string path = tmp.file("json.log");
    REQUIRE_FALSE(
        initLogging({.level = "notice", .file = path, .format = LogFormat::kJson}).has_value());
    auto log = logger("node");
    log->debug("filtered");
    log->info("plain message");
    log->warn("quote \" backslash \\ newline \n tab \t bell \x07 utf8 \xC3\xA9 bad \xFF end");
    flushLogs();
    std::vector<std::string> lines = readLines(path);
    REQUIRE(lines.size() == 2);
    std::vector<std::map<std::string, std::string>> objs(2);
    for (size_t i = 0; i < 2; ++i) {
      INFO(lines[i]);
      REQUIRE(parseFlatJson(lines[i], objs[i]));
      CHECK(hasShape(objs[i]["ts"], "dddd-dd-ddTdd:dd:dd.ddddddZ"));
      CHECK(objs[i]["logger"] == "node");
      CHECK_FALSE(objs[i]["thread"].empty());
    }
    CHECK(objs[0]["level"] == "info");
    CHECK(objs[0]["msg"] == "plain message");
    CHECK(objs[1]["level"] == "warning");
    CHECK(objs[1]["msg"] ==
          "quote \" backslash \\ newline \n tab \t bell \x07 utf8 \xC3\xA9 bad \xC3\xBF end");
  }

  TEST_CASE("errors: unopenable file or unknown level keep the old set-up") {
    TempDir tmp;
    std::string good = tmp.file("good.log");
    REQUIRE_FALSE(initLogging({.level = "info", .file = good}).has_value());
    // spdlog creates missing directories, and root may write anywhere: use a regular file as
    // the parent directory.
    std::string bad = good + "/x.log";
    auto err = initLogging({.level = "info", .file = bad});
    REQUIRE(err.has_value());
    CHECK(err->find(bad) != std::string::npos);
    err = initLogging({.level = "chatty", .file = good});
    REQUIRE(err.has_value());
    CHECK(err->find("chatty") != std::string::npos);
    logger("proxy")->info("still here");
    flushLogs();
    std::vector<std::string> lines = readLines(good);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("still here") != std::string::npos);
  }

  TEST_CASE("concurrent writers produce whole lines") {
    TempDir tmp;
    std::string path = tmp.file("mt.log");
    REQUIRE_FALSE(
        initLogging({.level = "info", .file = path, .format = LogFormat::kJson}).has_value());
    constexpr int kThreads = 4;
    constexpr int kLines = 500;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t] {
        auto log = logger("worker-" + std::to_string(t));
        for (int i = 0; i < kLines; ++i) log->info("line {} of worker {}", i, t);
      });
    }
    for (auto& th : threads) th.join();
    flushLogs();
    std::vector<std::string> lines = readLines(path);
    CHECK(lines.size() == kThreads * kLines);
    std::map<std::string, int> perLogger;
    bool allParse = true;
    for (const std::string& line : lines) {
      std::map<std::string, std::string> obj;
      allParse = allParse && parseFlatJson(line, obj);
      ++perLogger[obj["logger"]];
    }
    CHECK(allParse);
    CHECK(perLogger.size() == kThreads);
    for (auto& [name, count] : perLogger) CHECK(count == kLines);
  }
}
