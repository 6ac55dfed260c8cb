// The replication backlog: the last repl-backlog-size bytes of the replication stream, in a
// circular buffer, addressed by absolute stream offsets (Redis's repl_backlog_off / histlen). A
// replica that reconnects with PSYNC <replid> <offset> resumes from here when `offset` is still
// inside the buffer. Owned by Replication; event-loop thread only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata::node {

class Backlog {
 public:
  // Starts an empty history whose next byte has offset `nextOffset` (master_repl_offset + 1).
  void create(size_t size, int64_t nextOffset) {
    buf_.assign(std::max<size_t>(size, 1), '\0');
    idx_ = 0;
    histlen_ = 0;
    firstOffset_ = nextOffset;
    active_ = true;
  }
  void destroy() {
    std::string().swap(buf_);
    active_ = false;
    histlen_ = 0;
    idx_ = 0;
  }
  // CONFIG SET repl-backlog-size: a new size keeps as much of the newest history as fits.
  void resize(size_t size) {
    if (!active_ || size == buf_.size() || size == 0) return;
    std::string keep;
    const size_t n = std::min(histlen_, size);
    if (n > 0) copyFrom(firstOffset_ + static_cast<int64_t>(histlen_ - n), n, keep);
    const int64_t next = firstOffset_ + static_cast<int64_t>(histlen_);
    create(size, next - static_cast<int64_t>(n));
    append(keep);
  }

  void append(std::string_view data) {
    if (!active_) return;
    const size_t size = buf_.size();
    if (data.size() >= size) {  // only the newest `size` bytes survive
      const size_t skip = data.size() - size;
      firstOffset_ += static_cast<int64_t>(histlen_ + skip);
      data.remove_prefix(skip);
      buf_.assign(data);
      idx_ = 0;
      histlen_ = size;
      return;
    }
    size_t left = data.size();
    const char* p = data.data();
    while (left > 0) {
      const size_t n = std::min(left, size - idx_);
      std::copy(p, p + n, buf_.begin() + static_cast<std::ptrdiff_t>(idx_));
      idx_ = (idx_ + n) % size;
      p += n;
      left -= n;
    }
    histlen_ += data.size();
    if (histlen_ > size) {
      firstOffset_ += static_cast<int64_t>(histlen_ - size);
      histlen_ = size;
    }
  }

  // True when the stream byte at `offset` (up to the end of the history) is available.
  bool contains(int64_t offset) const {
    return active_ && offset >= firstOffset_ &&
           offset <= firstOffset_ + static_cast<int64_t>(histlen_);
  }
  // Appends to `out` `len` bytes from `offset` (len 0: up to the end of the history).
  void copyFrom(int64_t offset, size_t len, std::string& out) const {
    if (!contains(offset)) return;
    const size_t skip = static_cast<size_t>(offset - firstOffset_);
    size_t n = histlen_ - skip;
    if (len != 0) n = std::min(n, len);
    const size_t size = buf_.size();
    size_t pos = (idx_ + size - histlen_ + skip) % size;
    while (n > 0) {
      const size_t chunk = std::min(n, size - pos);
      out.append(buf_.data() + pos, chunk);
      pos = (pos + chunk) % size;
      n -= chunk;
    }
  }

  bool active() const { return active_; }
  size_t size() const { return buf_.size(); }
  size_t histlen() const { return histlen_; }
  int64_t firstOffset() const { return firstOffset_; }

 private:
  std::string buf_;
  size_t idx_ = 0;      // where the next byte goes
  size_t histlen_ = 0;  // bytes of history held
  int64_t firstOffset_ = 1;
  bool active_ = false;
};

}  // namespace strata::node
