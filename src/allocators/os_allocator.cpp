#include "allocators/os_allocator.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>

#include "allocators/page_poison.hpp"
#include "internal/fork_guard.hpp"

namespace pipepool::internal {

namespace {

enum class CacheState : unsigned char { unregistered, live, dead };

// Trivially destructible, so it stays usable for the whole life of the thread, even after the
// exit hook below has run (then its state is `dead` and callers bypass it).
struct ThreadCache {
  void* pages[kOsThreadCacheMax];
  std::size_t count;
  CacheState state;
};

constinit thread_local ThreadCache tls_cache{};

// Its destructor is the thread-exit hook. It is constructed (and the destructor registered) on
// the thread's first use of the cache.
struct CacheReaper {
  bool armed = false;
  ~CacheReaper() {
    if (!armed) return;
    ThreadCache& cache = tls_cache;
    cache.state = CacheState::dead;
    OsAllocator::instance()->flush_exiting_thread(cache.pages, cache.count);
    cache.count = 0;
  }
};

thread_local CacheReaper tls_reaper;

// Returns true if the cache may be used (registering the exit hook on first use).
bool cache_usable(ThreadCache& cache) noexcept {
  if (cache.state == CacheState::unregistered) {
    tls_reaper.armed = true;
    cache.state = CacheState::live;
  }
  return cache.state == CacheState::live;
}

// madvise(MADV_DONTNEED) on `pages`, sorted in place, one call per contiguous run.
void return_to_os(std::vector<void*>& pages) noexcept {
  std::sort(pages.begin(), pages.end());
  std::size_t i = 0;
  while (i < pages.size()) {
    char* start = static_cast<char*>(pages[i]);
    std::size_t run = 1;
    while (i + run < pages.size() && pages[i + run] == start + run * kPageSize) ++run;
    // Failure leaves the memory resident; the page is still usable, only not returned.
    (void)::madvise(start, run * kPageSize, MADV_DONTNEED);
    i += run;
  }
}

}  // namespace

const std::shared_ptr<OsAllocator>& OsAllocator::instance() noexcept {
  // Leaked on purpose: thread-exit hooks and late frees may run after static destruction.
  static const auto* const shared = [] {
    register_fork_handlers();
    return new std::shared_ptr<OsAllocator>(new OsAllocator(), [](OsAllocator*) {});
  }();
  return *shared;
}

void OsAllocator::after_fork_child() noexcept {
  // The thread that was madvising release_buffer_'s pages (swapped out of this object) exists
  // only in the parent.
  releasing_ = false;
  releasing_count_ = 0;
  mutex_.unlock();  // taken by the forking thread, the child's only thread
}

void* OsAllocator::allocate() noexcept {
  ThreadCache& cache = tls_cache;
  void* page = nullptr;
  if (cache.state == CacheState::live && cache.count > 0) {
    page = cache.pages[--cache.count];
  } else {
    page = allocate_slow();
    if (page == nullptr) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      return nullptr;
    }
  }
  unpoison_page(page);
  allocations_.add();
  return page;
}

void* OsAllocator::allocate_slow() noexcept {
  ThreadCache& cache = tls_cache;
  const bool use_cache = cache_usable(cache);
  std::lock_guard lock(mutex_);
  if (!shared_.empty()) {
    // Hand out the hottest page; the next hottest refill the (empty) cache, hottest on top.
    const std::size_t take = use_cache ? std::min(kOsThreadCacheBatch, shared_.size()) : 1;
    const auto first = shared_.end() - static_cast<std::ptrdiff_t>(take);
    std::copy(first, shared_.end() - 1, cache.pages + cache.count);
    if (use_cache) cache.count += take - 1;
    void* page = shared_.back();
    shared_.erase(first, shared_.end());
    return page;
  }
  void* page = take_fresh_locked();
  if (page != nullptr) fresh_pages_.fetch_add(1, std::memory_order_relaxed);
  return page;
}

void* OsAllocator::take_fresh_locked() noexcept {
  if (!returned_.empty()) {
    void* page = returned_.back();
    returned_.pop_back();
    return page;
  }
  if (untouched_ == untouched_end_ && !map_chunk_locked()) return nullptr;
  void* page = untouched_;
  untouched_ += kPageSize;
  return page;
}

