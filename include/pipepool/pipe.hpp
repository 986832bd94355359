// An in-process Linux anonymous pipe (fs/pipe.c semantics) whose pages come from a PagePool.
//
// Three levels, as in the kernel:
//   Pipe      the pipe_inode_info: ring of page buffers, one mutex, reader/writer waits.
//   PipeEnd   the struct file of one end: which side, and the O_NONBLOCK / O_DIRECT flags.
//             Destroying the last PipeEnd of a side closes that side.
//   Reader / Writer   RAII handles (like file descriptors) sharing one PipeEnd; clone() is dup.
// Read and write never throw: they return an IoResult with a byte count or a std::error_code
// holding the errno Linux would return (std::generic_category()).
#pragma once

#include <sys/uio.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

#include "pipepool/page_allocator.hpp"
#include "pipepool/page_pool.hpp"
#include "pipepool/stats.hpp"

namespace pipepool {

inline constexpr std::size_t kPipeBuf = 4096;             // PIPE_BUF
inline constexpr unsigned kDefaultRingSize = 16;          // PIPE_DEF_BUFFERS
inline constexpr std::size_t kPipeMaxSize = 1024 * 1024;  // /proc/sys/fs/pipe-max-size
inline constexpr std::size_t kMaxIov = 1024;              // IOV_MAX

struct IoResult {
  std::size_t count = 0;
  std::error_code error{};
  [[nodiscard]] bool ok() const noexcept { return !error; }
};

struct SizeResult {
  std::size_t size = 0;
  std::error_code error{};
  [[nodiscard]] bool ok() const noexcept { return !error; }
};

// Where a pipe copies user bytes relative to its mutex. `kernel`: every copy under the mutex, as
// fs/pipe.c does (the kernel's lock hold times). `parallel`: readers claim committed bytes and
// writers reserve slots under the mutex, copy after releasing it, and commit in order; the
// observable semantics stay the kernel's.
enum class CopyMode { kernel, parallel };

[[nodiscard]] std::optional<CopyMode> parse_copy_mode(std::string_view name) noexcept;
[[nodiscard]] std::string_view to_string(CopyMode mode) noexcept;
// The mode of a pipe made without an explicit choice: $PIPEPOOL_COPY (`kernel` or `parallel`),
// read once per process; unset, empty or any other value gives `parallel`.
[[nodiscard]] CopyMode default_copy_mode() noexcept;

struct PipeOptions {
  PolicyKind policy = PolicyKind::unified;
  AllocatorOptions allocator{};
  // When set, used instead of `allocator` (lets several pipes share one model allocator).
  std::shared_ptr<PageAllocator> allocator_instance{};
  bool packet = false;       // O_DIRECT on the write end
  bool nonblocking = false;  // O_NONBLOCK on both ends
  // Unset: default_copy_mode().
  std::optional<CopyMode> copy{};
};

class Pipe;

class PipeEnd {
 public:
  // Opens one side of `pipe`. `flags` holds O_NONBLOCK / O_DIRECT bits; the access mode is added.
  PipeEnd(std::shared_ptr<Pipe> pipe, bool writer, int flags) noexcept;
  ~PipeEnd();
  PipeEnd(const PipeEnd&) = delete;
  PipeEnd& operator=(const PipeEnd&) = delete;

  [[nodiscard]] IoResult read(std::span<const iovec> iov) noexcept;
  [[nodiscard]] IoResult write(std::span<const iovec> iov) noexcept;
  [[nodiscard]] bool is_writer() const noexcept { return writer_; }
  // F_GETFL: O_RDONLY or O_WRONLY, plus O_NONBLOCK and O_DIRECT when set.
  [[nodiscard]] int flags() const noexcept;
  // F_SETFL: only O_NONBLOCK and O_DIRECT (and the bits Linux ignores) change.
  void set_flags(int flags) noexcept;
  [[nodiscard]] Pipe& pipe() const noexcept { return *pipe_; }

