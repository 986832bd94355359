// The pipe itself and its open ends, internal to the library (the public handles are Reader and
// Writer in pipepool/pipe.hpp, which hold a PipeEnd opaquely):
//   Pipe      the pipe_inode_info: ring of page buffers, one mutex, reader/writer waits.
//   PipeEnd   the struct file of one end: which side, and the O_NONBLOCK / O_DIRECT flags.
//             Destroying the last PipeEnd of a side closes that side.
// Pipe::read and Pipe::write skip the access-mode and argument checks PipeEnd makes.
#pragma once

#include <fcntl.h>
#include <sys/uio.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <span>

#include "pipepool/page_pool.hpp"
#include "pipepool/pipe.hpp"
#include "pipepool/stats.hpp"

namespace pipepool {

// The flags vmsplice, splice and tee accept (others: EINVAL).
inline constexpr unsigned kSpliceFlags =
    SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT;

class Pipe;
namespace internal {
class Readiness;
}

class PipeEnd {
 public:
  // Opens one side of `pipe`. `flags` holds O_NONBLOCK / O_DIRECT bits; the access mode is added.
  // `sigpipe`: a write end raises SIGPIPE when a write finds no reader (PipeOptions::no_sigpipe).
  PipeEnd(std::shared_ptr<Pipe> pipe, bool writer, int flags, bool sigpipe = true) noexcept;
  ~PipeEnd();
  PipeEnd(const PipeEnd&) = delete;
  PipeEnd& operator=(const PipeEnd&) = delete;

  [[nodiscard]] IoResult read(std::span<const iovec> iov) noexcept;
  [[nodiscard]] IoResult write(std::span<const iovec> iov) noexcept;
  // write() without its up-front EFAULT check: a bad segment fails in the pipe's copy, as in the
  // kernel (the C API's path). Requires a write end.
  [[nodiscard]] IoResult write_unchecked(std::span<const iovec> iov) noexcept;
  [[nodiscard]] bool is_writer() const noexcept { return writer_; }
  // F_GETFL: O_RDONLY or O_WRONLY, plus O_NONBLOCK and O_DIRECT when set.
  [[nodiscard]] int flags() const noexcept;
  // F_SETFL: only O_NONBLOCK and O_DIRECT (and the bits Linux ignores) change.
  void set_flags(int flags) noexcept;
  [[nodiscard]] Pipe& pipe() const noexcept { return *pipe_; }
  // The readiness descriptor of this open end (pp_event_fd): an eventfd, owned by this PipeEnd
  // and closed by its destructor, readable exactly while poll() reports this end ready (read end:
  // POLLIN or POLLHUP; write end: POLLOUT or POLLERR). The same descriptor on every call. Errors:
  // EMFILE / ENFILE when no kernel descriptor can be had. Do not read, write or close it.
  [[nodiscard]] FdResult event_fd() const noexcept;
  // Raises SIGPIPE on the calling thread unless this write end was opened without it; for the
  // zero-copy calls that failed with EPIPE.
  void raise_sigpipe() const noexcept;

 private:
  std::shared_ptr<Pipe> pipe_;
  bool writer_;
  bool sigpipe_;
  std::atomic<int> status_flags_;
};

class Pipe : public std::enable_shared_from_this<Pipe> {
 public:
  // Takes the pool that supplies its pages. Use make_pipe() to get handles.
  explicit Pipe(std::unique_ptr<PagePool> pool, CopyMode copy = default_copy_mode());
  ~Pipe();
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  // The pipe_read / pipe_write of fs/pipe.c. A non-empty segment based in the first page (NULL
  // included) faults at copy time, with the kernel's result (EFAULT, or the bytes copied so far);
  // any other base must point to memory of its length (an unmapped one crashes, as memcpy would).
  [[nodiscard]] IoResult read(std::span<const iovec> iov, bool nonblock) noexcept;
  [[nodiscard]] IoResult write(std::span<const iovec> iov, bool nonblock, bool packet) noexcept;

  // vmsplice(2) into the write end: the pipe references the caller's bytes (one buffer per page
  // of each segment, at most the free slots, never merged into), which must stay unchanged and
  // mapped until read. Waits for a free slot unless `nonblock`; EPIPE without readers.
  [[nodiscard]] IoResult vmsplice_to_pipe(std::span<const iovec> iov, bool nonblock) noexcept;
  // vmsplice(2) from the read end: copies out like readv, without packet boundaries; a buffer
  // that faults part-way stays in the pipe (EFAULT, or the bytes copied before it).
  [[nodiscard]] IoResult vmsplice_to_user(std::span<const iovec> iov, bool nonblock) noexcept;
  // splice(2) between two pipes: moves up to `len` bytes of buffers (whole buffers keep their
  // flags; a part becomes a shared page reference). EINVAL for the same pipe.
  [[nodiscard]] static IoResult splice(Pipe& in, Pipe& out, std::size_t len,
                                       bool nonblock) noexcept;
  // tee(2): duplicates up to `len` bytes of `in`'s buffers into `out` as shared page references,
  // consuming nothing. EINVAL for the same pipe.
  [[nodiscard]] static IoResult tee(Pipe& in, Pipe& out, std::size_t len, bool nonblock) noexcept;

  // F_SETPIPE_SZ: returns the new size in bytes, or EINVAL / EPERM / EBUSY.
  // `privileged` stands for CAP_SYS_RESOURCE (growth beyond kPipeMaxSize).
  [[nodiscard]] SizeResult set_size(std::size_t requested, bool privileged = false) noexcept;
  // F_GETPIPE_SZ.
  [[nodiscard]] std::size_t size() const noexcept;
  // FIONREAD: bytes buffered.
  [[nodiscard]] std::size_t bytes_available() const noexcept;
  // poll(2) revents for one end, with <poll.h> values, as the kernel's pipe_poll: read end
  // POLLIN|POLLRDNORM when not empty, POLLHUP when no writers; write end POLLOUT|POLLWRNORM when
  // not full, POLLERR when no readers.
  [[nodiscard]] short poll(bool writer_end) const noexcept;

  [[nodiscard]] PipeStats stats() const noexcept;
  [[nodiscard]] const PagePool& pool() const noexcept;
  [[nodiscard]] unsigned readers() const noexcept;
  [[nodiscard]] unsigned writers() const noexcept;
  [[nodiscard]] CopyMode copy_mode() const noexcept;

  // Called by PipeEnd.
  void open_end(bool writer) noexcept;
  void close_end(bool writer) noexcept;
  [[nodiscard]] internal::Readiness& readiness() noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace pipepool
