// The AOF (see aof.h): files and manifest, the buffered write + fsync policies, loading with
// truncated-tail repair, and the fork()ed rewrite. Event-loop thread, plus FsyncThread's worker
// and the rewrite child (which only walks the keyspace and writes one file before _exit()).
#include "node/persistence/aof.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "node/keyspace/keyspace.h"
#include "node/persistence/file_io.h"
#include "node/persistence/snapshot.h"
#include "node/server/info_field.h"
#include "node/settings.h"

namespace strata::node {

namespace {

constexpr int64_t kRewriteRetryMs = 5000;

bool readFile(const std::string& path, std::string& out, int& err) {
  net::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    err = errno;
    return false;
  }
  struct stat st {};
  if (fstat(fd.get(), &st) == 0) out.reserve(static_cast<size_t>(st.st_size));
  char chunk[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd.get(), chunk, sizeof(chunk));
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    if (n == 0) return true;
    out.append(chunk, static_cast<size_t>(n));
  }
}

int64_t fileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

}  // namespace

// ---- FsyncThread ------------------------------------------------------------------------------

FsyncThread::FsyncThread() : thread_([this] { run(); }) {}

FsyncThread::~FsyncThread() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  for (int fd : jobs_) ::close(fd);
}

void FsyncThread::submit(int fd) {
  ++pending_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(fd);
  }
  cv_.notify_one();
}

void FsyncThread::drain() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return pending_.load() == 0; });
}

void FsyncThread::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stop_
    int fd = jobs_.front();
    jobs_.pop_front();
    lock.unlock();
    int rc = ::fdatasync(fd);
    lastErrno_.store(rc == 0 ? 0 : errno);
    ::close(fd);
    lock.lock();
    --pending_;
    idle_.notify_all();
  }
}

// ---- Aof --------------------------------------------------------------------------------------

Aof::Aof(const NodeSettings& settings, Keyspace& ks) : settings_(settings), ks_(ks) {}

Aof::~Aof() {
  killChild();
}

std::string Aof::path(std::string_view file) const {
  return settings_.appenddirname + "/" + std::string(file);
}

int64_t Aof::maxSeq(char type) const {
  int64_t seq = 0;
  if (type == 'b' && manifest_.hasBase) seq = manifest_.base.seq;
  for (const auto& f : manifest_.incrs) {
    if (type == 'i') seq = std::max(seq, f.seq);
  }
  // History files keep their base/incr names: never reuse one of their numbers.
  for (const auto& f : manifest_.history) {
    if (f.name.find(type == 'b' ? ".base." : ".incr.") != std::string::npos) {
      seq = std::max(seq, f.seq);
    }
  }
  return seq;
}

std::string Aof::writeError() const {
  return std::string("MISCONF Errors writing to the AOF file: ") + std::strerror(lastWriteErrno_);
}

bool Aof::persistManifest(const AofManifest& m) {
  const std::string tmp = path(aofTempManifestName(settings_.appendfilename));
  const std::string final = path(aofManifestName(settings_.appendfilename));
  net::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd || !writeAll(fd.get(), m.serialize()) || ::fsync(fd.get()) != 0) {
    spdlog::warn("Can't persist the AOF manifest file {}: {}", tmp, std::strerror(errno));
    return false;
  }
  fd.reset();
  if (::rename(tmp.c_str(), final.c_str()) != 0) {
    spdlog::warn("Error trying to rename the temporary AOF manifest file {} into {}: {}", tmp,
                 final, std::strerror(errno));
    return false;
  }
  fsyncDir(settings_.appenddirname);
  return true;
}

