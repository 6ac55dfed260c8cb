// A growable byte buffer with a consumed prefix, used for every connection's input and output:
// bytes are appended at the end and dropped from the front; the live range moves back to the
// start only when that is cheap or needed. Memory is raw (never zero-filled), so a 16 KiB read
// costs no memset; steady-state I/O neither allocates nor moves much.
// Owned by one connection (node client, proxy client or backend link); its thread only.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace strata::net {

class IoBuffer {
 public:
  const char* data() const { return buf_.get() + head_; }
  size_t size() const { return tail_ - head_; }
  bool empty() const { return head_ == tail_; }
  std::string_view view() const { return {data(), size()}; }
  size_t capacity() const { return capacity_; }

  void append(const char* p, size_t n) {
    if (n == 0) return;  // memcpy from/to null (no buffer yet, empty view) is UB even for 0
    std::memcpy(prepare(n), p, n);
    tail_ += n;
  }
  void append(std::string_view s) { append(s.data(), s.size()); }

  void drop(size_t n) {
    head_ += n;
    if (head_ >= tail_) head_ = tail_ = 0;
  }

  // Room for at least `n` more bytes at the end; write there, then commit() what was written.
  char* prepare(size_t n) {
    if (capacity_ - tail_ < n) makeRoom(n);
    return buf_.get() + tail_;
  }
  void commit(size_t written) { tail_ += written; }

  void clear() { head_ = tail_ = 0; }
  // Gives memory back after a burst (called when the buffer is empty and oversized).
  void shrinkIfIdle(size_t keep) {
    if (empty() && capacity_ > keep) {
      buf_.reset();
      capacity_ = 0;
    }
  }

 private:
  void makeRoom(size_t n) {
    size_t live = size();
    if (head_ > 0 && capacity_ - live >= n && live <= capacity_ / 2) {
      std::memmove(buf_.get(), data(), live);  // compact in place
    } else {
      size_t grown = capacity_ ? capacity_ * 2 : 4096;
      while (grown < live + n) grown *= 2;
      std::unique_ptr<char[]> next(new char[grown]);
      if (live) std::memcpy(next.get(), data(), live);
      buf_ = std::move(next);
      capacity_ = grown;
    }
    head_ = 0;
    tail_ = live;
  }

  std::unique_ptr<char[]> buf_;
  size_t capacity_ = 0;
  size_t head_ = 0;
  size_t tail_ = 0;
};

}  // namespace strata::net
