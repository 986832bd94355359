// Parallel copy mode: a ring full only of a write still copying outside the mutex (held on a
// missing page, userfaultfd) is not yet full to FIONREAD, which counts shown bytes. A call that
// fails because the ring is full (a write interrupted by a signal handler with nothing written:
// EINTR; a non-blocking splice into it: EAGAIN) reports it only once those bytes show, as in
// fs/pipe.c, where the write that filled the ring held the mutex until its bytes were there: no
// later FIONREAD may find empty the ring the failed call found full.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "pipepool/pipe.hpp"
#include "signal_support.hpp"
#include "stalled_source.hpp"

namespace pipepool {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kPage = StalledSource::kPage;
constexpr std::size_t kRing = 2 * kPage;

// A two-page parallel pipe whose ring a blocking write of two pages (the second one missing)
// has reserved whole and stopped copying into.
struct StalledFullRing {
  StalledSource source{1, 'a'};
  PipePair p;
  IoResult filled;
  std::thread filler;

  bool start() {
    if (!source.ok()) return false;
    PipeOptions o;
    o.copy = CopyMode::parallel;
    p = make_pipe(o);
    if (!p.ok() || !p.writer.set_pipe_size(kRing).ok()) return false;
    filler = std::thread([this] { filled = p.writer.write(source.bytes(kRing)); });
    return source.wait_for_fault();
  }
  // The stalled copy ends; the filling write returns.
  void finish() {
    EXPECT_TRUE(source.resolve('b'));
    filler.join();
    EXPECT_TRUE(filled.ok());
    EXPECT_EQ(filled.count, kRing);
  }
  // Reads what the pipe holds (non-blocking) and checks it is the filling write's bytes.
  void expect_filler_bytes() {
    p.reader.set_nonblocking(true);
    std::vector<char> buf(2 * kRing);
    const IoResult r = p.reader.read(std::as_writable_bytes(std::span(buf)));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(std::string(buf.data(), r.count), std::string(kPage, 'a') + std::string(kPage, 'b'));
  }
};

std::atomic<int> g_handled{0};
void on_signal(int) {
  g_handled.fetch_add(1);
}

TEST(PipeParallelFullRingUnshown, InterruptedWriteFailsOnlyOnceTheFullRingShows) {
  StalledFullRing ring;
  if (!ring.start()) GTEST_SKIP() << "userfaultfd (user mode) is not available";
  ASSERT_EQ(ring.p.reader.bytes_available(), 0u);  // reserved, not shown

  testing::ScopedDisposition handler(SIGUSR1, on_signal, 0);  // no SA_RESTART
  g_handled.store(0);
  Writer second = ring.p.writer.clone();
  const std::string small(100, 'c');
  IoResult r;
  std::atomic<bool> returned{false};
  std::size_t shown_at_return = 0;
  std::thread writer([&] {
    r = second.write(std::as_bytes(std::span(small)));
    shown_at_return = ring.p.reader.bytes_available();
    returned.store(true);
  });
  // The small write sleeps on the full ring; handlers interrupt it (a signal sent before it
  // sleeps is handled and missed, so it is sent again).
  for (int i = 0; i < 20 && !returned.load(); ++i) {
    pthread_kill(writer.native_handle(), SIGUSR1);
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_GE(g_handled.load(), 1);
  EXPECT_FALSE(returned.load()) << "EINTR on a ring FIONREAD finds empty (" << shown_at_return
                                << " bytes shown)";

  ring.finish();
  writer.join();
  EXPECT_EQ(r.error, std::errc::interrupted) << r.error.message();
  EXPECT_EQ(r.count, 0u);
  EXPECT_EQ(shown_at_return, kRing);
  ring.expect_filler_bytes();
}

TEST(PipeParallelFullRingUnshown, NonBlockingSpliceIntoItFailsOnlyOnceTheFullRingShows) {
  StalledFullRing ring;
  if (!ring.start()) GTEST_SKIP() << "userfaultfd (user mode) is not available";

  PipePair in = make_pipe();
  ASSERT_TRUE(in.ok());
  const std::string data(10, 's');
  ASSERT_EQ(in.writer.write(std::as_bytes(std::span(data))).count, data.size());
  IoResult r;
  std::atomic<bool> returned{false};
  std::size_t shown_at_return = 0;
  std::thread splicer([&] {
    r = splice(in.reader, ring.p.writer, data.size(), SPLICE_F_NONBLOCK);
    shown_at_return = ring.p.reader.bytes_available();
    returned.store(true);
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(returned.load()) << "EAGAIN on a ring FIONREAD finds empty (" << shown_at_return
                                << " bytes shown)";

  ring.finish();
  splicer.join();
  EXPECT_EQ(r.error, std::errc::resource_unavailable_try_again) << r.error.message();
  EXPECT_EQ(shown_at_return, kRing);
  EXPECT_EQ(in.reader.bytes_available(), data.size());  // nothing moved
  ring.expect_filler_bytes();
}

}  // namespace
}  // namespace pipepool
