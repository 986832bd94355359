// Shrinker pipes for the shrinker tests: a fresh one, and a drained one whose pool holds pages.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "pipe_test_support.hpp"
#include "pipepool/page_allocator.hpp"

namespace pipepool::test {

// A nonblocking shrinker pipe over the heap allocator.
inline PipePair shrinker_pipe() {
  PipeOptions o;
  o.policy = PolicyKind::shrinker;
  o.allocator.kind = AllocatorKind::heap;
  o.nonblocking = true;
  PipePair p = make_pipe(o);
  EXPECT_TRUE(p.ok());
  return p;
}

// A pipe with its own model allocator (so the test can read the allocator's counters).
struct Held {
  std::shared_ptr<PageAllocator> allocator;
  PipePair pipe;
};

// A nonblocking shrinker pipe that wrote `bytes` and was drained: it now holds pages.
inline Held idle_pipe(std::size_t bytes) {
  Held h;
  h.allocator = make_allocator({AllocatorKind::model, {}});
  PipeOptions o;
  o.policy = PolicyKind::shrinker;
  o.allocator_instance = h.allocator;
  o.nonblocking = true;
  h.pipe = make_pipe(o);
  EXPECT_TRUE(h.pipe.ok());
  EXPECT_EQ(write_bytes(h.pipe.writer, pattern(bytes)).count, bytes);
  std::vector<std::byte> buf(bytes);
  EXPECT_EQ(h.pipe.reader.read(buf).count, bytes);
  return h;
}

}  // namespace pipepool::test