bool OsAllocator::map_chunk_locked() noexcept {
  void* chunk = ::mmap(nullptr, kOsChunkBytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (chunk == MAP_FAILED) return false;
  // 4 KiB pages, as the kernel's pipe pages: no transparent huge page behind a chunk.
  (void)::madvise(chunk, kOsChunkBytes, MADV_NOHUGEPAGE);
  const std::size_t mapped = mapped_pages_ + kOsChunkPages;
  try {
    if (shared_.capacity() < mapped) shared_.reserve(std::max(mapped, 2 * shared_.capacity()));
    if (returned_.capacity() < mapped) {
      returned_.reserve(std::max(mapped, 2 * returned_.capacity()));
    }
  } catch (...) {
    ::munmap(chunk, kOsChunkBytes);
    return false;
  }
  mapped_pages_ = mapped;
  untouched_ = static_cast<char*>(chunk);
  untouched_end_ = untouched_ + kOsChunkBytes;
  return true;
}

void OsAllocator::free(void* page) noexcept {
  if (page == nullptr) return;
  frees_.add();
  poison_page(page);
  ThreadCache& cache = tls_cache;
  if (cache.state == CacheState::live && cache.count < kOsThreadCacheMax) {
    cache.pages[cache.count++] = page;
    return;
  }
  free_slow(page);
}

void OsAllocator::free_slow(void* page) noexcept {
  ThreadCache& cache = tls_cache;
  if (!cache_usable(cache)) {
    push_shared(&page, 1, kOsHighWatermark, kOsLowWatermark);
    return;
  }
  if (cache.count == kOsThreadCacheMax) {
    // Move the coldest batch (the bottom of the stack) to the shared list.
    push_shared(cache.pages, kOsThreadCacheBatch, kOsHighWatermark, kOsLowWatermark);
    std::memmove(cache.pages, cache.pages + kOsThreadCacheBatch,
                 (kOsThreadCacheMax - kOsThreadCacheBatch) * sizeof(void*));
    cache.count -= kOsThreadCacheBatch;
  }
  cache.pages[cache.count++] = page;
}

void OsAllocator::push_shared(void* const* pages, std::size_t count, std::size_t high,
                              std::size_t low) noexcept {
  std::unique_lock lock(mutex_);
  shared_.insert(shared_.end(), pages, pages + count);
  if (shared_.size() > high) release_surplus(lock, low);
}

void OsAllocator::release_surplus(std::unique_lock<std::mutex>& lock, std::size_t keep) noexcept {
  if (releasing_ || shared_.size() <= keep) return;
  const std::size_t count = shared_.size() - keep;
  std::vector<void*> batch;
  batch.swap(release_buffer_);
  try {
    batch.reserve(count);
  } catch (...) {
    batch.swap(release_buffer_);
    return;  // no memory for the bookkeeping: keep the pages, try again on a later flush
  }
  // The coldest pages are at the front of the list.
  const auto end = shared_.begin() + static_cast<std::ptrdiff_t>(count);
  batch.assign(shared_.begin(), end);
  shared_.erase(shared_.begin(), end);
  releasing_ = true;
  releasing_count_ = count;
  lock.unlock();

  return_to_os(batch);

  lock.lock();
  returned_.insert(returned_.end(), batch.begin(), batch.end());
  returned_pages_.fetch_add(count, std::memory_order_relaxed);
  batch.clear();
  batch.swap(release_buffer_);
  releasing_ = false;
  releasing_count_ = 0;
}

void OsAllocator::flush_exiting_thread(void* const* pages, std::size_t count) noexcept {
  if (count > 0) push_shared(pages, count, kOsHighWatermark, kOsLowWatermark);
}

void OsAllocator::release_free_pages() noexcept {
  ThreadCache& cache = tls_cache;
  const std::size_t cached = cache.state == CacheState::live ? cache.count : 0;
  cache.count = 0;
  push_shared(cache.pages, cached, 0, 0);
}

OsInventory OsAllocator::inventory() const noexcept {
  const ThreadCache& cache = tls_cache;
  std::lock_guard lock(mutex_);
  OsInventory inv;
  inv.mapped = mapped_pages_;
  inv.untouched = static_cast<std::size_t>(untouched_end_ - untouched_) / kPageSize;
  inv.shared_free = shared_.size();
  inv.returned = returned_.size();
  inv.releasing = releasing_count_;
  inv.this_thread_cached = cache.state == CacheState::live ? cache.count : 0;
  return inv;
}

AllocatorStats OsAllocator::stats() const noexcept {
  AllocatorStats s;
  s.allocations = allocations_.load();
  s.frees = frees_.load();
  s.failures = failures_.load(std::memory_order_relaxed);
  s.fresh_pages = fresh_pages_.load(std::memory_order_relaxed);
  s.returned_pages = returned_pages_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace pipepool::internal
