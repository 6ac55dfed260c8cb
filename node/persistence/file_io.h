// Small file helpers of the persistence files (AOF, RDB): a complete write(), a directory fsync
// after a rename, and a read-only mmap of a whole file (the RDB load reads the file in place
// instead of copying it). Any thread; safe in a fork()ed child (no allocation in writeAll).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace strata::node {

// write() until everything is written (EINTR retried); false with errno set.
bool writeAll(int fd, std::string_view data);
// fsync() of a directory, so that a rename in it survives a crash.
bool fsyncDir(const std::string& dir);

// A whole file mapped read-only (an empty file maps to an empty view).
class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  // False with errno set (ENOENT: no such file).
  bool open(const std::string& path);
  std::string_view data() const { return {static_cast<const char*>(addr_), size_}; }

 private:
  void* addr_ = nullptr;
  size_t size_ = 0;
};

}  // namespace strata::node
