// The pthread_atfork handlers for every process-global lock (internal/fork_guard.hpp).
#include "internal/fork_guard.hpp"

#include <pthread.h>

#include <atomic>

#include "allocators/os_allocator.hpp"
#include "internal/fd_table.hpp"
#include "internal/lock_clock.hpp"
#include "internal/page_refs.hpp"
#include "internal/shared_fork.hpp"
#include "pipepool/pipe.hpp"
#include "shrinker/monitor.hpp"
#include "shrinker/registry.hpp"

namespace pipepool::internal {

// The owners' locks, reached as friends of each owner.
class GlobalLocks {
 public:
  static void lock(GlobalLock which) noexcept {
    switch (which) {
      case GlobalLock::monitor_control:
        shrinker::Monitor::instance().control_.lock();
        return;
      case GlobalLock::monitor_status:
        shrinker::Monitor::instance().status_mutex_.lock();
        return;
      case GlobalLock::shrinker_scan:
        shrinker::Registry::instance().scan_mutex_.lock();
        return;
      case GlobalLock::shrinker_members:
        shrinker::Registry::instance().mutex_.lock();
        return;
      case GlobalLock::page_refs:
        PageRefs::global().mutex_.lock();
        return;
      case GlobalLock::os_allocator:
        OsAllocator::instance()->mutex_.lock();
        return;
      case GlobalLock::fd_table:
        FdTable::global().mutex_->lock();
        return;
    }
  }

  static void unlock(GlobalLock which) noexcept {
    switch (which) {
      case GlobalLock::monitor_control:
        shrinker::Monitor::instance().control_.unlock();
        return;
      case GlobalLock::monitor_status:
        shrinker::Monitor::instance().status_mutex_.unlock();
        return;
      case GlobalLock::shrinker_scan:
        shrinker::Registry::instance().scan_mutex_.unlock();
        return;
      case GlobalLock::shrinker_members:
        shrinker::Registry::instance().mutex_.unlock();
        return;
      case GlobalLock::page_refs:
        PageRefs::global().mutex_.unlock();
        return;
      case GlobalLock::os_allocator:
        OsAllocator::instance()->mutex_.unlock();
        return;
      case GlobalLock::fd_table:
        FdTable::global().mutex_->unlock();
        return;
    }
  }
};

namespace {

std::atomic<bool> handlers_registered{false};

// Every global made on first use, and every once-computed value whose first computation takes
// a while. Waits for one that another thread is making right now.
void make_globals() noexcept {
  (void)shrinker::Monitor::instance();
  (void)shrinker::Registry::instance();
  (void)PageRefs::global();
  (void)OsAllocator::instance();
  (void)FdTable::global();
  (void)lock_ns_per_tick();
  (void)default_copy_mode();
}

[[maybe_unused]] const bool registered_at_load = (register_fork_handlers(), true);

}  // namespace

std::string_view to_string(GlobalLock lock) noexcept {
  switch (lock) {
    case GlobalLock::monitor_control:
      return "monitor_control";
    case GlobalLock::monitor_status:
      return "monitor_status";
    case GlobalLock::shrinker_scan:
      return "shrinker_scan";
    case GlobalLock::shrinker_members:
      return "shrinker_members";
    case GlobalLock::page_refs:
      return "page_refs";
    case GlobalLock::os_allocator:
      return "os_allocator";
    case GlobalLock::fd_table:
      return "fd_table";
  }
  return "unknown";
}

void lock_global_for_test(GlobalLock lock) noexcept {
  GlobalLocks::lock(lock);
}

void unlock_global_for_test(GlobalLock lock) noexcept {
  GlobalLocks::unlock(lock);
}

void register_fork_handlers() noexcept {
  if (handlers_registered.load(std::memory_order_acquire) ||
      handlers_registered.exchange(true, std::memory_order_acq_rel)) {
    return;
  }
  ::pthread_atfork(fork_prepare, fork_parent, fork_child);
}

void fork_prepare() noexcept {
  make_globals();
  for (const GlobalLock lock : kGlobalLocks) GlobalLocks::lock(lock);
  // Last: it clears errno to learn in fork_parent whether fork failed.
  shared_fork_prepare(FdTable::global());
}

void fork_parent() noexcept {
  shared_fork_parent(FdTable::global());
  for (auto it = kGlobalLocks.rbegin(); it != kGlobalLocks.rend(); ++it) GlobalLocks::unlock(*it);
}

void fork_child() noexcept {
  // Reverse order of the owners; each releases or re-creates its own locks.
  FdTable::global().after_fork_child();
  shared_fork_child(FdTable::global());
  OsAllocator::instance()->after_fork_child();
  PageRefs::global().after_fork_child();
  shrinker::Registry::instance().after_fork_child();
  shrinker::Monitor::instance().after_fork_child();
}

}  // namespace pipepool::internal
