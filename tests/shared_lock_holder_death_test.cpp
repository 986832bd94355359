// A process that dies holding a shared pipe's lock does not hang the other: the lock is robust,
// the next locker repairs the state (a page the dead holder had taken but not published goes back
// to the free pages), and the pipe goes on with its bytes intact.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/ioctl.h>

#include "internal/fd_table.hpp"
#include "internal/shared_layout.hpp"
#include "internal/shared_pipe.hpp"
#include "shared_support.hpp"

namespace pipepool::testing {
namespace {

TEST(SharedLockHolderDeath, NextLockerRecovers) {
  HangGuard guard;
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, PP_O_SHARED), 0);
  ASSERT_EQ(pp_write(fds[1], "before", 6), 6);
  const auto end = internal::FdTable::global().get_shared(fds[0]);
  ASSERT_TRUE(end);
  internal::shared::Header& h = end->header();
  const pid_t child = spawn_child([&] {
    SHARED_CHILD_CHECK(pthread_mutex_lock(&h.mutex) == 0);
    --h.free_count;  // as a writer that took a page and died before publishing it
    return 0;        // _exit holding the lock
  });
  ASSERT_GT(child, 0);
  EXPECT_EQ(wait_child(child), 0);
  EXPECT_EQ(pp_write(fds[1], " after", 6), 6);  // takes the lock: EOWNERDEAD, repaired
  EXPECT_EQ(h.counters.recoveries, 1u);
  char buf[32] = {};
  EXPECT_EQ(pp_read(fds[0], buf, sizeof buf), 12);
  EXPECT_STREQ(buf, "before after");
  // Every arena page is free or cached again once the ring is empty.
  std::uint32_t cached = 0;
  for (std::uint32_t i = 0; i < h.cache_size; ++i)
    cached += h.cache[i] != internal::shared::kNoPage;
  EXPECT_EQ(h.free_count + cached, internal::shared::kArenaPages);
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
}

}  // namespace
}  // namespace pipepool::testing
