// The small-call fast path: in parallel copy mode a write of at most a page and a read of what the
// ring holds take no pipe mutex (a page from or to the pool takes its lock alone); kernel copy
// mode always takes it; and the calls that move the pipe to the locked protocol and back (FIONREAD,
// poll, resize, packet writes, a full ring, a close) keep every byte in order and every page
// counter as the locked protocol alone gives it.
#include <poll.h>

#include <vector>

#include "pipe_test_support.hpp"

namespace pipepool::test {
namespace {

PipePair make_mode(PolicyKind policy, CopyMode copy) {
  PipeOptions o;
  o.policy = policy;
  o.allocator.kind = AllocatorKind::heap;
  o.nonblocking = true;
  o.copy = copy;
  PipePair p = make_pipe(o);
  EXPECT_TRUE(p.ok()) << p.error.message();
  return p;
}

std::uint64_t lock_acquisitions(const PipePair& p) {
  return p.writer.stats().lock.acquisitions;
}

// Writes `n` calls of `size` bytes of `data` from `offset`, each expected whole.
void write_calls(PipePair& p, const std::vector<std::byte>& data, std::size_t& offset,
                 std::size_t size, int n) {
  for (int i = 0; i < n; ++i) {
    const IoResult r = p.writer.write(std::span<const std::byte>(data).subspan(offset, size));
    ASSERT_TRUE(r.ok()) << r.error.message();
    ASSERT_EQ(r.count, size);
    offset += size;
  }
}

void read_calls(PipePair& p, std::vector<std::byte>& got, std::size_t size, int n) {
  for (int i = 0; i < n; ++i) {
    std::vector<std::byte> buf(size);
    const IoResult r = p.reader.read(buf);
    ASSERT_TRUE(r.ok()) << r.error.message();
    got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r.count));
  }
}

class PipeFastPathTest : public PipeTest {};

TEST_P(PipeFastPathTest, SmallCallsInsideOnePageTakeNoMutexInParallelMode) {
  PipePair p = make_mode(GetParam(), CopyMode::parallel);
  const auto data = pattern(640);
  std::size_t offset = 0;
  std::vector<std::byte> got;
  // An empty pipe: a page, under the mutex. The unified policy's prefill then refills its empty
  // pool before the next write (outside the lock, pushed under it), as Linux 7.3 does.
  write_calls(p, data, offset, 64, 2);
  const std::uint64_t before = lock_acquisitions(p);
  write_calls(p, data, offset, 64, 8);  // merges into that page
  read_calls(p, got, 64, 8);            // each leaves bytes in it
  const std::uint64_t after = lock_acquisitions(p);
  if (GetParam() == PolicyKind::shrinker) {
    EXPECT_GT(after, before);  // no fast path: its pool stamps each call under its own lock
  } else {
    EXPECT_EQ(after, before);
  }
  read_calls(p, got, 640, 1);  // empties the buffer
  EXPECT_EQ(got, data);
}

TEST_P(PipeFastPathTest, AReaderThatKeepsUpTakesOnlyThePoolsLockForEachNewPage) {
  if (GetParam() == PolicyKind::shrinker) GTEST_SKIP() << "no fast path";
  PipePair p = make_mode(GetParam(), CopyMode::parallel);
  const auto data = pattern(64 * 300);
  std::size_t offset = 0;
  std::vector<std::byte> got;
  write_calls(p, data, offset, 64, 2);
  read_calls(p, got, 128, 1);
  const std::uint64_t before = lock_acquisitions(p);
  const PoolStats pool_before = p.writer.stats().pool;
  for (int i = 0; i < 298; ++i) {  // each read empties the pipe, each write starts a new page
    write_calls(p, data, offset, 64, 1);
    read_calls(p, got, 64, 1);
  }
  const PoolStats pool_after = p.writer.stats().pool;
  // Per write, the pool's lock twice: the emptying read's put_page and trim before the write's
  // prefill (the order of fs/pipe.c), then the write's get_page; no other acquisition.
  EXPECT_EQ(lock_acquisitions(p) - before, 2u * 298u);
  EXPECT_EQ(pool_after.pool_hits - pool_before.pool_hits, 298u);
  EXPECT_EQ(got, data);
}

TEST_P(PipeFastPathTest, KernelCopyModeTakesTheMutexForEveryCall) {
  PipePair p = make_mode(GetParam(), CopyMode::kernel);
  const auto data = pattern(640);
  std::size_t offset = 0;
  std::vector<std::byte> got;
  write_calls(p, data, offset, 64, 1);
  const std::uint64_t before = lock_acquisitions(p);
  write_calls(p, data, offset, 64, 9);
  read_calls(p, got, 64, 8);
  EXPECT_GE(lock_acquisitions(p) - before, 17u);
  read_calls(p, got, 640, 1);
  EXPECT_EQ(got, data);
}

// One sequence of calls crossing every transition; its results, bytes and page counters must be
// the same in both copy modes (kernel mode never takes the fast path).
struct Outcome {
  std::vector<std::byte> bytes;
  std::vector<long> results;  // each call's count, or -errno
  std::uint64_t allocs = 0;
  std::uint64_t frees = 0;
  std::uint64_t hits = 0;
};

long result_of(const IoResult& r) {
  return r.ok() ? static_cast<long>(r.count) : -static_cast<long>(r.error.value());
}

