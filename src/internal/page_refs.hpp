// Reference counts of pool pages held by more than one pipe buffer (tee, a split splice) or held
// by a pipe whose pool draws from another allocator (a buffer spliced whole between such pipes).
//
// Contract:
//   - Only pages in this table are shared; a buffer whose page is in it carries kBufShared. A
//     page a pipe owns alone is not in the table, so the write/read path never consults it.
//   - Each entry holds the page's count of buffer references and the allocator that must get the
//     page back (kept alive by the entry even when the pipe that allocated the page is gone).
//   - drop() of the last reference removes the entry and hands its allocator to the caller, which
//     frees the page there, or keeps it in its own pool when that pool uses the same allocator
//     (the kernel's anon_pipe_put_page: a page is kept only when its last reference is dropped).
//   - Thread-safe (one mutex of its own; callers may hold pipe mutexes, and nothing else is taken
//     under it). noexcept: an entry that cannot be allocated makes share()/adopt() return false and
//     changes nothing.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>

#include "pipepool/page_allocator.hpp"

namespace pipepool::internal {

class GlobalLocks;

class PageRefs {
 public:
  [[nodiscard]] static PageRefs& global() noexcept;

  // One more reference to `page`. A page not in the table enters it with two references (its
  // current holder and the new one), owned by `owner`.
  [[nodiscard]] bool share(void* page, const std::shared_ptr<PageAllocator>& owner) noexcept;
  // Enters `page` with one reference, owned by `owner` (a page moved to a pipe whose pool uses
  // another allocator). A page already in the table is left as is.
  [[nodiscard]] bool adopt(void* page, const std::shared_ptr<PageAllocator>& owner) noexcept;
  // Drops one reference. Returns the owner when it was the last one (the entry is gone), else
  // nullptr.
  [[nodiscard]] std::shared_ptr<PageAllocator> drop(void* page) noexcept;
  // References held on `page` (0 when not in the table). For tests.
  [[nodiscard]] unsigned count(const void* page) const noexcept;
  // Pages in the table. For tests.
  [[nodiscard]] std::size_t size() const noexcept;

  // In the child of fork(), with the lock taken by the prepare handler (internal/fork_guard.hpp):
  // releases it. Entries of pages the child inherited stay (those pages are never freed there).
  void after_fork_child() noexcept;

 private:
  friend class GlobalLocks;
  struct Entry {
    unsigned refs = 0;
    std::shared_ptr<PageAllocator> owner;
  };
  mutable std::mutex mutex_;
  std::unordered_map<const void*, Entry> entries_;
};

}  // namespace pipepool::internal
