// The pipe's hook sequences, driven by hand, for the pool policy tests.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "pipepool/page_allocator.hpp"
#include "pipepool/page_pool.hpp"

namespace pipepool::pool_test {

inline std::shared_ptr<PageAllocator> model_allocator() {
  return make_allocator({AllocatorKind::model, {}});
}

// The pipe's write hook sequence for `len` bytes filling `slots` new ring slots.
inline void write_hooks(PagePool& pool, std::size_t len, unsigned slots, std::vector<void*>& ring) {
  PageBatch burst;
  PageBatch spare;
  pool.prefill(len, burst);
  pool.prefill_locked(burst);
  for (unsigned i = 0; i < slots; ++i) {
    void* page = pool.get_page(burst);
    ASSERT_NE(page, nullptr);
    std::memset(page, 0x5a, kPageSize);
    ring.push_back(page);
  }
  pool.trim_locked(burst, spare);
  EXPECT_TRUE(burst.empty());
  pool.release(spare);
  EXPECT_TRUE(spare.empty());
}

// The pipe's read hook sequence emptying every buffer of `ring`.
inline void read_hooks(PagePool& pool, std::vector<void*>& ring) {
  PageBatch none;
  PageBatch spare;
  for (void* page : ring) pool.put_page(page);
  ring.clear();
  pool.trim_locked(none, spare);
  pool.release(spare);
}

}  // namespace pipepool::pool_test
