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
// kernel allocation under the pipe mutex does).
struct ModelAllocatorConfig {
  std::uint64_t alloc_cost_ns = 0;
  std::uint64_t free_cost_ns = 0;
  std::uint64_t fail_nth = 0;    // fail exactly the Nth allocate() call (1-based); 0 = never
  std::uint64_t fail_every = 0;  // fail every Nth allocate() call; 0 = never
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
