// Walks an iovec array as one byte stream, like the kernel's iov_iter, and detects the segments
// whose copy would fault.
//
// Faults are a property of the copy, as in the kernel: a copy stops at the first segment it
// cannot use and reports a short count; the cursor stays on that segment, so later copies stop
// there too. The caller turns a short copy into the kernel's result at the place the kernel does.
//
// Which segments fault: those with a non-zero length whose base lies in the first page of the
// address space (NULL included). Linux maps nothing below vm.mmap_min_addr (4096 or more unless
// root sets it to 0), so the kernel's copy faults at the first byte of such a segment too. Any
// other unmapped pointer is not detected: the copy touches it and crashes, as memcpy would.
// Zero-length segments are skipped whatever their base, as the kernel skips them.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace pipepool::internal {

// Bases below this address are never mapped: copying to or from them faults.
inline constexpr std::uintptr_t kUnmappedLimit = 4096;

// True when a copy to or from a segment starting at `base` would fault at its first byte.
[[nodiscard]] inline bool faulting_base(const void* base) noexcept {
  return reinterpret_cast<std::uintptr_t>(base) < kUnmappedLimit;
}

class IovCursor {
 public:
  explicit IovCursor(std::span<const iovec> iov) noexcept : iov_(iov) {
    for (const iovec& v : iov) remaining_ += v.iov_len;
  }

  // Bytes not yet copied, the faulting segment and those after it included.
  [[nodiscard]] std::size_t remaining() const noexcept { return remaining_; }

  // Bytes a copy from here can move before it reaches a faulting segment (remaining() when none
  // faults). Lets a caller know a copy's outcome before it makes it.
  [[nodiscard]] std::size_t copyable() const noexcept {
    std::size_t n = 0;
    for (std::size_t i = index_; i < iov_.size(); ++i) {
      const std::size_t len = iov_[i].iov_len - (i == index_ ? offset_ : 0);
      if (len > 0 && faulting_base(iov_[i].iov_base)) break;
      n += len;
    }
    return n;
  }

  // Copies up to `n` bytes from the stream into `dst`; returns the count copied. Less than
  // min(n, remaining()) means the copy reached a faulting segment.
  std::size_t copy_out(void* dst, std::size_t n) noexcept {
    return walk(n, [dst](std::size_t done, void* base, std::size_t len) {
      std::memcpy(static_cast<char*>(dst) + done, base, len);
    });
  }

  // Copies up to `n` bytes from `src` into the stream; returns the count copied. Less than
  // min(n, remaining()) means the copy reached a faulting segment; the bytes before it are
  // stored.
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
      if (len > 0) {
        if (faulting_base(v.iov_base)) [[unlikely]]
          break;  // offset_ is 0 here: a faulting segment is never entered
        f(done, static_cast<char*>(v.iov_base) + offset_, len);
      }
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
