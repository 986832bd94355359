// An in-process Linux anonymous pipe (fs/pipe.c semantics) whose pages come from a PagePool.
//
// make_pipe() gives two handles, Reader and Writer, RAII like file descriptors: each holds one
// open end (the kernel's struct file: side and O_NONBLOCK / O_DIRECT flags, opaque here), shared
// by its clones (clone() is dup). Dropping the last handle of an end closes it; closing the last
// end of a side closes that side.
// Read and write never throw: they return an IoResult with a byte count or a std::error_code
// holding the errno Linux would return (std::generic_category()).
#pragma once

#include <sys/uio.h>

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

// A kernel file descriptor, or the errno why there is none.
struct FdResult {
  int fd = -1;
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
  // A write that finds no reader raises SIGPIPE on the calling thread before it fails with
  // EPIPE, as the kernel's pipe_write does; set, the write fails with EPIPE only.
  bool no_sigpipe = false;
  // The policy's pool sizes; make_pipe fails with a PoolSizeError when they are invalid.
  PoolSizes pool_sizes{};
};

// The open file of one pipe end, shared by the handles that are clones of each other. Opaque:
// its definition is internal to the library.
class PipeEnd;

class Reader {
 public:
  Reader() = default;
  explicit Reader(std::shared_ptr<PipeEnd> end) noexcept : end_(std::move(end)) {}
  [[nodiscard]] IoResult read(std::span<std::byte> buf) noexcept;
  [[nodiscard]] IoResult readv(std::span<const iovec> iov) noexcept;
  // vmsplice(2) on the read end: copies out like readv, without packet boundaries; a
  // buffer that faults part-way stays in the pipe (EFAULT, or the bytes copied before it).
  // `flags` as the kernel's (SPLICE_F_*; others: EINVAL); only SPLICE_F_NONBLOCK avoids waiting.
  [[nodiscard]] IoResult vmsplice(std::span<const iovec> iov, unsigned flags = 0) noexcept;
  [[nodiscard]] Reader clone() const noexcept { return Reader(end_); }
  void close() noexcept { end_.reset(); }
  [[nodiscard]] bool is_open() const noexcept { return end_ != nullptr; }
  void set_nonblocking(bool on) noexcept;
  [[nodiscard]] std::size_t bytes_available() const noexcept;
  [[nodiscard]] short poll() const noexcept;
  // The end's readiness descriptor (pp_event_fd): an eventfd owned by the end (shared by clones,
  // closed with its last handle), readable exactly while poll() reports the end ready (read end:
  // POLLIN or POLLHUP; write end: POLLOUT or POLLERR). The same descriptor on every call. Errors:
  // EBADF when closed, EMFILE / ENFILE when no kernel descriptor can be had. Do not read, write or
  // close it.
  [[nodiscard]] FdResult event_fd() const noexcept;
  [[nodiscard]] SizeResult set_pipe_size(std::size_t bytes) noexcept;
  [[nodiscard]] std::size_t pipe_size() const noexcept;
  [[nodiscard]] PipeStats stats() const noexcept;
  // The open end (opaque outside the library); null when closed.
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
  // must stay unchanged and mapped until read (one buffer per page of each segment, at most the
  // free slots, never merged into). EPIPE (and SIGPIPE) without readers. Only SPLICE_F_NONBLOCK
  // avoids waiting (O_NONBLOCK does not, as in the kernel).
  [[nodiscard]] IoResult vmsplice(std::span<const iovec> iov, unsigned flags = 0) noexcept;
  [[nodiscard]] Writer clone() const noexcept { return Writer(end_); }
  void close() noexcept { end_.reset(); }
  [[nodiscard]] bool is_open() const noexcept { return end_ != nullptr; }
  void set_nonblocking(bool on) noexcept;
  void set_packet(bool on) noexcept;
  [[nodiscard]] short poll() const noexcept;
  // As Reader::event_fd.
  [[nodiscard]] FdResult event_fd() const noexcept;
  [[nodiscard]] SizeResult set_pipe_size(std::size_t bytes) noexcept;
  [[nodiscard]] std::size_t pipe_size() const noexcept;
  [[nodiscard]] PipeStats stats() const noexcept;
  // The open end (opaque outside the library); null when closed.
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
// SPLICE_F_NONBLOCK or either end is O_NONBLOCK; EPIPE (and SIGPIPE) without readers on `out`.
// splice moves up to `len` bytes of buffers (a whole buffer keeps its flags; a part becomes a
// shared page reference); tee duplicates them as shared references, consuming nothing.
[[nodiscard]] IoResult splice(const Reader& in, const Writer& out, std::size_t len,
                              unsigned flags = 0) noexcept;
[[nodiscard]] IoResult tee(const Reader& in, const Writer& out, std::size_t len,
                           unsigned flags = 0) noexcept;

// Makes a pipe: EINVAL for a policy that is not built, ENOMEM when memory runs out.
[[nodiscard]] PipePair make_pipe(const PipeOptions& options = {}) noexcept;

}  // namespace pipepool
