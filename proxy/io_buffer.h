// A growable byte buffer with a consumed prefix, used for every connection's input and output:
// bytes are appended at the end and dropped from the front; the live range is compacted to the
// start only when that is cheap or needed, so steady-state I/O neither allocates nor moves much.
// Owned by one connection, worker thread only.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace strata::proxy {

class IoBuffer {
 public:
  const char* data() const { return buf_.data() + head_; }
  size_t size() const { return buf_.size() - head_; }
  bool empty() const { return size() == 0; }
  std::string_view view() const { return {data(), size()}; }

  void append(const char* p, size_t n) { buf_.append(p, n); }
  void append(std::string_view s) { buf_.append(s.data(), s.size()); }

  void drop(size_t n) {
    head_ += n;
    if (head_ >= buf_.size()) {
      buf_.clear();
      head_ = 0;
    }
  }

  // Space for at least `n` more bytes at the end; returns where to write. Call commit() after.
  char* prepare(size_t n) {
    if (head_ > 0 && (head_ >= buf_.size() / 2 || buf_.capacity() - buf_.size() < n)) compact();
    used_ = buf_.size();
    buf_.resize(used_ + n);
    return buf_.data() + used_;
  }
  void commit(size_t written) { buf_.resize(used_ + written); }

  void clear() {
    buf_.clear();
    head_ = 0;
  }
  size_t capacity() const { return buf_.capacity(); }
  // Gives memory back after a burst (called when the buffer is empty and oversized).
  void shrinkIfIdle(size_t keep) {
    if (empty() && buf_.capacity() > keep) std::string().swap(buf_);
  }

 private:
  void compact() {
    buf_.erase(0, head_);
    head_ = 0;
  }

  std::string buf_;
  size_t head_ = 0;
  size_t used_ = 0;
};

}  // namespace strata::proxy
