// A write that cannot get a page returns the bytes already written, or ENOMEM when none; no byte
// is lost or duplicated and every page goes back to the allocator.
#include "pipe_test_support.hpp"

namespace pipepool::test {
namespace {

class PipeAllocFailure : public PipeTest {};

struct Opened {
  std::shared_ptr<PageAllocator> allocator;
  PipePair pipe;
};

Opened open(PolicyKind policy, ModelAllocatorConfig cfg) {
  Opened o;
  o.allocator = make_allocator({AllocatorKind::model, cfg});
  PipeOptions opt;
  opt.policy = policy;
  opt.allocator_instance = o.allocator;
  opt.nonblocking = true;
  o.pipe = make_pipe(opt);
  EXPECT_TRUE(o.pipe.ok());
  return o;
}

std::vector<std::byte> drain(Reader& r) {
  std::vector<std::byte> all;
  std::vector<std::byte> buf(1 << 16);
  for (;;) {
    IoResult res = r.read(buf);
    if (!res.ok() || res.count == 0) return all;
    all.insert(all.end(), buf.begin(), buf.begin() + static_cast<long>(res.count));
  }
}

TEST_P(PipeAllocFailure, FirstAllocationFailing) {
  auto o = open(GetParam(), {.fail_nth = 1});
  IoResult r = write_bytes(o.pipe.writer, pattern(100));
  if (GetParam() == PolicyKind::unified || GetParam() == PolicyKind::shrinker) {
    // The failed allocation was the prefill, outside the lock; get_page allocates again under it.
    EXPECT_EQ(r.count, 100u);
    PoolStats s = o.pipe.writer.stats().pool;
    EXPECT_EQ(s.alloc_failures, 1u);
    EXPECT_EQ(s.allocs_in_lock, 1u);
    EXPECT_EQ(drain(o.pipe.reader), pattern(100));
    return;
  }
  EXPECT_EQ(r.error, err(ENOMEM));
  EXPECT_EQ(o.pipe.reader.bytes_available(), 0u);
  // The next write gets its page.
  EXPECT_EQ(write_bytes(o.pipe.writer, pattern(100)).count, 100u);
  EXPECT_EQ(drain(o.pipe.reader), pattern(100));
}

TEST_P(PipeAllocFailure, EveryAllocationFailingIsEnomemButMergesStillWork) {
  auto o = open(GetParam(), {.fail_nth = 0, .fail_every = 0});
  ASSERT_EQ(write_bytes(o.pipe.writer, pattern(10)).count, 10u);
  auto failing = open(GetParam(), {.fail_every = 1});
  EXPECT_EQ(write_bytes(failing.pipe.writer, pattern(10)).error, err(ENOMEM));
  EXPECT_EQ(write_bytes(failing.pipe.writer, pattern(5000)).error, err(ENOMEM));
}

TEST_P(PipeAllocFailure, PartialWriteReportsExactlyWhatLanded) {
  for (std::uint64_t every = 2; every <= 16; ++every) {
    auto o = open(GetParam(), {.fail_every = every});
    std::vector<std::byte> sent;
    std::vector<std::byte> got;
    for (unsigned i = 0; i < 40; ++i) {
      auto data = pattern(1000 + i * 2500, i);
      IoResult r = write_bytes(o.pipe.writer, data);
      if (r.ok()) {
        ASSERT_LE(r.count, data.size());
        sent.insert(sent.end(), data.begin(), data.begin() + static_cast<long>(r.count));
      } else {
        ASSERT_TRUE(r.error == err(ENOMEM) || r.error == err(EAGAIN)) << r.error.message();
      }
      auto chunk = drain(o.pipe.reader);
      got.insert(got.end(), chunk.begin(), chunk.end());
    }
    EXPECT_EQ(got, sent) << "fail_every=" << every;
    EXPECT_GT(o.allocator->stats().failures, 0u);
    o.pipe = {};
    AllocatorStats a = o.allocator->stats();
    EXPECT_EQ(a.allocations, a.frees) << "fail_every=" << every;
  }
}

PIPEPOOL_ALL_POLICIES(PipeAllocFailure);

}  // namespace
}  // namespace pipepool::test
