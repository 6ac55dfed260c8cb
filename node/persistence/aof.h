// The append-only file, Redis 7.0's multi-part layout under <dir>/<appenddirname>/:
//
//   <name>.manifest ──> <name>.<s>.base.aof   (a snapshot: writeSnapshot's commands)
//                       <name>.<s>.incr.aof   (commands fed since that snapshot, in order)...
//
// Propagated commands are fed into buf_ (PropagationSink); beforeSleep writes the round's bytes
// once, BEFORE any reply of the round is flushed. appendfsync always: fdatasync right there
// (group commit: one fsync per loop round, for every client's writes of that round); everysec: a
// background thread fsyncs about once a second (Redis's bio); no: the kernel decides.
//
// With appendonly no, BGREWRITEAOF still writes a base file and a manifest naming only it (as
// Redis 7.0), removing the files of an earlier manifest.
//
// Rewrite (BGREWRITEAOF, auto-aof-rewrite-*, CONFIG SET appendonly yes):
//   parent: write buf_, open <s+1>.incr.aof, persist a manifest naming it, fork()
//   child:  writeSnapshot -> temp-rewriteaof-bg-<pid>.aof, fsync, _exit(0)
//   cron:   waitpid(WNOHANG) -> rename temp to <b+1>.base.aof, manifest = new base + new incr
//           (temp file, fsync, rename, dir fsync), old base and incrs unlinked.
// The event loop never waits for the child. Write errors: logged, the bytes stay buffered and
// are retried; write commands fail with -MISCONF until a write succeeds (appendfsync always
// exits, as Redis: an acknowledged write could otherwise be lost).
//
// Event-loop thread, except the fsync thread (owned here) and the rewrite child (fork()).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/net/handles.h"
#include "node/persistence/aof_format.h"
#include "node/persistence/child_process.h"
#include "node/persistence/propagation.h"
#include "node/settings.h"

namespace strata::node {

class Keyspace;

// Background fdatasync of a dup()ed descriptor, one job at a time (Redis's BIO_AOF_FSYNC).
class FsyncThread {
 public:
  FsyncThread();
  ~FsyncThread();
  // Takes ownership of `fd` (closes it after the fsync).
  void submit(int fd);
  bool busy() const { return pending_.load() > 0; }
  // Blocks until every submitted job is done (shutdown, switching files).
  void drain();
  // errno of the last failed fsync (0: the last one succeeded).
  int lastErrno() const { return lastErrno_.load(); }

 private:
  void run();
  std::mutex mu_;
  std::condition_variable cv_, idle_;
  std::deque<int> jobs_;
  bool stop_ = false;
  std::atomic<int> pending_{0};
  std::atomic<int> lastErrno_{0};
  std::thread thread_;
};

class Aof : public PropagationSink {
 public:
  enum class State { kOff, kOn, kWaitRewrite };
  // Applies one replayed command (through the command table, never re-propagated).
  using Apply = AofApply;

  Aof(const NodeSettings& settings, Keyspace& ks);
  ~Aof() override;
  Aof(const Aof&) = delete;
  Aof& operator=(const Aof&) = delete;

  void feed(std::string_view respCommands) override { buf_.append(respCommands); }

  // Start-up with appendonly yes: loads the manifest's files through `apply` (a truncated tail
  // cut when aof-load-truncated allows it), then opens the last incr file for appending. False
  // (reason logged, naming file and offset) when the node must not start.
  bool loadAndOpen(const Apply& apply);
  // CONFIG SET appendonly yes at runtime: starts a rewrite; the AOF is on once it completes
  // (commands are appended to the new incr meanwhile).
  bool enable(std::string& error);
  // CONFIG SET appendonly no, and shutdown: writes and fsyncs what is buffered, stops a rewrite.
  void disable();

  // beforeSleep: writes the buffer; fsync per policy.
  void flush(int64_t nowMs);
  // Cron: everysec fsync, write-error retry, the rewrite child, auto rewrite.
  void cron(int64_t nowMs);

  // BGREWRITEAOF. 1: started, 0: scheduled (one is in progress), -1: failed (`error`).
  int rewrite(std::string& error, bool scheduleIfBusy);
  bool rewriteInProgress() const { return child_.running(); }

  State state() const { return state_; }
  // appendfsync always and bytes fed or written since the last fsync.
  bool holdsReplies() const {
    return state_ != State::kOff && (!buf_.empty() || unsynced_) &&
           settings_.appendfsync == "always";
  }
  bool writeOk() const { return lastWriteErrno_ == 0; }
  // "-MISCONF Errors writing to the AOF file: <strerror>" while writes fail.
  std::string writeError() const;
  // INFO persistence's aof_* fields.
  void info(std::string& out, int64_t nowMs) const;

 private:
  std::string path(std::string_view file) const;
  // The highest sequence number used by a base ('b') or incr ('i') file, history included.
  int64_t maxSeq(char type) const;
  bool persistManifest(const AofManifest& m);
  bool openIncr(int64_t seq);
  bool loadFile(const AofManifest::File& f, bool last, const Apply& apply);
  bool writeBuffer();
  void fsyncNow();
  // fork()s the rewrite child (rewrite() has prepared the files).
  int forkRewrite(std::string& error);
  void checkChild(int64_t nowMs);
  void rewriteDone(bool ok, int64_t nowMs);
  void killChild();

  const NodeSettings& settings_;
  Keyspace& ks_;
  State state_ = State::kOff;
  AofManifest manifest_;
  net::UniqueFd fd_;  // the incr file being appended to
  std::string buf_;
  int64_t incrSize_ = 0;        // bytes in the current incr file
  int64_t otherIncrsSize_ = 0;  // bytes in the manifest's earlier incr files
  int64_t baseSize_ = 0;
  int64_t rewriteBaseSize_ = 0;  // aof_current_size after the last rewrite / load
  bool unsynced_ = false;        // written since the last fsync
  int64_t lastFsyncMs_ = 0;
  int lastWriteErrno_ = 0;
  int64_t lastWriteErrorLogMs_ = 0;
  std::unique_ptr<FsyncThread> fsyncer_;
  // Rewrite.
  ChildProcess child_;
  int64_t rewriteStartMs_ = 0;
  int64_t lastRewriteTimeSec_ = -1;
  bool lastRewriteOk_ = true;
  bool oneOff_ = false;  // the running rewrite is a BGREWRITEAOF of appendonly no
  bool rewriteScheduled_ = false;
  int64_t rewrites_ = 0;
  int64_t consecutiveFailures_ = 0;
  int64_t nextRetryMs_ = 0;
  int64_t incrSeqAtFork_ = 0;
  std::string tempFile_;
};

}  // namespace strata::node
