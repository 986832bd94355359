#include "pipe_bench/targets/memcpy_target.hpp"

#include <fmt/format.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <vector>

#include "pipe_bench/futex.hpp"
#include "pipe_bench/workload.hpp"

namespace pipe_bench {
namespace {

constexpr std::size_t kPage = 4096;
constexpr int kSpins = 32;

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// A FIFO of slot numbers (capacity = the slot count, so a push always fits) that threads can wait
// on. Sequentially consistent operations make the check-then-sleep safe: a pusher pushes, bumps
// `futex_`, then looks at `sleepers_`; a waiter registers in `sleepers_`, tries to pop, and sleeps
// only if `futex_` has not moved since before its attempt.
class SlotQueue {
 public:
  explicit SlotQueue(std::size_t capacity) : items_(capacity) {}

  void push(std::size_t slot) noexcept {
    {
      std::lock_guard lock(mutex_);
      items_[(head_ + count_) % items_.size()] = slot;
      ++count_;
    }
    futex_.fetch_add(1);
    if (sleepers_.load() != 0) futex_wake_one();
  }

  // A slot, or nullopt once `closed` is set and the queue is empty.
  std::optional<std::size_t> pop(const std::atomic<bool>& closed) noexcept {
    for (int i = 0; i < kSpins; ++i) {
      if (auto slot = try_pop()) return slot;
      cpu_relax();
    }
    for (;;) {
      const std::uint32_t seen = futex_.load();
      sleepers_.fetch_add(1);
      if (auto slot = try_pop()) {
        sleepers_.fetch_sub(1);
        return slot;
      }
      if (closed.load()) {
        sleepers_.fetch_sub(1);
        return try_pop();
      }
      futex_wait(futex_, seen);
      sleepers_.fetch_sub(1);
    }
  }

  // Wakes every sleeper, so that they see a close.
  void wake_all() noexcept {
    futex_.fetch_add(1);
    futex_wake_all(futex_);
  }

 private:
  std::optional<std::size_t> try_pop() noexcept {
    std::lock_guard lock(mutex_);
    if (count_ == 0) return std::nullopt;
    const std::size_t slot = items_[head_];
    head_ = (head_ + 1) % items_.size();
    --count_;
    return slot;
  }

  void futex_wake_one() noexcept {
    ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&futex_), FUTEX_WAKE_PRIVATE, 1, nullptr,
              nullptr, 0);
  }

  std::mutex mutex_;
  std::vector<std::size_t> items_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  alignas(64) std::atomic<std::uint32_t> futex_{0};
  std::atomic<std::uint32_t> sleepers_{0};
};

class SlotRing final : public Endpoints {
 public:
  SlotRing(std::byte* memory, std::size_t slots, std::size_t slot_size)
      : memory_(memory),
        slots_(slots),
        slot_size_(slot_size),
        lens_(slots),
        free_(slots),
        full_(slots) {
    for (std::size_t i = 0; i < slots; ++i) free_.push(i);
  }
  ~SlotRing() override { ::munmap(memory_, slot_size_ * slots_); }
  SlotRing(const SlotRing&) = delete;
  SlotRing& operator=(const SlotRing&) = delete;

  IoStatus write(const std::byte* buf, std::size_t len) noexcept override {
    const auto slot = free_.pop(readers_closed_);
    if (!slot || readers_closed_.load()) return {0, EPIPE};
    const std::size_t n = std::min(len, slot_size_);
    std::memcpy(memory_ + *slot * slot_size_, buf, n);
    lens_[*slot] = n;
    full_.push(*slot);
    return {n, 0};
  }

  IoStatus read(std::byte* buf, std::size_t len) noexcept override {
    const auto slot = full_.pop(writers_closed_);
    if (!slot) return {0, 0};  // EOF: the writers are gone and every message was read
    const std::size_t n = std::min(len, lens_[*slot]);  // like packet mode: the rest is dropped
    std::memcpy(buf, memory_ + *slot * slot_size_, n);
    free_.push(*slot);
    return {n, 0};
  }

  void close_writer() noexcept override {
    writers_closed_.store(true);
    full_.wake_all();
  }
  void close_reader() noexcept override {
    readers_closed_.store(true);
    free_.wake_all();
  }
  std::optional<pipepool::PipeStats> stats() const noexcept override { return std::nullopt; }

 private:
  std::byte* memory_;
  std::size_t slots_;
  std::size_t slot_size_;
  std::vector<std::size_t> lens_;  // bytes each slot holds; handed over with the slot number
  SlotQueue free_;
  SlotQueue full_;
  std::atomic<bool> writers_closed_{false};
  std::atomic<bool> readers_closed_{false};
};

class MemcpyTarget final : public Target {
 public:
  explicit MemcpyTarget(const TargetConfig& config) : config_(config) {}
  std::string_view name() const noexcept override { return "memcpy"; }
  std::string_view allocator_label() const noexcept override { return "none"; }

  // The message size is not known here (the preflight); the ring is sized for it in run().
  OpenResult open() override { return open_ring(config_.pipe_size); }

  RunAttempt run(const WorkloadConfig& config) override {
    OpenResult opened = open_ring(config.msg_size);
    if (!opened.endpoints) return {std::nullopt, std::move(opened.error), opened.exit_code};
    return {run_workload(*opened.endpoints, config), {}, 0};
  }

 private:
  OpenResult open_ring(std::size_t msg_size) const {
    const std::size_t slots =
        std::bit_floor(std::max<std::size_t>(1, config_.pipe_size / msg_size));
    const std::size_t slot_size = (msg_size + kPage - 1) / kPage * kPage;
    void* memory = ::mmap(nullptr, slots * slot_size, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (memory == MAP_FAILED) {
      return {nullptr,
              fmt::format("memcpy: mmap of {} bytes failed: {}", slots * slot_size,
                          std::strerror(errno)),
              1};
    }
    return {std::make_unique<SlotRing>(static_cast<std::byte*>(memory), slots, slot_size), {}, 0};
  }

  TargetConfig config_;
};

}  // namespace

std::unique_ptr<Target> make_memcpy_target(const TargetConfig& config) {
  return std::make_unique<MemcpyTarget>(config);
}

}  // namespace pipe_bench
