// Parallel copy mode: a reader still copying out (held on a missing page, userfaultfd) keeps its
// pages and, since pages are released in ring order, the array entries of a later reader's
// buffers too. A non-blocking write that needs those entries waits for them before it reserves
// anything, then stores what the kernel would: the whole free ring at once. It never shows part of
// itself while it waits (fs/pipe.c holds the mutex through a non-blocking write, and FIONREAD
// takes it), so no other call can see or land inside a half-done write.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/ioctl.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "pipepool/posix.h"
#include "stalled_source.hpp"

namespace pipepool {
namespace {

constexpr std::size_t kPage = StalledSource::kPage;
constexpr int kRingPages = 4;

int available(int fd) {
  int n = 0;
  return pp_ioctl(fd, FIONREAD, &n) == 0 ? n : -1;
}

TEST(PipeParallelSlowReaderWrite, NonBlockingWriteWaitsBeforeItReservesAndStoresTheWholeRing) {
  StalledSource slow_dest(0, 'x', 2);  // the slow reader's destination; its first page is missing
  if (!slow_dest.ok()) GTEST_SKIP() << "userfaultfd (user mode) is not available";
  pp_options o{};
  o.copy = PP_COPY_PARALLEL;
  int fds[2];
  ASSERT_EQ(pp_pipe_opts(fds, O_NONBLOCK, &o), 0);
  ASSERT_EQ(pp_fcntl(fds[1], F_SETPIPE_SZ, kRingPages * kPage), int(kRingPages * kPage));

  // Reader A claims two pages and stops in its copy-out (more than PIPE_BUF: outside the mutex).
  const std::string a(2 * kPage, 'a');
  ASSERT_EQ(pp_write(fds[1], a.data(), a.size()), ssize_t(a.size()));
  ssize_t a_read = 0;
  char* a_dest = const_cast<char*>(slow_dest.data());  // a read-write mapping
  std::thread reader_a([&] { a_read = pp_read(fds[0], a_dest, 2 * kPage); });
  ASSERT_TRUE(slow_dest.wait_for_fault());

  // Reader B takes three more pages and returns; their entries stay held behind A's.
  const std::string b(3 * kPage, 'b');
  ASSERT_EQ(pp_write(fds[1], b.data(), b.size()), ssize_t(b.size()));
  std::string got(b.size(), '\0');
  ASSERT_EQ(pp_read(fds[0], got.data(), got.size()), ssize_t(b.size()));
  EXPECT_EQ(got, b);
  ASSERT_EQ(available(fds[0]), 0);

  // A non-blocking write of five pages into the empty four-page ring waits for A's release.
  const std::string c(5 * kPage, 'c');
  ssize_t c_wrote = 0;
  std::thread writer([&] { c_wrote = pp_write(fds[1], c.data(), c.size()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(available(fds[0]), 0) << "part of a non-blocking write showed while it waited";

  ASSERT_TRUE(slow_dest.resolve('x'));
  reader_a.join();
  writer.join();
  EXPECT_EQ(a_read, ssize_t(2 * kPage));
  EXPECT_EQ(std::string(a_dest, 2 * kPage), a);
  EXPECT_EQ(c_wrote, ssize_t(kRingPages * kPage));
  std::vector<char> rest(6 * kPage);
  EXPECT_EQ(pp_read(fds[0], rest.data(), rest.size()), ssize_t(kRingPages * kPage));
  EXPECT_EQ(std::string(rest.data(), kRingPages * kPage), c.substr(0, kRingPages * kPage));
  pp_close(fds[0]);
  pp_close(fds[1]);
}

}  // namespace
}  // namespace pipepool