void writes(PipePair& p, Outcome& out, const std::vector<std::byte>& data, std::size_t& offset,
            std::size_t size, int n) {
  for (int i = 0; i < n; ++i) {
    const IoResult r = p.writer.write(std::span<const std::byte>(data).subspan(offset, size));
    out.results.push_back(result_of(r));
    offset += r.count;
  }
}

void reads(PipePair& p, Outcome& out, std::size_t size, int n) {
  for (int i = 0; i < n; ++i) {
    std::vector<std::byte> buf(size);
    const IoResult r = p.reader.read(buf);
    out.results.push_back(result_of(r));
    out.bytes.insert(out.bytes.end(), buf.begin(),
                     buf.begin() + static_cast<std::ptrdiff_t>(r.count));
  }
}

Outcome run_transitions(PolicyKind policy, CopyMode copy) {
  PipePair p = make_mode(policy, copy);
  const auto data = pattern(40000, 3);
  std::size_t offset = 0;
  Outcome out;
  writes(p, out, data, offset, 100, 2);
  out.results.push_back(static_cast<long>(p.reader.bytes_available()));
  reads(p, out, 50, 1);
  out.results.push_back(p.reader.poll());
  out.results.push_back(p.writer.poll());
  writes(p, out, data, offset, 64, 70);  // crosses a page boundary
  out.results.push_back(static_cast<long>(p.reader.bytes_available()));
  out.results.push_back(static_cast<long>(p.writer.set_pipe_size(4 * 4096).size));
  writes(p, out, data, offset, 3000, 2);  // one merge, one new page
  reads(p, out, 10, 3);
  p.writer.set_packet(true);
  writes(p, out, data, offset, 30, 2);  // packets: never merged into, one per read
  p.writer.set_packet(false);
  writes(p, out, data, offset, 7, 3);  // the ring is full: EAGAIN
  out.results.push_back(static_cast<long>(p.reader.bytes_available()));
  out.results.push_back(p.writer.poll());
  reads(p, out, 4096, 6);  // stops at each packet; then EAGAIN on an empty pipe
  writes(p, out, data, offset, 40, 3);
  reads(p, out, 20, 2);
  p.writer.close();
  reads(p, out, 20, 1);
  out.results.push_back(p.reader.poll());
  reads(p, out, 4096, 2);  // the rest, then EOF
  // A read that empties the last buffer frees its page: a later small write does not merge into
  // it, so the ring holds as many pages before EAGAIN as the kernel's.
  PipePair q = make_mode(policy, copy);
  const auto big = pattern(2 * 1024 * 1024, 5);
  std::size_t at = 0;
  writes(q, out, big, at, 4032, 1);
  reads(q, out, 4032, 1);
  writes(q, out, big, at, 64, 1);
  writes(q, out, big, at, 128, 1);
  for (int i = 0; i < 300 && out.results.back() > 0; ++i) writes(q, out, big, at, 4096, 1);
  out.results.push_back(static_cast<long>(q.reader.bytes_available()));
  reads(q, out, 300, 3);
  writes(q, out, big, at, 4096, 2);
  for (int i = 0; i < 300 && out.results.back() > 0; ++i) reads(q, out, 4096, 1);
  const PoolStats qs = q.reader.stats().pool;
  out.allocs += qs.allocs_in_lock + qs.allocs_outside_lock;
  out.frees += qs.frees_in_lock + qs.frees_outside_lock;
  out.hits += qs.pool_hits;
  const PoolStats s = p.reader.stats().pool;
  out.allocs += s.allocs_in_lock + s.allocs_outside_lock;
  out.frees += s.frees_in_lock + s.frees_outside_lock;
  out.hits += s.pool_hits;
  return out;
}

TEST_P(PipeFastPathTest, TransitionsGiveTheLockedProtocolsResults) {
  const Outcome fast = run_transitions(GetParam(), CopyMode::parallel);
  const Outcome locked = run_transitions(GetParam(), CopyMode::kernel);
  EXPECT_EQ(fast.results, locked.results);
  EXPECT_EQ(fast.bytes, locked.bytes);
  EXPECT_EQ(fast.allocs, locked.allocs);
  EXPECT_EQ(fast.frees, locked.frees);
  EXPECT_EQ(fast.hits, locked.hits);
  ASSERT_GE(fast.results.size(), 6u);
  EXPECT_EQ(fast.results[2], 200);             // FIONREAD after two writes
  EXPECT_EQ(fast.results[76], 150 + 64 * 70);  // FIONREAD after the merges
  EXPECT_EQ(fast.bytes.size(), locked.bytes.size());
  EXPECT_GT(fast.bytes.size(), 8000u);
}

TEST_P(PipeFastPathTest, LastReaderClosingEndsTheFastPathWithEpipe) {
  PipeOptions o;
  o.policy = GetParam();
  o.allocator.kind = AllocatorKind::heap;
  o.nonblocking = true;
  o.copy = CopyMode::parallel;
  o.no_sigpipe = true;
  PipePair p = make_pipe(o);
  ASSERT_TRUE(p.ok());
  const auto data = pattern(64);
  ASSERT_EQ(write_bytes(p.writer, data).count, 64u);
  ASSERT_EQ(write_bytes(p.writer, data).count, 64u);  // fast
  p.reader.close();
  const IoResult r = write_bytes(p.writer, data);
  EXPECT_EQ(r.error, err(EPIPE));
}

INSTANTIATE_TEST_SUITE_P(Policies, PipeFastPathTest, testing::ValuesIn(all_policies()),
                         policy_name);

}  // namespace
}  // namespace pipepool::test
