// close and dup: descriptors share an end; the end (and that side of the pipe) closes with its
// last descriptor, and a call already running on a descriptor keeps it alive.
#include <sys/syscall.h>

#include <atomic>
#include <fstream>
#include <string>

#include "internal/fd_table.hpp"
#include "pipe_ops.hpp"

namespace pipepool::testing {
namespace {

// Waits until thread `tid` sleeps in a read on the pipe of `fd`: the kernel shows it in /proc,
// pipepool in the pipe's blocked-read counter.
void wait_until_blocked_in_read(bool kernel, pid_t tid, int fd) {
  if (!kernel) {
    const auto end = internal::FdTable::global().get(fd);
    ASSERT_NE(end, nullptr);
    while (end->pipe().stats().reads_blocked == 0) std::this_thread::yield();
    return;
  }
  const std::string task = "/proc/self/task/" + std::to_string(tid);
  for (;;) {
    std::ifstream stat(task + "/stat");
    std::ifstream sys(task + "/syscall");
    std::string line, nr;
    std::getline(stat, line);
    sys >> nr;
    const auto paren = line.rfind(')');
    const char state =
        paren != std::string::npos && paren + 2 < line.size() ? line[paren + 2] : '?';
    if (state == 'S' && nr == std::to_string(SYS_read)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

class PosixCloseTest : public PipeOpsTest {};

TEST_P(PosixCloseTest, DupReturnsTheLowestFreeDescriptor) {
  OpsPipe p(ops());
  const int freed = p.r();
  OpsFd keep(ops(), ops().dup(p.r()));
  p.close_read();
  OpsFd again(ops(), ops().dup(p.w()));
  EXPECT_EQ(again.get(), freed);
  EXPECT_EQ(ops().fcntl(again.get(), F_GETFL), O_WRONLY);
}

TEST_P(PosixCloseTest, ReaderSideStaysOpenWhileADuplicateLives) {
  OpsPipe p(ops());
  const int copy = ops().dup(p.r());
  ASSERT_GE(copy, 0);
  p.close_read();
  EXPECT_EQ(ops().write(p.w(), "ok", 2), 2);  // no EPIPE: the duplicate is a reader
  EXPECT_EQ(ops().close(copy), 0);
  EXPECT_ERRNO(EPIPE, ops().write(p.w(), "no", 2));
}

TEST_P(PosixCloseTest, CloseDuringABlockedReadDoesNotEndTheRead) {
  // The blocked read holds its own reference: closing its descriptor neither frees the end nor
  // wakes the read, and the pipe still has a reader for the writer.
#if defined(__SANITIZE_THREAD__)
  // TSan treats a kernel descriptor as shared memory: the close races with the blocked read's
  // entry by its rules, though the kernel defines the outcome. The pipepool case still runs.
  if (is_kernel()) GTEST_SKIP() << "close during a blocked read of a kernel fd trips TSan";
#endif
  Watchdog dog;
  OpsPipe p(ops());
  const int fd = ops().dup(p.r());
  ASSERT_GE(fd, 0);
  p.close_read();
  std::atomic<bool> returned{false};
  std::atomic<pid_t> tid{0};
  char buf[16] = {};
  ssize_t got = -2;
  std::thread reader([&] {
    tid = static_cast<pid_t>(syscall(SYS_gettid));
    got = ops().read(fd, buf, sizeof buf);
    returned = true;
  });
  while (tid.load() == 0) std::this_thread::yield();
  wait_until_blocked_in_read(is_kernel(), tid.load(), fd);
  EXPECT_EQ(ops().close(fd), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_FALSE(returned.load());
  EXPECT_EQ(ops().write(p.w(), "late", 4), 4);
  reader.join();
  EXPECT_EQ(got, 4);
  EXPECT_STREQ(buf, "late");
  // Now the last reference is gone.
  EXPECT_ERRNO(EPIPE, ops().write(p.w(), "x", 1));
}

PIPE_OPS_INSTANTIATE(PosixCloseTest);

}  // namespace
}  // namespace pipepool::testing
