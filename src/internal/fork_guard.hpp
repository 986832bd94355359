// fork() and pipepool's process-global state: one set of pthread_atfork handlers, registered when
// the library is loaded, for every process-global lock.
//
// Contract:
//   - prepare: first makes sure every lazily made global exists (waiting for one another thread is
//     making, so that no half-made global and no pending static-initialisation guard is copied
//     into the child), then takes the global locks in the order of GlobalLock below, blocking as
//     their users do. The order is the one normal code nests them in (a lock is only ever taken
//     while holding locks listed before it), so prepare cannot deadlock with a thread inside
//     pipepool.
//   - parent: releases them in reverse order; nothing else changes.
//   - child: each owner, in reverse order, releases or re-creates its locks and drops what belongs
//     to threads that do not exist in the child (see each owner's after_fork_child()).
//   - Shared pipes (pp_pipe2 with PP_O_SHARED) are counted for the child: prepare lends the child
//     the parent's ends, the child adopts them, the parent takes them back when fork failed
//     (internal/shared_fork.hpp). Their locks live in shared memory and are not taken.
//   - Per-object locks (a pipe's mutex and wait queues, a pool's lock, a readiness descriptor's
//     mutex, a `model` allocator instance's caches) are not taken: the objects the child inherits
//     are left alone there (the descriptor table marks them inherited).
#pragma once

#include <array>
#include <string_view>

namespace pipepool::internal {

// The process-global locks, in the order fork's prepare handler takes them.
enum class GlobalLock : unsigned char {
  monitor_control,   // shrinker::Monitor: start/stop and the monitor thread
  monitor_status,    // shrinker::Monitor: the status it reports
  shrinker_scan,     // shrinker::Registry: serialises scans (pins pools, frees their pages)
  shrinker_members,  // shrinker::Registry: pools joined, their pins
  page_refs,         // PageRefs::global(): shared pages' reference counts
  os_allocator,      // OsAllocator::instance(): the shared free list and the mapped chunks
  fd_table,          // FdTable::global(): the C API's descriptors
};

inline constexpr std::array kGlobalLocks = {
    GlobalLock::monitor_control,  GlobalLock::monitor_status, GlobalLock::shrinker_scan,
    GlobalLock::shrinker_members, GlobalLock::page_refs,      GlobalLock::os_allocator,
    GlobalLock::fd_table,
};

[[nodiscard]] std::string_view to_string(GlobalLock lock) noexcept;

// Test hooks: take and release one global lock (exclusively), blocking as its owner does.
void lock_global_for_test(GlobalLock lock) noexcept;
void unlock_global_for_test(GlobalLock lock) noexcept;

// Registers the fork handlers with pthread_atfork once. Runs when the library is loaded (a
// static initialiser of fork_guard.cpp); every global's accessor calls it too, which also links
// that initialiser into any program that uses one of them.
void register_fork_handlers() noexcept;

// The handlers themselves.
void fork_prepare() noexcept;
void fork_parent() noexcept;
void fork_child() noexcept;

}  // namespace pipepool::internal
