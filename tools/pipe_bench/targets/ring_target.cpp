#include "pipe_bench/targets/ring_target.hpp"

#include <fmt/format.h>
#include <sched.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "pipe_bench/workload.hpp"

namespace pipe_bench {
namespace {

constexpr std::size_t kMinRing = 8 * 1024;
constexpr std::size_t kLine = 64;
using Length = std::uint64_t;  // the length word in front of each packet

class ByteRing final : public Endpoints {
 public:
  ByteRing(std::byte* memory, std::size_t size, bool packet)
      : memory_(memory), size_(size), mask_(size - 1), packet_(packet) {}
  ~ByteRing() override { ::munmap(memory_, size_); }
  ByteRing(const ByteRing&) = delete;
  ByteRing& operator=(const ByteRing&) = delete;

  IoStatus write(const std::byte* buf, std::size_t len) noexcept override {
    if (len == 0) return {0, 0};
    const std::size_t need = packet_ ? sizeof(Length) + std::min(len, size_ - sizeof(Length)) : 1;
    const std::uint64_t head = writer_.head;
    for (;;) {
      if (reader_closed_.load(std::memory_order_acquire)) return {0, EPIPE};
      if (size_ - (head - writer_.tail_seen) >= need) break;
      writer_.tail_seen = tail_.value.load(std::memory_order_acquire);
      if (size_ - (head - writer_.tail_seen) >= need) break;
      ::sched_yield();
    }
    const std::size_t room = size_ - (head - writer_.tail_seen);
    std::uint64_t at = head;
    std::size_t n = 0;
    if (packet_) {
      n = need - sizeof(Length);
      const Length length = n;
      copy_in(at, reinterpret_cast<const std::byte*>(&length), sizeof(length));
      at += sizeof(length);
    } else {
      n = std::min(len, room);
    }
    copy_in(at, buf, n);
    writer_.head = at + n;
    head_.value.store(writer_.head, std::memory_order_release);
    return {n, 0};
  }

  IoStatus read(std::byte* buf, std::size_t len) noexcept override {
    if (len == 0) return {0, 0};
    const std::uint64_t tail = reader_.tail;
    for (;;) {
      if (reader_.head_seen != tail) break;
      reader_.head_seen = head_.value.load(std::memory_order_acquire);
      if (reader_.head_seen != tail) break;
      if (writer_closed_.load(std::memory_order_acquire)) {
        // The writer stored its last head before closing: look once more, then it is EOF.
        reader_.head_seen = head_.value.load(std::memory_order_acquire);
        if (reader_.head_seen == tail) return {0, 0};
        break;
      }
      ::sched_yield();
    }
    std::uint64_t at = tail;
    std::size_t n = 0;
    if (packet_) {
      Length length = 0;
      copy_out(at, reinterpret_cast<std::byte*>(&length), sizeof(length));
      at += sizeof(length);
      n = std::min<std::size_t>(len, length);
      copy_out(at, buf, n);
      at += length;
    } else {
      n = std::min<std::size_t>(len, reader_.head_seen - tail);
      copy_out(at, buf, n);
      at += n;
    }
    reader_.tail = at;
    tail_.value.store(at, std::memory_order_release);
    return {n, 0};
  }

  void close_writer() noexcept override { writer_closed_.store(true, std::memory_order_release); }
  void close_reader() noexcept override { reader_closed_.store(true, std::memory_order_release); }
  std::optional<pipepool::PipeStats> stats() const noexcept override { return std::nullopt; }

 private:
  // Copies n bytes to ring position `at` (free-running), in two pieces across the wrap.
  void copy_in(std::uint64_t at, const std::byte* src, std::size_t n) noexcept {
    const std::size_t offset = at & mask_;
    const std::size_t first = std::min(n, size_ - offset);
    std::memcpy(memory_ + offset, src, first);
    std::memcpy(memory_, src + first, n - first);
  }
  void copy_out(std::uint64_t at, std::byte* dst, std::size_t n) const noexcept {
    const std::size_t offset = at & mask_;
    const std::size_t first = std::min(n, size_ - offset);
    std::memcpy(dst, memory_ + offset, first);
    std::memcpy(dst + first, memory_, n - first);
  }

  struct alignas(kLine) Index {
    std::atomic<std::uint64_t> value{0};
  };
  // Each side's private state: its own index and its last view of the other side's.
  struct alignas(kLine) WriterSide {
    std::uint64_t head = 0;
    std::uint64_t tail_seen = 0;
  };
  struct alignas(kLine) ReaderSide {
    std::uint64_t tail = 0;
    std::uint64_t head_seen = 0;
  };

  std::byte* memory_;
  std::size_t size_;
  std::size_t mask_;
  bool packet_;
  Index head_;
  Index tail_;
  WriterSide writer_;
  ReaderSide reader_;
  alignas(kLine) std::atomic<bool> writer_closed_{false};
  std::atomic<bool> reader_closed_{false};
};

class RingTarget final : public Target {
 public:
  explicit RingTarget(const TargetConfig& config) : config_(config) {}
  std::string_view name() const noexcept override { return "ring"; }
  std::string_view allocator_label() const noexcept override { return "none"; }

  OpenResult open() override {
    const std::size_t size = std::bit_ceil(std::max(config_.pipe_size, kMinRing));
    void* memory = ::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (memory == MAP_FAILED) {
      return {nullptr, fmt::format("ring: mmap of {} bytes failed: {}", size, std::strerror(errno)),
              1};
    }
    return {
        std::make_unique<ByteRing>(static_cast<std::byte*>(memory), size, config_.packet), {}, 0};
  }

  RunAttempt run(const WorkloadConfig& config) override {
    if (config.writers != 1 || config.readers != 1) {
      return {std::nullopt,
              fmt::format("ring: a single-producer/single-consumer ring runs only -w 1 -r 1, "
                          "got {} writers and {} readers",
                          config.writers, config.readers),
              2};
    }
    return Target::run(config);
  }

 private:
  TargetConfig config_;
};

}  // namespace

std::unique_ptr<Target> make_ring_target(const TargetConfig& config) {
  return std::make_unique<RingTarget>(config);
}

}  // namespace pipe_bench
