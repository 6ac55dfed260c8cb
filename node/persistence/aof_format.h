// The AOF's on-disk formats, as pure functions (no I/O, no Server) so the unit tests and the
// fuzzer drive them directly:
//  - the manifest of Redis 7.0's multi-part AOF (appendonlydir/<name>.manifest), one line per
//    file: `file <name> seq <n> type b|h|i` (base, history, incr), '#' lines are comments;
//  - the replay of an AOF file's bytes: RESP multibulk commands (`*N\r\n$len\r\narg\r\n...`),
//    '#' annotation lines skipped, MULTI ... EXEC delivered only once EXEC is read, a truncated
//    tail told apart from a corrupt middle (with the byte offset of the bad command).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::node {

struct AofManifest {
  struct File {
    std::string name;
    int64_t seq = 0;
    char type = 'i';  // 'b' base, 'h' history, 'i' incr
  };
  bool hasBase = false;
  File base;
  std::vector<File> incrs;    // in seq order
  std::vector<File> history;  // files to delete

  int64_t baseSeq() const { return hasBase ? base.seq : 0; }
  int64_t lastIncrSeq() const { return incrs.empty() ? 0 : incrs.back().seq; }

  // Parses the manifest text. False with `error` ("Invalid AOF manifest file format", ...).
  static bool parse(std::string_view text, AofManifest& out, std::string& error);
  // The manifest text (base first, then history, then incrs), as Redis 7.0 writes it.
  std::string serialize() const;
};

// File names as Redis 7.0 builds them: <name>.<seq>.base.aof, <name>.<seq>.incr.aof,
// <name>.manifest, temp-<name>.manifest.
std::string aofBaseName(std::string_view name, int64_t seq);
std::string aofIncrName(std::string_view name, int64_t seq);
std::string aofManifestName(std::string_view name);
std::string aofTempManifestName(std::string_view name);

struct AofReplayResult {
  enum class Status { kOk, kTruncated, kCorrupt, kApplyFailed };
  Status status = Status::kOk;
  // Bytes of the complete commands (and complete MULTI ... EXEC blocks) applied: where a
  // truncated file is cut.
  size_t validUpTo = 0;
  // kCorrupt / kApplyFailed: offset of the offending command's first byte, and why.
  size_t errorOffset = 0;
  std::string error;
  size_t commands = 0;
};

// Applies one command; false (with `error`) stops the replay (an unknown command).
using AofApply = std::function<bool(const std::vector<std::string_view>& argv, std::string& error)>;

AofReplayResult replayAof(std::string_view data, const AofApply& apply);

}  // namespace strata::node
