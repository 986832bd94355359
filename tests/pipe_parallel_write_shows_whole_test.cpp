// Parallel copy mode: a write the kernel would make at once (room for all of it) shows at once,
// even when a later write merges into its last slot while it is still copying. Two writes are
// held mid-copy deterministically (userfaultfd pages, tests/stalled_source.hpp): the first one's
// copy finishes while the second's merge into its last slot still copies, and until that merge
// ends, no byte of either may show (the first write's first page alone is a state no order of
// the two writes has).
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "pipepool/pipe.hpp"
#include "stalled_source.hpp"

namespace pipepool {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kPage = StalledSource::kPage;
constexpr std::size_t kTail = 100;  // each write: a page and 100 bytes

TEST(PipeParallelWriteShowsWhole, FirstPageDoesNotShowWhileAMergeIntoTheLastSlotCopies) {
  StalledSource first(1, 'a');   // page 1 missing: stalls on the write's 100-byte tail
  StalledSource second(0, 'd');  // page 0 missing: stalls on the merge of its first 100 bytes
  if (!first.ok() || !second.ok()) GTEST_SKIP() << "userfaultfd is not available to this process";
  PipeOptions o;
  o.copy = CopyMode::parallel;
  PipePair p = make_pipe(o);
  ASSERT_TRUE(p.ok());

  // First write: slot 1 takes 4096 bytes, slot 2 its last 100 (room left: mergeable).
  IoResult r1;
  std::thread w1([&] { r1 = p.writer.write(first.bytes(kPage + kTail)); });
  ASSERT_TRUE(first.wait_for_fault());
  // Second write, 100 + 4096 bytes: its first 100 bytes merge into slot 2 (still copying), the
  // rest takes slot 3. Its merge stalls.
  IoResult r2;
  Writer w2_end = p.writer.clone();
  std::thread w2([&] { r2 = w2_end.write(second.bytes(kTail + kPage)); });
  ASSERT_TRUE(second.wait_for_fault());
  // The first write's copy ends; the merge into its last slot has not.
  ASSERT_TRUE(first.resolve('b'));
  std::this_thread::sleep_for(50ms);  // time for the first write to commit its copies
  // (A read would wait for the copies to show, so the check reads FIONREAD and poll, which
  // do not.)
  EXPECT_EQ(p.reader.bytes_available(), 0u) << "part of a write shows before all of it";
  EXPECT_EQ(p.reader.poll() & POLLIN, 0) << "part of a write shows before all of it";

  ASSERT_TRUE(second.resolve('c'));
  w1.join();
  w2.join();
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ(r1.count, kPage + kTail);
  EXPECT_EQ(r2.count, kTail + kPage);
  p.reader.set_nonblocking(true);
  std::vector<char> buf(3 * kPage);
  std::string got;
  for (;;) {
    const IoResult r = p.reader.read(std::as_writable_bytes(std::span(buf)));
    if (!r.ok() || r.count == 0) break;
    got.append(buf.data(), r.count);
  }
  const std::string want = std::string(kPage, 'a') + std::string(kTail, 'b') +
                           std::string(kTail, 'c') + std::string(kPage - kTail, 'c') +
                           std::string(kTail, 'd');
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "bytes out of order";
}

}  // namespace
}  // namespace pipepool