 private:
  std::shared_ptr<Pipe> pipe_;
  bool writer_;
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

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

class Reader {
 public:
  Reader() = default;
  explicit Reader(std::shared_ptr<PipeEnd> end) noexcept : end_(std::move(end)) {}
  [[nodiscard]] IoResult read(std::span<std::byte> buf) noexcept;
  [[nodiscard]] IoResult readv(std::span<const iovec> iov) noexcept;
  // vmsplice(2) on the read end: copies out (see Pipe::vmsplice_to_user). `flags` as the
  // kernel's (SPLICE_F_*; others: EINVAL); only SPLICE_F_NONBLOCK avoids waiting.
  [[nodiscard]] IoResult vmsplice(std::span<const iovec> iov, unsigned flags = 0) noexcept;
  [[nodiscard]] Reader clone() const noexcept { return Reader(end_); }
  void close() noexcept { end_.reset(); }
  [[nodiscard]] bool is_open() const noexcept { return end_ != nullptr; }
  void set_nonblocking(bool on) noexcept;
  [[nodiscard]] std::size_t bytes_available() const noexcept;
  [[nodiscard]] short poll() const noexcept;
  [[nodiscard]] SizeResult set_pipe_size(std::size_t bytes) noexcept;
  [[nodiscard]] std::size_t pipe_size() const noexcept;
  [[nodiscard]] PipeStats stats() const noexcept;
  [[nodiscard]] const std::shared_ptr<PipeEnd>& end() const noexcept { return end_; }

 private:
  std::shared_ptr<PipeEnd> end_;
};

class Writer {
 public:
  Writer() = default;
  explicit Writer(std::shared_ptr<PipeEnd> end) noexcept : end_(std::move(end)) {}
  [[nodiscard]] IoResult write(std::span<const std::byte> buf) noexcept;
  [[nodiscard]] IoResult writev(std::span<const iovec> iov) noexcept;
  // vmsplice(2) on the write end: the pipe references `iov`'s bytes without copying them; they
  // must stay unchanged until read (see Pipe::vmsplice_to_pipe). Only SPLICE_F_NONBLOCK avoids
  // waiting (O_NONBLOCK does not, as in the kernel).
  [[nodiscard]] IoResult vmsplice(std::span<const iovec> iov, unsigned flags = 0) noexcept;
  [[nodiscard]] Writer clone() const noexcept { return Writer(end_); }
  void close() noexcept { end_.reset(); }
  [[nodiscard]] bool is_open() const noexcept { return end_ != nullptr; }
  void set_nonblocking(bool on) noexcept;
  void set_packet(bool on) noexcept;
  [[nodiscard]] short poll() const noexcept;
  [[nodiscard]] SizeResult set_pipe_size(std::size_t bytes) noexcept;
  [[nodiscard]] std::size_t pipe_size() const noexcept;
  [[nodiscard]] PipeStats stats() const noexcept;
  [[nodiscard]] const std::shared_ptr<PipeEnd>& end() const noexcept { return end_; }

 private:
  std::shared_ptr<PipeEnd> end_;
};

struct PipePair {
  Reader reader;
  Writer writer;
  std::error_code error{};
  [[nodiscard]] bool ok() const noexcept { return !error; }
};

// splice(2) / tee(2) from `in`'s pipe to `out`'s, with the kernel's flags (SPLICE_F_*; others:
// EINVAL) and rules: EBADF for a closed handle, EINVAL for the same pipe; waits unless
// SPLICE_F_NONBLOCK or either end is O_NONBLOCK. See Pipe::splice and Pipe::tee.
[[nodiscard]] IoResult splice(const Reader& in, const Writer& out, std::size_t len,
                              unsigned flags = 0) noexcept;
[[nodiscard]] IoResult tee(const Reader& in, const Writer& out, std::size_t len,
                           unsigned flags = 0) noexcept;

// Makes a pipe: EINVAL for a policy that is not built, ENOMEM when memory runs out.
[[nodiscard]] PipePair make_pipe(const PipeOptions& options = {}) noexcept;

}  // namespace pipepool
