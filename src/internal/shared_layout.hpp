// The memory of one shared pipe (PP_O_SHARED): everything the pipe is lives in one MAP_SHARED
// memfd mapping made before fork, so every process that inherited it sees the same bytes at the
// same address. The mapping is a Header followed by a page arena.
//
// Contract:
//   - Every field but the futex words is read and written under `mutex` (a process-shared,
//     robust pthread mutex; internal/shared_lock.hpp).
//   - The ring is the kernel's: free-running `head` and `tail`, masked by `ring_size - 1` only
//     when a slot is addressed; occupancy head - tail; full at `max_usage`. A slot names a page
//     of the arena by index, with offset, len and flags (kSlotCanMerge).
//   - Pages: an arena page is in exactly one of the ring's occupied slots, the tmp_page cache
//     (`cache`, the legacy policy) or the free stack, except while the lock holder moves it.
//     Updates are ordered so that a holder that dies leaves at worst a page in none of them,
//     which the recovery (rebuild_free_pages) finds again.
//   - `procs` records, per process, how many open read and write ends it holds; `readers` and
//     `writers` are their sums (recomputed from `procs` after a holder died).
#pragma once

#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace pipepool::internal::shared {

inline constexpr std::size_t kPage = 4096;
// The largest ring: pipe-max-size (1 MiB) in pages. The arena holds a page for every slot of the
// largest ring and for every cache slot, so taking a page never fails.
inline constexpr std::uint32_t kMaxSlots = 256;
inline constexpr std::uint32_t kMaxCache = 64;
inline constexpr std::uint32_t kArenaPages = kMaxSlots + kMaxCache;
// Processes that may hold ends of one pipe at the same time.
inline constexpr std::uint32_t kMaxProcs = 64;
inline constexpr std::uint32_t kNoPage = UINT32_MAX;
inline constexpr std::uint32_t kSlotCanMerge = 1;
inline constexpr std::uint64_t kMagic = 0x7069706570736872ULL;

struct Slot {
  std::uint32_t page;
  std::uint32_t offset;
  std::uint32_t len;
  std::uint32_t flags;
};

struct ProcEntry {
  pid_t pid;  // 0: free
  std::uint32_t readers;
  std::uint32_t writers;
};

// Counters of the shared page pool (tests read them).
struct PoolCounters {
  std::uint64_t pages_taken;  // pages moved from the free stack into use
  std::uint64_t pages_freed;  // pages given back to the free stack
  std::uint64_t cache_hits;   // pages taken from the tmp_page cache
  std::uint64_t recoveries;   // locks taken after a holder died
  std::uint64_t cache_peak;   // most tmp_page slots in use at once
};

// Calls on the pipe, as PipeStats counts them (under the mutex).
struct CallCounters {
  std::uint64_t writes;  // write calls that moved at least one byte
  std::uint64_t reads;   // read calls that moved at least one byte
  std::uint64_t bytes_written;
  std::uint64_t bytes_read;
  std::uint64_t writes_blocked;  // write calls that slept for room at least once
  std::uint64_t reads_blocked;   // read calls that slept for data at least once
};

// The mutex and the futex calls. Times are time-stamp-counter ticks (internal/lock_clock.hpp),
// one clock for every process on the machine.
struct LockCounters {
  std::uint64_t acquisitions;  // a wait's retake counts
  std::uint64_t contended;     // acquisitions that found the mutex held
  std::uint64_t hold_ticks;
  std::uint64_t wait_ticks;   // waiting to take the mutex (not sleeping for room or data)
  std::uint64_t futex_waits;  // sleeps for room or data
  std::atomic<std::uint64_t> futex_wakes;  // FUTEX_WAKE calls (made outside the mutex too)
};

struct Header {
  std::uint64_t magic;
  std::uintptr_t map_start;  // the mapping's address in every process that has it
  std::size_t map_len;
  pthread_mutex_t mutex;
  // Futex words (non-private): bumped when readers (read_seq) or writers (write_seq) may go on.
  std::atomic<std::uint32_t> read_seq;
  std::atomic<std::uint32_t> write_seq;
  std::uint32_t readers_waiting;
  std::uint32_t writers_waiting;
  std::uint32_t head;
  std::uint32_t tail;
  std::uint32_t ring_size;
  std::uint32_t max_usage;
  std::uint32_t readers;
  std::uint32_t writers;
  std::uint32_t cache_size;        // tmp_page slots in use by the policy
  std::uint32_t cache[kMaxCache];  // kNoPage: empty
  std::uint32_t free_count;
  std::uint32_t free_pages[kArenaPages];  // a stack of page indexes
  PoolCounters counters;
  CallCounters calls;
  LockCounters lock;
  ProcEntry procs[kMaxProcs];
  Slot slots[kMaxSlots];
};

// The arena starts at the first page boundary after the header.
inline constexpr std::size_t kArenaOffset = (sizeof(Header) + kPage - 1) & ~(kPage - 1);
inline constexpr std::size_t kMapLen = kArenaOffset + std::size_t{kArenaPages} * kPage;

[[nodiscard]] inline std::byte* page_at(Header& h, std::uint32_t page) noexcept {
  return reinterpret_cast<std::byte*>(&h) + kArenaOffset + std::size_t{page} * kPage;
}

[[nodiscard]] inline Slot& slot_at(Header& h, std::uint32_t index) noexcept {
  return h.slots[index & (h.ring_size - 1)];
}

// The legacy pool over the arena (tmp_page[cache_size]): get_page takes the first cached page,
// else one from the free stack; put_page keeps a page in an empty cache slot, else frees it. Under
// the mutex.
[[nodiscard]] std::uint32_t get_page(Header& h) noexcept;
void put_page(Header& h, std::uint32_t page) noexcept;
// Recovery after a lock holder died: rebuilds the free stack from the ring and the cache.
void rebuild_free_pages(Header& h) noexcept;

}  // namespace pipepool::internal::shared
