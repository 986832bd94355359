// A pipe shared between processes (pp_pipe2 with PP_O_SHARED): its ring, counts, lock and pages
// live in one memfd mapping (internal/shared_layout.hpp) made before fork, so a forked child's
// descriptors reach the same pipe.
//
//   SharedMapping  one process's mapping of the pipe; unmapped when the process's last end of the
//                  pipe goes.
//   SharedEnd      one process's open end (the kernel's struct file as far as this process sees
//                  it): side, O_NONBLOCK, SIGPIPE choice. The descriptor table holds it by
//                  shared_ptr, as it holds a PipeEnd; dup shares it. Made, it counts as one end
//                  of its side for the calling process in the header; destroyed, it closes that
//                  end (EOF / EPIPE for the other side once it was the last in every process).
//
// Contract of the calls (kernel semantics, fs/pipe.c, between processes):
//   - Every copy happens under the pipe's mutex (the kernel copy mode): a write of at most
//     PIPE_BUF bytes merges whole into the last page or lands whole in one new page, so it never
//     interleaves with another writer, in this process or any other.
//   - Calls return the byte count or -errno: EAGAIN (O_NONBLOCK), EPIPE (no reader; SIGPIPE is
//     raised first unless made without it), EINTR (a signal handler ran while the call slept and
//     nothing had moved; even under SA_RESTART), EFAULT (a segment based in the first page).
//   - fork(): lend_for_fork() in the parent before fork, adopt_after_fork() in the child (or
//     return_after_failed_fork() in the parent when fork failed), see internal/shared_fork.hpp.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace pipepool::internal {

namespace shared {
struct Header;
}

class SharedMapping {
 public:
  explicit SharedMapping(shared::Header* header) noexcept : header_(header) {}
  ~SharedMapping();
  SharedMapping(const SharedMapping&) = delete;
  SharedMapping& operator=(const SharedMapping&) = delete;
  [[nodiscard]] shared::Header& header() const noexcept { return *header_; }

 private:
  shared::Header* header_;
};

struct SharedConfig {
  unsigned cache = 2;  // tmp_page slots, 1..shared::kMaxCache
  bool nonblocking = false;
  bool sigpipe = true;
};

class SharedEnd {
 public:
  // Counts the new end for the calling process. Requires the header's table to have room
  // (make_shared_pipe() makes both ends of a new pipe).
  SharedEnd(std::shared_ptr<SharedMapping> map, bool writer, int flags, bool sigpipe) noexcept;
  // Closes the end for this process (nothing when it is detached).
  ~SharedEnd();
  SharedEnd(const SharedEnd&) = delete;
  SharedEnd& operator=(const SharedEnd&) = delete;

  [[nodiscard]] bool is_writer() const noexcept { return writer_; }
  // The access mode with O_NONBLOCK.
  [[nodiscard]] int flags() const noexcept;
  // Keeps O_NONBLOCK of `flags`; returns -EINVAL for O_DIRECT or O_ASYNC (not available).
  [[nodiscard]] int set_flags(int flags) noexcept;
  // True in a fork child whose process table slot could not be had: every call fails with EIO.
  [[nodiscard]] bool detached() const noexcept { return detached_; }

  [[nodiscard]] long read(std::span<const iovec> iov) noexcept;
  [[nodiscard]] long write(std::span<const iovec> iov) noexcept;
  // F_GETPIPE_SZ / F_SETPIPE_SZ: the size in bytes, or -errno (EINVAL, EPERM above
  // pipe-max-size, EBUSY when the contents do not fit).
  [[nodiscard]] long size() const noexcept;
  [[nodiscard]] long set_size(unsigned bytes) noexcept;
  // FIONREAD: the bytes in the ring.
  [[nodiscard]] std::size_t bytes_available() const noexcept;
  // poll(2) bits for this end: POLLIN/POLLHUP on a read end, POLLOUT/POLLERR on a write end.
  [[nodiscard]] short poll() const noexcept;

  // The pipe's shared state (tests look at its counters and lock).
  [[nodiscard]] shared::Header& header() const noexcept { return map_->header(); }
  // This process's mapping of the pipe: holding it keeps the header readable after every end of
  // this process is closed (a benchmark parent reads the counters once its children are done).
  [[nodiscard]] std::shared_ptr<SharedMapping> mapping() const noexcept { return map_; }

  // fork (internal/shared_fork.hpp). `mark` lets a pass over the descriptor table visit an end
  // open at several descriptors once.
  void lend_for_fork() noexcept;
  void return_after_failed_fork() noexcept;
  void adopt_after_fork(pid_t parent) noexcept;
  std::uint64_t mark = 0;

 private:
  std::shared_ptr<SharedMapping> map_;
  const bool writer_;
  const bool sigpipe_;
  std::atomic<int> flags_;
  bool detached_ = false;
};

// Makes a shared pipe. Returns 0 or an errno (EINVAL for a bad cache size, EMFILE / ENOMEM when
// the memfd or its mapping cannot be had).
[[nodiscard]] int make_shared_pipe(const SharedConfig& config, std::shared_ptr<SharedEnd>& reader,
                                   std::shared_ptr<SharedEnd>& writer) noexcept;

}  // namespace pipepool::internal
