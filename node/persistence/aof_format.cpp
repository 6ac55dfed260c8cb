// The manifest parser/writer and the AOF byte-stream replay (see aof_format.h). Pure functions;
// any thread.
#include "node/persistence/aof_format.h"
#include "common/config/value_parsers.h"

#include <cctype>

namespace strata::node {

namespace {

constexpr size_t kMaxManifestLine = 1024;  // Redis's AOF_MANIFEST_MAX_LINE
constexpr size_t kMaxFileName = 200;       // x4 when escaped: still under kMaxManifestLine
constexpr int64_t kMaxArgs = 1024 * 1024;
constexpr int64_t kMaxBulk = 512LL * 1024 * 1024;  // proto-max-bulk-len's default

using config::equalsNoCase;

// A manifest line's words, as Redis reads them: sdssplitargs (config::splitArgs). One exception
// keeps manifests written before the writer quoted names with a single quote loading: a line
// with a ' but no " (which that writer, and Redis's own sdsneedsrepr, left as `file it's.aof ...`)
// is split on whitespace, as it was written. False on unbalanced quotes.
bool splitManifestLine(std::string_view line, std::vector<std::string>& out) {
  if (line.find('\'') != std::string_view::npos && line.find('"') == std::string_view::npos) {
    out.clear();
    size_t i = 0;
    while (true) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      if (i == line.size()) return true;
      const size_t start = i;
      while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      out.emplace_back(line.substr(start, i - start));
    }
  }
  return config::splitArgs(line, out).isOk();
}

bool needsQuoting(std::string_view s) {
  if (s.empty()) return true;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (std::isspace(u) || c == '"' || c == '\'' || c == '\\' || !std::isprint(u)) return true;
  }
  return false;
}

bool parseSeq(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return v > 0;
}

}  // namespace

std::string aofBaseName(std::string_view name, int64_t seq) {
  return std::string(name) + "." + std::to_string(seq) + ".base.aof";
}
std::string aofIncrName(std::string_view name, int64_t seq) {
  return std::string(name) + "." + std::to_string(seq) + ".incr.aof";
}
std::string aofManifestName(std::string_view name) {
  return std::string(name) + ".manifest";
}
std::string aofTempManifestName(std::string_view name) {
  return "temp-" + std::string(name) + ".manifest";
}

bool AofManifest::parse(std::string_view text, AofManifest& out, std::string& error) {
  out = AofManifest{};
  std::vector<std::string> args;
  size_t pos = 0;
  int64_t lastIncr = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      error = "The AOF manifest file is invalid format (last line is not terminated)";
      return false;
    }
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.size() + 1 > kMaxManifestLine) {
      error = "The AOF manifest file contains too long line";
      return false;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    if (!splitManifestLine(line, args) || args.size() < 6 || args.size() % 2 != 0) {
      error = "Invalid AOF manifest file format";
      return false;
    }
    File f;
    bool haveName = false, haveSeq = false, haveType = false;
    for (size_t i = 0; i + 1 < args.size(); i += 2) {
      if (args[i] == "file") {
        f.name = args[i + 1];
        // A file name in appenddirname (no path, no NUL; any other byte, as Redis), short
        // enough that its escaped form (4 bytes a byte at most) still fits a manifest line.
        haveName = !f.name.empty() && f.name.size() <= kMaxFileName &&
                   f.name.find_first_of(std::string_view("/\0", 2)) == std::string::npos;
      } else if (args[i] == "seq") {
        haveSeq = parseSeq(args[i + 1], f.seq);
      } else if (args[i] == "type") {
        haveType = args[i + 1].size() == 1 &&
                   (args[i + 1][0] == 'b' || args[i + 1][0] == 'h' || args[i + 1][0] == 'i');
        if (haveType) f.type = args[i + 1][0];
      }
      // Unknown keys are ignored (forward compatibility, as Redis).
    }
    if (!haveName || !haveSeq || !haveType) {
      error = "Invalid AOF manifest file format";
      return false;
    }
    if (f.type == 'b') {
      if (out.hasBase) {
        error = "Found duplicate base file information";
        return false;
      }
      out.hasBase = true;
      out.base = std::move(f);
    } else if (f.type == 'h') {
      out.history.push_back(std::move(f));
    } else {
      if (f.seq <= lastIncr) {
        error = "Found a non-monotonic sequence number";
        return false;
      }
      lastIncr = f.seq;
      out.incrs.push_back(std::move(f));
    }
  }
  if (!out.hasBase && out.incrs.empty() && out.history.empty()) {
    error = "Found an empty AOF manifest";
    return false;
  }
  return true;
}

