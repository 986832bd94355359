// Page allocators: where a pipe's 4 KiB pages come from and go back to.
//
// Contract: allocate() returns a 4096-byte, 4096-aligned page or nullptr on failure (never throws);
// free() takes any page this allocator returned. Both are safe to call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace pipepool {

inline constexpr std::size_t kPageSize = 4096;

struct AllocatorStats {
  std::uint64_t allocations = 0;     // successful allocate() calls
  std::uint64_t frees = 0;           // free() calls
  std::uint64_t failures = 0;        // allocate() calls that returned nullptr
  std::uint64_t fresh_pages = 0;     // pages newly obtained from the OS (os) or the C++ heap (heap)
  std::uint64_t returned_pages = 0;  // pages handed back to the OS (os only)
};

class PageAllocator {
 public:
  virtual ~PageAllocator() = default;
  [[nodiscard]] virtual void* allocate() noexcept = 0;
  virtual void free(void* page) noexcept = 0;
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  [[nodiscard]] virtual AllocatorStats stats() const noexcept = 0;
};

enum class AllocatorKind { os, heap, model };

// The deterministic allocator's knobs. Costs are busy-waits (the thread keeps the CPU, as a
// kernel allocation under the pipe mutex does). Pages are served from per-CPU caches refilled
// from and drained to one shared list in batches (see src/allocators/model_allocator.hpp).
struct ModelAllocatorConfig {
  std::uint64_t alloc_cost_ns = 0;  // busy-wait per allocate() call, failed or not
  std::uint64_t free_cost_ns = 0;   // busy-wait per free() of a page
  std::uint64_t fail_nth = 0;       // fail exactly the Nth allocate() call (1-based); 0 = never
  std::uint64_t fail_every = 0;     // fail every Nth allocate() call; 0 = never
  // Reclaim stall: each allocate() call also busy-waits reclaim_stall_ns with this probability
  // (0..1; values outside are clamped), drawn from a per-cache PRNG seeded from `seed`, so a
  // single-threaded sequence of calls stalls on the same calls every time.
  double reclaim_stall_probability = 0;
  std::uint64_t reclaim_stall_ns = 0;
  std::uint64_t seed = 1;
  // Per-CPU caches: a thread uses cache sched_getcpu() % cpu_caches (0 = one per configured CPU;
  // 1 = every thread shares one cache, deterministic). A cache refills cache_batch pages from the
  // shared list when empty and drains cache_batch pages to it when it holds more than cache_high
  // (cache_batch is at least 1, cache_high at least cache_batch).
  std::uint32_t cpu_caches = 0;
  std::uint32_t cache_batch = 16;
  std::uint32_t cache_high = 64;
};

struct AllocatorOptions {
  AllocatorKind kind = AllocatorKind::os;
  ModelAllocatorConfig model{};
};

// `os` returns the process-wide OS page allocator (one per process, like the kernel's page
// allocator); `heap` and `model` return a new instance each call.
[[nodiscard]] std::shared_ptr<PageAllocator> make_allocator(const AllocatorOptions& options);

[[nodiscard]] std::optional<AllocatorKind> parse_allocator_kind(std::string_view name) noexcept;
[[nodiscard]] std::string_view to_string(AllocatorKind kind) noexcept;

}  // namespace pipepool
