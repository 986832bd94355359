// The shared-page reference table (internal/page_refs.hpp).
#include "internal/page_refs.hpp"

#include <new>

#include "internal/fork_guard.hpp"

namespace pipepool::internal {

PageRefs& PageRefs::global() noexcept {
  static PageRefs* const table = [] {
    register_fork_handlers();
    return new PageRefs;  // never destroyed: pipes may outlive statics
  }();
  return *table;
}

void PageRefs::after_fork_child() noexcept {
  // Taken by the forking thread, which is the child's only thread.
  mutex_.unlock();
}

bool PageRefs::share(void* page, const std::shared_ptr<PageAllocator>& owner) noexcept {
  std::lock_guard lock(mutex_);
  try {
    auto [it, inserted] = entries_.try_emplace(page, Entry{1, owner});
    ++it->second.refs;
  } catch (const std::bad_alloc&) {
    return false;
  }
  return true;
}

bool PageRefs::adopt(void* page, const std::shared_ptr<PageAllocator>& owner) noexcept {
  std::lock_guard lock(mutex_);
  try {
    entries_.try_emplace(page, Entry{1, owner});
  } catch (const std::bad_alloc&) {
    return false;
  }
  return true;
}

std::shared_ptr<PageAllocator> PageRefs::drop(void* page) noexcept {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(page);
  if (it == entries_.end()) return nullptr;
  if (--it->second.refs != 0) return nullptr;
  std::shared_ptr<PageAllocator> owner = std::move(it->second.owner);
  entries_.erase(it);
  return owner;
}

unsigned PageRefs::count(const void* page) const noexcept {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(page);
  return it == entries_.end() ? 0 : it->second.refs;
}

std::size_t PageRefs::size() const noexcept {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace pipepool::internal
