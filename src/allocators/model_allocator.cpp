#include "allocators/model_allocator.hpp"

#include <sched.h>
#include <sys/sysinfo.h>

#include <algorithm>
#include <new>

#include "allocators/busy_wait.hpp"
#include "allocators/page_poison.hpp"

namespace pipepool::internal {

namespace {

constexpr std::size_t kCacheLine = 64;

void* heap_page() noexcept {
  return ::operator new (kPageSize, std::align_val_t{kPageSize}, std::nothrow);
}

void heap_free(void* page) noexcept {
  ::operator delete (page, kPageSize, std::align_val_t{kPageSize});
}

// SplitMix64: a small, fast generator whose whole state is one word, so each cache has its own.
std::uint64_t next_random(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::size_t configured_caches(const ModelAllocatorConfig& config) noexcept {
  if (config.cpu_caches != 0) return config.cpu_caches;
  const int cpus = ::get_nprocs_conf();
  return cpus > 0 ? static_cast<std::size_t>(cpus) : 1;
}

ModelAllocatorConfig normalized(ModelAllocatorConfig config) noexcept {
  config.cache_batch = std::max<std::uint32_t>(config.cache_batch, 1);
  config.cache_high = std::max(config.cache_high, config.cache_batch);
  return config;
}

void add(std::atomic<std::uint64_t>& counter, std::uint64_t n) noexcept {
  counter.fetch_add(n, std::memory_order_relaxed);
}

// Busy-waits `ns` and adds it to `charged` (nothing for 0).
void charge(std::atomic<std::uint64_t>& charged, std::uint64_t ns) noexcept {
  if (ns == 0) return;
  busy_wait_ns(ns);
  add(charged, ns);
}

}  // namespace

// One per-CPU cache. Its counters are written by the threads running on that CPU, so they share
// the cache's line rather than one process-wide line.
struct alignas(kCacheLine) ModelAllocator::Cache {
  std::mutex mutex;
  // Guarded by mutex; oldest first. Its capacity, cache_high + 1, is reserved on first use, so
  // that caches of CPUs this allocator never runs on cost no page-list memory.
  std::vector<void*> pages;
  std::uint64_t random = 0;  // guarded by mutex
  std::atomic<std::uint64_t> allocations{0};
  std::atomic<std::uint64_t> frees{0};
  std::atomic<std::uint64_t> failures{0};
  std::atomic<std::uint64_t> fresh_pages{0};
  std::atomic<std::uint64_t> refills{0};
  std::atomic<std::uint64_t> refilled_pages{0};
  std::atomic<std::uint64_t> drains{0};
  std::atomic<std::uint64_t> drained_pages{0};
  std::atomic<std::uint64_t> stalls{0};
  std::atomic<std::uint64_t> alloc_charged_ns{0};
  std::atomic<std::uint64_t> free_charged_ns{0};
  std::atomic<std::uint64_t> stall_charged_ns{0};
};

ModelAllocator::ModelAllocator(const ModelAllocatorConfig& config)
    : config_(normalized(config)),
      injecting_(config.fail_nth != 0 || config.fail_every != 0),
      stall_probability_(std::clamp(config.reclaim_stall_probability, 0.0, 1.0)),
      cache_count_(configured_caches(config)),
      caches_(std::make_unique<Cache[]>(cache_count_)) {
  for (std::size_t i = 0; i < cache_count_; ++i) {
    caches_[i].random = config_.seed + i * 0xd1b54a32d192ed03ULL;
  }
}

ModelAllocator::~ModelAllocator() {
  const auto release = [](const std::vector<void*>& pages) {
    for (void* page : pages) {
      unpoison_page(page);
      heap_free(page);
    }
  };
  for (std::size_t i = 0; i < cache_count_; ++i) release(caches_[i].pages);
  release(shared_);
}

bool ModelAllocator::should_fail(std::uint64_t call) const noexcept {
  if (config_.fail_nth != 0 && call == config_.fail_nth) return true;
  return config_.fail_every != 0 && call % config_.fail_every == 0;
}

ModelAllocator::Cache& ModelAllocator::local_cache() noexcept {
  if (cache_count_ == 1) return caches_[0];
  const int cpu = ::sched_getcpu();
  return caches_[cpu < 0 ? 0 : static_cast<std::size_t>(cpu) % cache_count_];
}

bool ModelAllocator::draw_stall(Cache& cache) noexcept {
  if (stall_probability_ <= 0.0) return false;
  // 53 random bits as a double in [0, 1): p = 1 always stalls, p = 0 never does.
  const double u = static_cast<double>(next_random(cache.random) >> 11) * 0x1.0p-53;
  return u < stall_probability_;
}

bool ModelAllocator::ready(Cache& cache) noexcept {
  const std::size_t capacity = std::size_t{config_.cache_high} + 1;
  if (cache.pages.capacity() >= capacity) return true;
  try {
    cache.pages.reserve(capacity);
    return true;
  } catch (...) {
    return false;
  }
}

void ModelAllocator::refill(Cache& cache) noexcept {
  if (!ready(cache)) return;  // no list to refill: the page comes from the heap
  std::lock_guard lock(shared_mutex_);
  const std::size_t n = std::min<std::size_t>(config_.cache_batch, shared_.size());
  if (n == 0) return;
  // The most recently drained pages first (the warmest), as a stack.
  cache.pages.insert(cache.pages.end(), shared_.end() - static_cast<std::ptrdiff_t>(n),
                     shared_.end());
  shared_.resize(shared_.size() - n);
  add(cache.refills, 1);
  add(cache.refilled_pages, n);
}

void ModelAllocator::drain(Cache& cache) noexcept {
  const auto batch = static_cast<std::ptrdiff_t>(config_.cache_batch);
  const auto first = cache.pages.begin();
  try {
    std::lock_guard lock(shared_mutex_);
    shared_.insert(shared_.end(), first, first + batch);
  } catch (...) {
    // The shared list could not grow: give the batch back to the heap instead.
    for (auto it = first; it != first + batch; ++it) {
      unpoison_page(*it);
      heap_free(*it);
    }
  }
  cache.pages.erase(first, first + batch);
  add(cache.drains, 1);
  add(cache.drained_pages, static_cast<std::uint64_t>(batch));
}

void* ModelAllocator::allocate() noexcept {
  const bool fail = injecting_ && should_fail(calls_.fetch_add(1, std::memory_order_relaxed) + 1);
  Cache& cache = local_cache();
  void* page = nullptr;
  bool stall = false;
  {
    std::lock_guard lock(cache.mutex);
    stall = draw_stall(cache);
    if (!fail) {
      if (cache.pages.empty()) refill(cache);
      if (!cache.pages.empty()) {
        page = cache.pages.back();
        cache.pages.pop_back();
      }
    }
  }
  charge(cache.alloc_charged_ns, config_.alloc_cost_ns);
  if (stall) {
    add(cache.stalls, 1);
    charge(cache.stall_charged_ns, config_.reclaim_stall_ns);
  }
  if (fail) {
    add(cache.failures, 1);
    return nullptr;
  }
  if (page != nullptr) {
    unpoison_page(page);
  } else {
    page = heap_page();
    if (page == nullptr) {
      add(cache.failures, 1);
      return nullptr;
    }
    add(cache.fresh_pages, 1);
  }
  add(cache.allocations, 1);
  return page;
}

void ModelAllocator::free(void* page) noexcept {
  if (page == nullptr) return;
  Cache& cache = local_cache();
  charge(cache.free_charged_ns, config_.free_cost_ns);
  poison_page(page);
  add(cache.frees, 1);
  std::lock_guard lock(cache.mutex);
  if (!ready(cache)) {
    // No memory for the cache's list: give the page back to the heap instead.
    unpoison_page(page);
    heap_free(page);
    return;
  }
  cache.pages.push_back(page);  // never reallocates: at most cache_high + 1 pages
  if (cache.pages.size() > config_.cache_high) drain(cache);
}

AllocatorStats ModelAllocator::stats() const noexcept {
  AllocatorStats s;
  for (std::size_t i = 0; i < cache_count_; ++i) {
    const Cache& c = caches_[i];
    s.allocations += c.allocations.load(std::memory_order_relaxed);
    s.frees += c.frees.load(std::memory_order_relaxed);
    s.failures += c.failures.load(std::memory_order_relaxed);
    s.fresh_pages += c.fresh_pages.load(std::memory_order_relaxed);
  }
  return s;
}

std::size_t ModelAllocator::free_pages() noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < cache_count_; ++i) {
    std::lock_guard lock(caches_[i].mutex);
    n += caches_[i].pages.size();
  }
  std::lock_guard lock(shared_mutex_);
  return n + shared_.size();
}

ModelCounters ModelAllocator::counters() const noexcept {
  ModelCounters s;
  for (std::size_t i = 0; i < cache_count_; ++i) {
    const Cache& c = caches_[i];
    s.refills += c.refills.load(std::memory_order_relaxed);
    s.refilled_pages += c.refilled_pages.load(std::memory_order_relaxed);
    s.drains += c.drains.load(std::memory_order_relaxed);
    s.drained_pages += c.drained_pages.load(std::memory_order_relaxed);
    s.stalls += c.stalls.load(std::memory_order_relaxed);
    s.alloc_cost_charged_ns += c.alloc_charged_ns.load(std::memory_order_relaxed);
    s.free_cost_charged_ns += c.free_charged_ns.load(std::memory_order_relaxed);
    s.stall_charged_ns += c.stall_charged_ns.load(std::memory_order_relaxed);
  }
  return s;
}

}  // namespace pipepool::internal
