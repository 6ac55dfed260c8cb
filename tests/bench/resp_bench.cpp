// Micro-benchmarks for common/resp, against hiredis's redisReader as the reference C parser.
// One identical buffer of 10k pipelined `SET key:NNNNNN <100-byte value>` multibulk commands is
// parsed by RequestParser (zero-copy over the whole buffer, and through a 16 KiB read-buffer
// simulation that copies like a socket read), by hiredis (fed 16 KiB at a time, as from a
// socket: feeding it everything at once makes its 1 KiB buffer trimming quadratic), and framed
// by ReplyParser::frame. Writer encodes bulk and integer replies. Run pinned:
//   taskset -c 1 build-resp/tests/bench/resp_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "common/resp/reply_parser.h"
#include "common/resp/request_parser.h"
#include "common/resp/writer.h"

#ifdef STRATA_HAVE_HIREDIS
#include <hiredis/hiredis.h>
#endif

using namespace strata::resp;

namespace {

constexpr int kCommands = 10000;
constexpr size_t kReadSize = 16 * 1024;

const std::string& pipeline() {
  static const std::string buf = [] {
    std::string out;
    Writer w(out);
    const std::string value(100, 'v');
    char key[16];
    for (int i = 0; i < kCommands; ++i) {
      std::snprintf(key, sizeof(key), "key:%06d", i);
      w.command({"SET", key, value});
    }
    return out;
  }();
  return buf;
}

void setCounters(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * pipeline().size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kCommands));
}

void BM_RequestParser(benchmark::State& state) {
  const std::string& buf = pipeline();
  RequestParser parser;
  for (auto _ : state) {
    const char* data = buf.data();
    size_t len = buf.size();
    int count = 0;
    while (parser.parse(data, len) == ParseStatus::kOk) {
      benchmark::DoNotOptimize(parser.args()[2].data());
      data += parser.consumed();
      len -= parser.consumed();
      ++count;
    }
    if (count != kCommands) state.SkipWithError("wrong command count");
  }
  setCounters(state);
}
BENCHMARK(BM_RequestParser);

// As a server uses it: 16 KiB reads appended to a connection buffer, requests parsed in place,
// the consumed prefix dropped (the partial request at the end moves to the front).
void BM_RequestParserReads16k(benchmark::State& state) {
  const std::string& buf = pipeline();
  RequestParser parser;
  std::string conn;
  conn.reserve(2 * kReadSize);
  for (auto _ : state) {
    int count = 0;
    for (size_t off = 0; off < buf.size(); off += kReadSize) {
      conn.append(buf, off, kReadSize);
      size_t pos = 0;
      while (parser.parse(conn.data() + pos, conn.size() - pos) == ParseStatus::kOk) {
        benchmark::DoNotOptimize(parser.args()[2].data());
        pos += parser.consumed();
        ++count;
      }
      conn.erase(0, pos + parser.consumed());
    }
    if (count != kCommands) state.SkipWithError("wrong command count");
  }
  setCounters(state);
}
BENCHMARK(BM_RequestParserReads16k);

#ifdef STRATA_HAVE_HIREDIS
void BM_HiredisReader(benchmark::State& state) {
  const std::string& buf = pipeline();
  for (auto _ : state) {
    redisReader* reader = redisReaderCreate();
    int count = 0;
    for (size_t off = 0; off < buf.size(); off += kReadSize) {
      redisReaderFeed(reader, buf.data() + off, std::min(kReadSize, buf.size() - off));
      void* reply = nullptr;
      while (redisReaderGetReply(reader, &reply) == REDIS_OK && reply != nullptr) {
        benchmark::DoNotOptimize(static_cast<redisReply*>(reply)->element[2]->str);
        freeReplyObject(reply);
        ++count;
      }
    }
    redisReaderFree(reader);
    if (count != kCommands) state.SkipWithError("wrong command count");
  }
  setCounters(state);
}
BENCHMARK(BM_HiredisReader);
#endif

void BM_ReplyParserFrame(benchmark::State& state) {
  const std::string& buf = pipeline();
  ReplyParser parser;
  for (auto _ : state) {
    const char* data = buf.data();
    size_t len = buf.size();
    int count = 0;
    while (parser.frame(data, len) == ParseStatus::kOk) {
      data += parser.consumed();
      len -= parser.consumed();
      ++count;
    }
    if (count != kCommands) state.SkipWithError("wrong value count");
  }
  setCounters(state);
}
BENCHMARK(BM_ReplyParserFrame);

void BM_WriterBulk(benchmark::State& state) {
  const std::string value(100, 'v');
  std::string out;
  for (auto _ : state) {
    out.clear();
    Writer w(out);
    for (int i = 0; i < kCommands; ++i) w.bulk(value);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kCommands));
}
BENCHMARK(BM_WriterBulk);

void BM_WriterInteger(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    Writer w(out);
    for (int64_t i = 0; i < kCommands; ++i) w.integer(i * 7919);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kCommands));
}
BENCHMARK(BM_WriterInteger);

}  // namespace

BENCHMARK_MAIN();
