// Walks an iovec array as one byte stream, like the kernel's iov_iter.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstring>
#include <span>

namespace pipepool::internal {

class IovCursor {
 public:
  explicit IovCursor(std::span<const iovec> iov) noexcept : iov_(iov) {
    for (const iovec& v : iov) remaining_ += v.iov_len;
  }

  [[nodiscard]] std::size_t remaining() const noexcept { return remaining_; }

  // Copies up to `n` bytes from the stream into `dst`; returns the count copied.
  std::size_t copy_out(void* dst, std::size_t n) noexcept {
    return walk(n, [dst](std::size_t done, void* base, std::size_t len) {
      std::memcpy(static_cast<char*>(dst) + done, base, len);
    });
  }

  // Copies `n` bytes (n <= remaining()) from `src` into the stream.
  std::size_t copy_in(const void* src, std::size_t n) noexcept {
    return walk(n, [src](std::size_t done, void* base, std::size_t len) {
      std::memcpy(base, static_cast<const char*>(src) + done, len);
    });
  }

 private:
  template <class F>
  std::size_t walk(std::size_t n, F f) noexcept {
    std::size_t done = 0;
    while (done < n && index_ < iov_.size()) {
      const iovec& v = iov_[index_];
      std::size_t len = v.iov_len - offset_;
      if (len > n - done) len = n - done;
      if (len > 0) f(done, static_cast<char*>(v.iov_base) + offset_, len);
      done += len;
      offset_ += len;
      if (offset_ == v.iov_len) {
        ++index_;
        offset_ = 0;
      }
    }
    remaining_ -= done;
    return done;
  }

  std::span<const iovec> iov_;
  std::size_t index_ = 0;
  std::size_t offset_ = 0;
  std::size_t remaining_ = 0;
};

}  // namespace pipepool::internal