bool Aof::openIncr(int64_t seq) {
  const std::string name = aofIncrName(settings_.appendfilename, seq);
  net::UniqueFd fd(::open(path(name).c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) {
    spdlog::warn("Can't open the append-only file {}: {}", path(name), std::strerror(errno));
    return false;
  }
  if (fd_) {
    // The previous incr's last bytes: synced by its fsync job or here before it is left behind.
    if (fsyncer_) fsyncer_->drain();
    if (unsynced_) ::fdatasync(fd_.get());
    otherIncrsSize_ += incrSize_;
  }
  struct stat st {};
  incrSize_ = fstat(fd.get(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
  fd_ = std::move(fd);
  unsynced_ = false;
  if (manifest_.incrs.empty() || manifest_.incrs.back().seq != seq) {
    manifest_.incrs.push_back(AofManifest::File{name, seq, 'i'});
  }
  fsyncDir(settings_.appenddirname);
  return true;
}

bool Aof::loadFile(const AofManifest::File& f, bool last, const Apply& apply) {
  const std::string p = path(f.name);
  std::string data;
  int err = 0;
  if (!readFile(p, data, err)) {
    spdlog::error("Fatal error: can't open the append log file {} for reading: {}", p,
                  std::strerror(err));
    return false;
  }
  AofReplayResult r = replayAof(data, apply);
  using S = AofReplayResult::Status;
  if (r.status == S::kOk) {
    spdlog::info("DB loaded from {} file {}: {} commands", f.type == 'b' ? "base" : "incr", f.name,
                 r.commands);
    return true;
  }
  if (r.status == S::kCorrupt || r.status == S::kApplyFailed) {
    spdlog::error(
        "{} reading the append only file {} at offset {}: make a backup of your AOF file, then "
        "use ./redis-check-aof --fix <filename.manifest>",
        r.error, p, r.errorOffset);
    return false;
  }
  // Truncated.
  spdlog::warn("!!! Warning: short read while loading the AOF file {}!!!", p);
  if (!last) {
    spdlog::error("Fatal error: the truncated file {} is not the last file", p);
    return false;
  }
  if (!settings_.aofLoadTruncated) {
    spdlog::error(
        "Unexpected end of file reading the append only file {} (last complete command ends at "
        "offset {}). You can: 1) Make a backup of your AOF file, then use ./redis-check-aof "
        "--fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' "
        "configuration option to yes and restart the server.",
        p, r.validUpTo);
    return false;
  }
  spdlog::warn("!!! Truncating the AOF {} at offset {} ({} trailing bytes dropped) !!!", p,
               r.validUpTo, data.size() - r.validUpTo);
  if (::truncate(p.c_str(), static_cast<off_t>(r.validUpTo)) != 0) {
    spdlog::error("Error truncating the AOF file {}: {}", p, std::strerror(errno));
    return false;
  }
  spdlog::warn("AOF {} loaded anyway because aof-load-truncated is enabled", p);
  return true;
}

bool Aof::loadAndOpen(const Apply& apply) {
  if (::mkdir(settings_.appenddirname.c_str(), 0755) != 0 && errno != EEXIST) {
    spdlog::error("Can't create the append-only file directory {}: {}", settings_.appenddirname,
                  std::strerror(errno));
    return false;
  }
  const std::string manifestPath = path(aofManifestName(settings_.appendfilename));
  std::string text;
  int err = 0;
  if (readFile(manifestPath, text, err)) {
    std::string why;
    if (!AofManifest::parse(text, manifest_, why)) {
      spdlog::error("{} ({})", why, manifestPath);
      return false;
    }
    std::vector<AofManifest::File> files;
    if (manifest_.hasBase) files.push_back(manifest_.base);
    files.insert(files.end(), manifest_.incrs.begin(), manifest_.incrs.end());
    for (size_t i = 0; i < files.size(); ++i) {
      if (!loadFile(files[i], i + 1 == files.size(), apply)) return false;
    }
    for (const auto& h : manifest_.history) ::unlink(path(h.name).c_str());
    manifest_.history.clear();
    baseSize_ = manifest_.hasBase ? fileSize(path(manifest_.base.name)) : 0;
    otherIncrsSize_ = 0;
    for (size_t i = 0; i + 1 < manifest_.incrs.size(); ++i) {
      otherIncrsSize_ += fileSize(path(manifest_.incrs[i].name));
    }
  } else if (err != ENOENT) {
    spdlog::error("Can't open the AOF manifest file {}: {}", manifestPath, std::strerror(err));
    return false;
  }
  if (manifest_.incrs.empty()) {
    // A fresh AOF (or a manifest with only a base): a first incr file, named in the manifest.
    if (!openIncr(manifest_.lastIncrSeq() + 1) || !persistManifest(manifest_)) return false;
  } else if (!openIncr(manifest_.incrs.back().seq)) {
    return false;
  }
  state_ = State::kOn;
  rewriteBaseSize_ = baseSize_ + otherIncrsSize_ + incrSize_;
  if (!fsyncer_) fsyncer_ = std::make_unique<FsyncThread>();
  return true;
}

bool Aof::enable(std::string& error) {
  if (state_ != State::kOff) return true;
  killChild();  // a BGREWRITEAOF of appendonly no: this rewrite supersedes it
  if (::mkdir(settings_.appenddirname.c_str(), 0755) != 0 && errno != EEXIST) {
    error = std::string("Can't create the AOF directory: ") + std::strerror(errno);
    return false;
  }
  // An earlier manifest only numbers the new files (its data is superseded by the rewrite).
  std::string text;
  int err = 0;
  AofManifest old;
  std::string why;
  manifest_ = AofManifest{};
  incrSize_ = otherIncrsSize_ = baseSize_ = 0;
  unsynced_ = false;
  if (readFile(path(aofManifestName(settings_.appendfilename)), text, err) &&
      AofManifest::parse(text, old, why)) {
    if (old.hasBase) manifest_.history.push_back(old.base);
    manifest_.history.insert(manifest_.history.end(), old.incrs.begin(), old.incrs.end());
  }
  if (!fsyncer_) fsyncer_ = std::make_unique<FsyncThread>();
  state_ = State::kWaitRewrite;
  buf_.clear();
  int rc = rewrite(error, true);  // scheduled while a BGSAVE runs
  if (rc < 0) {
    state_ = State::kOff;
    fd_.reset();
    return false;
  }
  return true;
}

void Aof::disable() {
  if (state_ == State::kOff) return;
  killChild();
  if (fd_) {
    writeBuffer();
    if (fsyncer_) fsyncer_->drain();
    ::fdatasync(fd_.get());
  }
  fd_.reset();
  buf_.clear();
  state_ = State::kOff;
  rewriteScheduled_ = false;
  lastWriteErrno_ = 0;
}

bool Aof::writeBuffer() {
  if (buf_.empty() || !fd_) return true;
  size_t done = 0;
  while (done < buf_.size()) {
    ssize_t n = ::write(fd_.get(), buf_.data() + done, buf_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (done == buf_.size()) {
    incrSize_ += static_cast<int64_t>(done);
    buf_.clear();
    unsynced_ = true;
    if (lastWriteErrno_ != 0) {
      spdlog::warn("AOF write error looks solved, the node can write again.");
      lastWriteErrno_ = 0;
    }
    return true;
  }
  const int err = errno != 0 ? errno : ENOSPC;
  // A partial write: cut it back so the file never ends in half a command; if that fails, the
  // written part stays and only the rest is retried.
  if (done > 0) {
    if (::ftruncate(fd_.get(), static_cast<off_t>(incrSize_)) == 0) {
      done = 0;
    } else {
      incrSize_ += static_cast<int64_t>(done);
      buf_.erase(0, done);
      unsynced_ = true;
    }
  }
  lastWriteErrno_ = err;
  return false;
}

void Aof::fsyncNow() {
  if (!fd_ || !unsynced_) return;
  if (::fdatasync(fd_.get()) != 0) {
    spdlog::critical(
        "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {}. Exiting...",
        std::strerror(errno));
    ::_exit(1);
  }
  unsynced_ = false;
}

void Aof::flush(int64_t nowMs) {
  if (state_ == State::kOff || !fd_) return;
  const bool always = settings_.appendfsync == "always";
  if (!buf_.empty() && !writeBuffer()) {
    if (always) {
      spdlog::critical(
          "Can't recover from AOF write error when the AOF fsync policy is 'always' ({}). "
          "Exiting...",
          std::strerror(lastWriteErrno_));
      ::_exit(1);
    }
    if (nowMs - lastWriteErrorLogMs_ >= 30000) {
      lastWriteErrorLogMs_ = nowMs;
      spdlog::warn("Error writing to the AOF file: {}", std::strerror(lastWriteErrno_));
    }
    return;
  }
  if (always) {
    fsyncNow();
    lastFsyncMs_ = nowMs;
  } else if (settings_.appendfsync == "everysec" && unsynced_ && nowMs - lastFsyncMs_ >= 1000 &&
             fsyncer_ && !fsyncer_->busy()) {
    int dup = ::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0);
    if (dup >= 0) {
      fsyncer_->submit(dup);
      unsynced_ = false;
      lastFsyncMs_ = nowMs;
    }
  }
}

void Aof::cron(int64_t nowMs) {
  if (state_ == State::kOff) {  // a BGREWRITEAOF with appendonly no, maybe scheduled
    checkChild(nowMs);
    if (rewriteScheduled_ && !anyPersistenceChild()) {
      std::string error;
      rewriteScheduled_ = false;
      if (rewrite(error, false) < 0) spdlog::warn("AOF rewrite could not start: {}", error);
    }
    return;
  }
  if (lastWriteErrno_ != 0 || !buf_.empty() || unsynced_) flush(nowMs);
  if (fsyncer_ && fsyncer_->lastErrno() != 0 && lastWriteErrno_ == 0) {
    spdlog::warn("Error fsyncing the AOF file: {}", std::strerror(fsyncer_->lastErrno()));
  }
  checkChild(nowMs);
  if (anyPersistenceChild()) return;  // ours, or a BGSAVE: a rewrite starts after it
  if (rewriteScheduled_ || (state_ == State::kWaitRewrite && nowMs >= nextRetryMs_)) {
    std::string error;
    rewriteScheduled_ = false;
    if (rewrite(error, false) < 0) spdlog::warn("AOF rewrite could not start: {}", error);
    return;
  }
  const int64_t current = baseSize_ + otherIncrsSize_ + incrSize_;
  if (state_ == State::kOn && settings_.autoAofRewritePercentage > 0 &&
      current > settings_.autoAofRewriteMinSize && nowMs >= nextRetryMs_) {
    const int64_t base = rewriteBaseSize_ > 0 ? rewriteBaseSize_ : 1;
    const int64_t growth = current * 100 / base - 100;
    if (growth >= settings_.autoAofRewritePercentage) {
      spdlog::info("Starting automatic rewriting of AOF on {}% growth", growth);
      std::string error;
      if (rewrite(error, false) < 0) spdlog::warn("AOF rewrite could not start: {}", error);
    }
  }
}

int Aof::rewrite(std::string& error, bool scheduleIfBusy) {
  // One persistence child at a time (a BGSAVE's included): a rewrite waits for it.
  if (child_.running() || anyPersistenceChild()) {
    if (scheduleIfBusy) {
      rewriteScheduled_ = true;
      return 0;
    }
    error = "Background append only file rewriting already in progress";
    return -1;
  }
  oneOff_ = state_ == State::kOff;
  if (oneOff_) {
    // appendonly no (Redis 7.0 rewrites anyway): a base file and a manifest naming only it; the
    // files of an earlier manifest are superseded (removed once the base is in place).
    if (::mkdir(settings_.appenddirname.c_str(), 0755) != 0 && errno != EEXIST) {
      error = std::string("Can't create the AOF directory: ") + std::strerror(errno);
      return -1;
    }
    std::string text, why;
    int err = 0;
    manifest_ = AofManifest{};
    if (readFile(path(aofManifestName(settings_.appendfilename)), text, err)) {
      AofManifest::parse(text, manifest_, why);
    }
    return forkRewrite(error);
  }
  // Everything fed so far goes to the current incr; what follows goes to a new one, named in the
  // manifest now so that a crash during the rewrite loses nothing.
  if (!writeBuffer()) {
    error = std::string("Can't write the AOF buffer: ") + std::strerror(lastWriteErrno_);
    return -1;
  }
  const int64_t seq = std::max(maxSeq('i'), incrSeqAtFork_) + 1;
  if (!openIncr(seq)) {
    error = std::string("Can't open a new incr AOF file: ") + std::strerror(errno);
    return -1;
  }
  if (state_ == State::kOn && !persistManifest(manifest_)) {
    error = "Can't persist the AOF manifest";
    return -1;
  }
  incrSeqAtFork_ = seq;
  return forkRewrite(error);
}

int Aof::forkRewrite(std::string& error) {
  tempFile_ = path("temp-rewriteaof-bg-" + std::to_string(::getpid()) + ".aof");
  const std::string temp = tempFile_;
  const bool started = child_.start(
      [this, &temp] {
        int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        bool ok =
            fd >= 0 &&
            writeSnapshot(ks_, [fd](std::string_view chunk) { return writeAll(fd, chunk); }) &&
            ::fsync(fd) == 0;
        if (fd >= 0) ok = ::close(fd) == 0 && ok;
        return ok;
      },
      error);
  if (!started) {
    error = "Can't rewrite append only file in background: " + error;
    lastRewriteOk_ = false;
    return -1;
  }
  rewriteStartMs_ = child_.startMs();
  spdlog::info("Background append only file rewriting started by pid {}", child_.pid());
  return 1;
}

void Aof::checkChild(int64_t nowMs) {
  if (std::optional<bool> ok = child_.poll("Background AOF rewrite")) rewriteDone(*ok, nowMs);
}

void Aof::rewriteDone(bool ok, int64_t nowMs) {
  lastRewriteTimeSec_ = (nowMs - rewriteStartMs_) / 1000;
  if (ok) {
    const int64_t baseSeq = maxSeq('b') + 1;
    const std::string baseName = aofBaseName(settings_.appendfilename, baseSeq);
    if (::rename(tempFile_.c_str(), path(baseName).c_str()) != 0) {
      spdlog::warn("Error trying to rename the temporary AOF file {} into {}: {}", tempFile_,
                   baseName, std::strerror(errno));
      ok = false;
    } else {
      AofManifest next;
      next.hasBase = true;
      next.base = AofManifest::File{baseName, baseSeq, 'b'};
      std::vector<AofManifest::File> obsolete = manifest_.history;
      if (manifest_.hasBase) obsolete.push_back(manifest_.base);
      for (const auto& f : manifest_.incrs) {
        if (!oneOff_ && f.seq >= incrSeqAtFork_) {
          next.incrs.push_back(f);
        } else {
          obsolete.push_back(f);
        }
      }
      if (!persistManifest(next)) {
        ::unlink(path(baseName).c_str());
        ok = false;
      } else {
        manifest_ = std::move(next);
        for (const auto& f : obsolete) {
          bool live = f.name == baseName;
          for (const auto& i : manifest_.incrs) live = live || f.name == i.name;
          if (!live) ::unlink(path(f.name).c_str());
        }
        fsyncDir(settings_.appenddirname);
        baseSize_ = fileSize(path(baseName));
        otherIncrsSize_ = 0;
        rewriteBaseSize_ = baseSize_ + incrSize_;
        if (state_ == State::kWaitRewrite) {
          state_ = State::kOn;
          spdlog::info("Background AOF rewrite finished successfully: AOF is on");
        } else {
          spdlog::info("Background AOF rewrite terminated with success");
        }
      }
    }
  }
  if (!ok) ::unlink(tempFile_.c_str());
  lastRewriteOk_ = ok;
  if (ok) {
    ++rewrites_;
    consecutiveFailures_ = 0;
  } else {
    ++consecutiveFailures_;
    nextRetryMs_ = nowMs + kRewriteRetryMs;
  }
  tempFile_.clear();
}

void Aof::killChild() {
  if (!child_.running()) return;
  child_.stop();
  if (!tempFile_.empty()) ::unlink(tempFile_.c_str());
  tempFile_.clear();
}

void Aof::info(std::string& out, int64_t nowMs) const {
  auto field = [&out](std::string_view name, const auto& value) {
    appendInfoField(out, name, value);
  };
  field("aof_enabled", state_ != State::kOff ? 1 : 0);
  field("aof_rewrite_in_progress", child_.running() ? 1 : 0);
  field("aof_rewrite_scheduled", rewriteScheduled_ ? 1 : 0);
  field("aof_last_rewrite_time_sec", lastRewriteTimeSec_);
  field("aof_current_rewrite_time_sec",
        child_.running() ? (nowMs - rewriteStartMs_) / 1000 : static_cast<int64_t>(-1));
  field("aof_last_bgrewrite_status", lastRewriteOk_ ? "ok" : "err");
  field("aof_rewrites", rewrites_);
  field("aof_rewrites_consecutive_failures", consecutiveFailures_);
  field("aof_last_write_status", lastWriteErrno_ == 0 ? "ok" : "err");
  field("aof_last_cow_size", 0);
  field("module_fork_in_progress", 0);
  field("module_fork_last_cow_size", 0);
  if (state_ != State::kOff) {
    field("aof_current_size", baseSize_ + otherIncrsSize_ + incrSize_);
    field("aof_base_size", baseSize_);
    field("aof_pending_rewrite", rewriteScheduled_ ? 1 : 0);
    field("aof_buffer_length", buf_.size());
    field("aof_pending_bio_fsync", fsyncer_ && fsyncer_->busy() ? 1 : 0);
    field("aof_delayed_fsync", 0);
  }
}

}  // namespace strata::node
