// Pages shared between pipes by tee and splice: a page is recycled into a pool only with its last
// reference, goes back to the allocator it came from, and none leaks whichever pipe closes first.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "internal/page_refs.hpp"
#include "pipepool/pipe.hpp"

namespace pipepool {
namespace {

class PoolSharedPage : public ::testing::TestWithParam<CopyMode> {
 protected:
  PipePair pipe(const std::shared_ptr<PageAllocator>& allocator) {
    PipeOptions o;
    o.policy = PolicyKind::legacy;  // keeps up to two released pages: recycling is visible
    o.allocator_instance = allocator;
    o.nonblocking = true;
    o.copy = GetParam();
    PipePair p = make_pipe(o);
    EXPECT_TRUE(p.ok());
    return p;
  }
  static std::string bytes(std::size_t n, char seed) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i * 7);
    return s;
  }
  static std::size_t write(Writer& w, const std::string& s) {
    const IoResult r = w.write(std::as_bytes(std::span(s.data(), s.size())));
    EXPECT_TRUE(r.ok()) << r.error.message();
    return r.count;
  }
  static std::string read(Reader& r, std::size_t max) {
    std::string s(max, '\0');
    const IoResult res = r.read(std::as_writable_bytes(std::span(s.data(), s.size())));
    EXPECT_TRUE(res.ok()) << res.error.message();
    s.resize(res.count);
    return s;
  }
  std::shared_ptr<PageAllocator> heap() { return make_allocator({AllocatorKind::heap, {}}); }
};

TEST_P(PoolSharedPage, TeedPageIsNotRecycledWhileAnotherPipeHoldsIt) {
  const std::size_t tables_before = internal::PageRefs::global().size();
  auto alloc = heap();
  {
    PipePair a = pipe(alloc);
    PipePair b = pipe(alloc);
    const std::string first = bytes(100, 'a');
    ASSERT_EQ(write(a.writer, first), 100u);
    const IoResult t = tee(a.reader, b.writer, 1000);
    ASSERT_TRUE(t.ok());
    ASSERT_EQ(t.count, 100u);
    EXPECT_EQ(internal::PageRefs::global().size(), tables_before + 1);
    ASSERT_EQ(read(a.reader, 1000), first);
    // A released its buffer, but B still holds the page: it is not in A's pool.
    EXPECT_EQ(a.reader.stats().pool.pool_size, 0u);
    // So A's next write needs a page of its own.
    ASSERT_EQ(write(a.writer, bytes(10, 'z')), 10u);
    EXPECT_EQ(alloc->stats().allocations, 2u);
    EXPECT_EQ(read(b.reader, 1000), first);
    // B dropped the last reference: the page is B's to keep (same allocator).
    EXPECT_EQ(b.reader.stats().pool.pool_size, 1u);
    EXPECT_EQ(internal::PageRefs::global().size(), tables_before);
  }
  EXPECT_EQ(alloc->stats().allocations, alloc->stats().frees);
}

TEST_P(PoolSharedPage, NoLeakWhicheverPipeClosesFirst) {
  for (const bool tee_source_first : {true, false}) {
    for (const bool use_tee : {true, false}) {
      SCOPED_TRACE(std::string(use_tee ? "tee" : "split splice") +
                   (tee_source_first ? ", source closes first" : ", target closes first"));
      const std::size_t tables_before = internal::PageRefs::global().size();
      auto alloc = heap();
      {
        auto a = std::make_unique<PipePair>(pipe(alloc));
        auto b = std::make_unique<PipePair>(pipe(alloc));
        const std::string data = bytes(3 * kPageSize + 10, 'q');
        ASSERT_EQ(write(a->writer, data), data.size());
        const IoResult t = use_tee ? tee(a->reader, b->writer, data.size() - 5)
                                   : splice(a->reader, b->writer, data.size() - 5);
        ASSERT_TRUE(t.ok());
        ASSERT_EQ(t.count, data.size() - 5);
        if (tee_source_first) {
          a.reset();
          EXPECT_EQ(read(b->reader, 2 * data.size()), data.substr(0, data.size() - 5));
        } else {
          b.reset();
          const std::string rest = read(a->reader, 2 * data.size());
          EXPECT_EQ(rest, use_tee ? data : data.substr(data.size() - 5));
        }
      }
      EXPECT_EQ(alloc->stats().allocations, alloc->stats().frees);
      EXPECT_EQ(internal::PageRefs::global().size(), tables_before);
    }
  }
}

// A page spliced whole into a pipe whose pool draws from another allocator goes back to the
// allocator it came from.
TEST_P(PoolSharedPage, SplicedPageReturnsToItsAllocator) {
  auto x = heap();
  auto y = heap();
  {
    PipePair a = pipe(x);
    PipePair b = pipe(y);
    const std::string data = bytes(2 * kPageSize, 'm');
    ASSERT_EQ(write(a.writer, data), data.size());
    const IoResult s = splice(a.reader, b.writer, data.size());
    ASSERT_TRUE(s.ok());
    ASSERT_EQ(s.count, data.size());
    EXPECT_EQ(read(b.reader, 3 * kPageSize), data);
    EXPECT_EQ(b.reader.stats().pool.pool_size, 0u);  // not B's allocator: not B's to keep
    EXPECT_EQ(x->stats().frees, 2u);
    EXPECT_EQ(y->stats().allocations, 0u);
    EXPECT_EQ(y->stats().frees, 0u);
  }
  EXPECT_EQ(x->stats().allocations, x->stats().frees);
}

// vmsplice references the caller's memory: a change made before the read is what the reader gets.
TEST_P(PoolSharedPage, VmspliceReferencesCallerMemory) {
  auto alloc = heap();
  PipePair a = pipe(alloc);
  std::vector<char> mem(3 * kPageSize, 'v');
  const iovec v{mem.data() + 100, 2 * kPageSize};
  const IoResult r = a.writer.vmsplice({&v, 1}, SPLICE_F_NONBLOCK);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.count, 2 * kPageSize);
  std::memset(mem.data() + 100, 'w', 2 * kPageSize);
  EXPECT_EQ(read(a.reader, 3 * kPageSize), std::string(2 * kPageSize, 'w'));
  EXPECT_EQ(alloc->stats().allocations, 0u);
  // A write after it starts a buffer of its own.
  ASSERT_EQ(write(a.writer, "xyz"), 3u);
  EXPECT_EQ(alloc->stats().allocations, 1u);
}

TEST_P(PoolSharedPage, HandleErrors) {
  auto alloc = heap();
  PipePair a = pipe(alloc);
  const iovec v{nullptr, 0};
  EXPECT_EQ(a.writer.vmsplice({&v, 1}, 0x100).error.value(), EINVAL);
  EXPECT_EQ(splice(a.reader, a.writer, 10).error.value(), EINVAL);
  EXPECT_EQ(tee(a.reader, a.writer, 10).error.value(), EINVAL);
  EXPECT_EQ(tee(a.reader, a.writer, 10, 0x100).error.value(), EINVAL);
  PipePair b = pipe(alloc);
  EXPECT_EQ(splice(a.reader, b.writer, 10).error.value(), EAGAIN);
  EXPECT_EQ(tee(a.reader, b.writer, 10).error.value(), EAGAIN);
  Reader closed;
  EXPECT_EQ(splice(closed, b.writer, 10).error.value(), EBADF);
}

INSTANTIATE_TEST_SUITE_P(Modes, PoolSharedPage,
                         ::testing::Values(CopyMode::kernel, CopyMode::parallel),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace pipepool
