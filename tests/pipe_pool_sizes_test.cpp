// PipeOptions::pool_sizes reach the pipe's pool: what a pipe keeps after a read follows them.
#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

#include "pipepool/pipe.hpp"

namespace pipepool {
namespace {

PipeStats write_then_read(PolicyKind policy, const PoolSizes& sizes, std::size_t bytes,
                          std::size_t per_write) {
  PipeOptions options;
  options.policy = policy;
  options.allocator.kind = AllocatorKind::heap;
  options.pool_sizes = sizes;
  PipePair p = make_pipe(options);
  EXPECT_TRUE(p.ok());
  std::vector<std::byte> buf(bytes);
  for (std::size_t done = 0; done < bytes; done += per_write) {
    EXPECT_EQ(p.writer.write({buf.data() + done, per_write}).count, per_write);
  }
  std::size_t got = 0;
  while (got < bytes) {
    const IoResult r = p.reader.read({buf.data() + got, bytes - got});
    EXPECT_TRUE(r.ok());
    if (!r.ok() || r.count == 0) break;
    got += r.count;
  }
  EXPECT_EQ(got, bytes);
  return p.reader.stats();
}

TEST(PipePoolSizes, UnifiedKeepsKeepPagesAfterARead) {
  EXPECT_EQ(write_then_read(PolicyKind::unified, {2, 4, 8}, 64 * 1024, 64 * 1024).pool.pool_size,
            4u);
  EXPECT_EQ(write_then_read(PolicyKind::unified, {}, 64 * 1024, 64 * 1024).pool.pool_size, 2u);
}

TEST(PipePoolSizes, UnifiedMaxCoversTheWholeWrite) {
  const PipeStats s = write_then_read(PolicyKind::unified, {2, 2, 16}, 64 * 1024, 64 * 1024);
  EXPECT_EQ(s.pool.allocs_outside_lock, 16u);
  EXPECT_EQ(s.pool.allocs_in_lock, 0u);
}

TEST(PipePoolSizes, LegacyKeepsItsCacheSize) {
  EXPECT_EQ(write_then_read(PolicyKind::legacy, {1, 2, 8}, 3 * 4096, 4096).pool.pool_size, 1u);
  EXPECT_EQ(write_then_read(PolicyKind::legacy, {}, 3 * 4096, 4096).pool.pool_size, 2u);
  EXPECT_EQ(write_then_read(PolicyKind::legacy, {3, 2, 8}, 3 * 4096, 4096).pool.pool_size, 3u);
}

}  // namespace
}  // namespace pipepool
