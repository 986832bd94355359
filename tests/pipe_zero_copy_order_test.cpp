// Parallel copy mode: vmsplice, splice and tee into a pipe wait for the writes still copying into
// it, so their buffers come after those writes' bytes and none of them is lost. The earlier
// write is held mid-copy deterministically: its source's second page is registered with
// userfaultfd, so the copy outside the mutex stops in the page fault until the test resolves it.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "pipepool/pipe.hpp"
#include "stalled_source.hpp"

namespace pipepool {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kPage = 4096;

PipePair parallel_pipe() {
  PipeOptions o;
  o.copy = CopyMode::parallel;
  return make_pipe(o);
}

std::string read_all(Reader& r) {
  r.set_nonblocking(true);
  std::string out;
  std::vector<char> buf(65536);
  for (;;) {
    const IoResult res = r.read(std::as_writable_bytes(std::span(buf)));
    if (!res.ok() || res.count == 0) break;
    out.append(buf.data(), res.count);
  }
  return out;
}

// Holds a two-page write into `p` mid-copy, runs `call` on another thread, checks that the call
// does not return while the write is unshown, then lets the write finish and returns what
// `call` returned.
IoResult with_a_write_copying(PipePair& p, const std::function<IoResult()>& call) {
  StalledSource src;
  if (!src.ok()) return {0, {ENOSYS, std::generic_category()}};
  IoResult wrote;
  std::thread writer([&] { wrote = p.writer.write(src.bytes()); });
  EXPECT_TRUE(src.wait_for_fault());
  std::atomic<bool> returned{false};
  IoResult result;
  std::thread other([&] {
    result = call();
    returned.store(true);
  });
  std::this_thread::sleep_for(50ms);  // time for a call that does not wait to return
  EXPECT_FALSE(returned.load()) << "the call returned while an earlier write was still copying";
  EXPECT_TRUE(src.resolve('b'));
  writer.join();
  other.join();
  EXPECT_TRUE(wrote.ok());
  EXPECT_EQ(wrote.count, 2 * kPage);
  return result;
}

std::string written_then(const std::string& tail) {
  return std::string(kPage, 'a') + std::string(kPage, 'b') + tail;
}

bool uffd_available() {
  StalledSource probe;
  return probe.ok();
}

class PipeZeroCopyOrder : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!uffd_available()) GTEST_SKIP() << "userfaultfd is not available to this process";
  }
};

TEST_F(PipeZeroCopyOrder, VmspliceGoesAfterAWriteStillCopying) {
  PipePair p = parallel_pipe();
  ASSERT_TRUE(p.ok());
  static const char kZ[] = "vmspliced";
  const iovec v{const_cast<char*>(kZ), sizeof kZ - 1};
  const IoResult r = with_a_write_copying(p, [&] {
    return p.writer.vmsplice({&v, 1}, SPLICE_F_NONBLOCK);
  });
  ASSERT_TRUE(r.ok()) << r.error.message();
  EXPECT_EQ(r.count, sizeof kZ - 1);
  EXPECT_EQ(read_all(p.reader), written_then("vmspliced"));
}

TEST_F(PipeZeroCopyOrder, SpliceIntoThePipeGoesAfterAWriteStillCopying) {
  PipePair p = parallel_pipe();
  PipePair in = parallel_pipe();
  ASSERT_TRUE(p.ok() && in.ok());
  ASSERT_EQ(in.writer.write(std::as_bytes(std::span("spliced", 7))).count, 7u);
  const IoResult r =
      with_a_write_copying(p, [&] { return splice(in.reader, p.writer, 7, SPLICE_F_NONBLOCK); });
  ASSERT_TRUE(r.ok()) << r.error.message();
  EXPECT_EQ(r.count, 7u);
  EXPECT_EQ(read_all(p.reader), written_then("spliced"));
}

TEST_F(PipeZeroCopyOrder, TeeIntoThePipeGoesAfterAWriteStillCopying) {
  PipePair p = parallel_pipe();
  PipePair in = parallel_pipe();
  ASSERT_TRUE(p.ok() && in.ok());
  ASSERT_EQ(in.writer.write(std::as_bytes(std::span("teed", 4))).count, 4u);
  const IoResult r =
      with_a_write_copying(p, [&] { return tee(in.reader, p.writer, 4, SPLICE_F_NONBLOCK); });
  ASSERT_TRUE(r.ok()) << r.error.message();
  EXPECT_EQ(r.count, 4u);
  EXPECT_EQ(read_all(p.reader), written_then("teed"));
  EXPECT_EQ(read_all(in.reader), "teed");  // tee consumed nothing
}

}  // namespace
}  // namespace pipepool