std::string AofManifest::serialize() const {
  std::string out;
  auto line = [&](const File& f) {
    out += "file ";
    if (needsQuoting(f.name)) {
      config::appendRepr(out, f.name);
    } else {
      out += f.name;
    }
    out += " seq " + std::to_string(f.seq) + " type ";
    out.push_back(f.type);
    out.push_back('\n');
  };
  if (hasBase) line(base);
  for (const File& f : history) line(f);
  for (const File& f : incrs) line(f);
  return out;
}

namespace {

// Reads "<prefix><digits>\r\n" at `p`. 1: ok, 0: needs more data, -1: malformed.
int readHeader(std::string_view d, size_t& p, char prefix, int64_t max, int64_t& value) {
  if (p >= d.size()) return 0;
  if (d[p] != prefix) return -1;
  size_t q = p + 1;
  int64_t v = 0;
  size_t digits = 0;
  while (q < d.size() && d[q] >= '0' && d[q] <= '9') {
    v = v * 10 + (d[q] - '0');
    if (v > max) return -1;
    ++q;
    ++digits;
  }
  if (q >= d.size()) return 0;
  if (digits == 0 || d[q] != '\r') return -1;
  if (q + 1 >= d.size()) return 0;
  if (d[q + 1] != '\n') return -1;
  value = v;
  p = q + 2;
  return 1;
}

}  // namespace

AofReplayResult replayAof(std::string_view d, const AofApply& apply) {
  AofReplayResult r;
  std::vector<std::string_view> argv;
  // A MULTI block waits for its EXEC: the commands (as offsets into d) and where MULTI began.
  std::vector<std::vector<std::string_view>> queued;
  bool inMulti = false;
  size_t multiStart = 0;
  size_t p = 0;
  auto corrupt = [&](size_t at, std::string why) {
    r.status = AofReplayResult::Status::kCorrupt;
    r.errorOffset = at;
    r.error = std::move(why);
    return r;
  };
  auto truncated = [&]() {
    r.status = AofReplayResult::Status::kTruncated;
    return r;
  };
  while (p < d.size()) {
    const size_t start = p;
    if (d[p] == '#') {  // annotation line (Redis's timestamp annotations)
      size_t nl = d.find('\n', p);
      if (nl == std::string_view::npos) return truncated();
      p = nl + 1;
      if (!inMulti) r.validUpTo = p;
      continue;
    }
    int64_t argc = 0;
    int h = readHeader(d, p, '*', kMaxArgs, argc);
    if (h == 0) return truncated();
    if (h < 0 || argc < 1) return corrupt(start, "Bad file format");
    argv.clear();
    for (int64_t i = 0; i < argc; ++i) {
      int64_t len = 0;
      h = readHeader(d, p, '$', kMaxBulk, len);
      if (h == 0) return truncated();
      if (h < 0) return corrupt(start, "Bad file format");
      const auto n = static_cast<size_t>(len);
      if (d.size() - p < n + 2) return truncated();
      if (d[p + n] != '\r' || d[p + n + 1] != '\n') {
        return corrupt(start, "Bad file format");
      }
      argv.push_back(d.substr(p, n));
      p += n + 2;
    }
    if (equalsNoCase(argv[0], "multi")) {
      if (inMulti) return corrupt(start, "Nested MULTI");
      inMulti = true;
      multiStart = start;
      continue;
    }
    if (equalsNoCase(argv[0], "exec")) {
      if (!inMulti) return corrupt(start, "EXEC without MULTI");
      for (const auto& q : queued) {
        std::string why;
        if (!apply(q, why)) {
          r.status = AofReplayResult::Status::kApplyFailed;
          r.errorOffset = multiStart;
          r.error = std::move(why);
          return r;
        }
        ++r.commands;
      }
      queued.clear();
      inMulti = false;
      r.validUpTo = p;
      continue;
    }
    if (inMulti) {
      queued.push_back(argv);
      continue;
    }
    std::string why;
    if (!apply(argv, why)) {
      r.status = AofReplayResult::Status::kApplyFailed;
      r.errorOffset = start;
      r.error = std::move(why);
      return r;
    }
    ++r.commands;
    r.validUpTo = p;
  }
  if (inMulti) {
    // A MULTI without its EXEC at the end: the transaction was cut; revert to before MULTI.
    r.validUpTo = multiStart;
    return truncated();
  }
  return r;
}

}  // namespace strata::node
