// fork() while another thread holds one of pipepool's process-global locks: the child is not left
// with the lock held by a thread it does not have. Each test holds one lock on purpose, forks, and
// has the child do something that takes that lock; the child must finish within the bound.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>

#include "allocators/os_allocator.hpp"
#include "fork_support.hpp"
#include "internal/fork_guard.hpp"
#include "pipepool/posix.h"
#include "pipepool/shrinker.hpp"

namespace pipepool::testing {
namespace {

using internal::GlobalLock;

TEST(ForkGlobalLocksTest, MonitorControl) {
  EXPECT_EQ(fork_while_held(GlobalLock::monitor_control,
                            [] {
                              stop_pressure_monitor();
                              return 0;
                            }),
            0);
}

TEST(ForkGlobalLocksTest, MonitorStatus) {
  EXPECT_EQ(
      fork_while_held(GlobalLock::monitor_status, [] { return pressure_status().running ? 1 : 0; }),
      0);
}

TEST(ForkGlobalLocksTest, ShrinkerScan) {
  EXPECT_EQ(fork_while_held(GlobalLock::shrinker_scan,
                            [] {
                              (void)shrink_all();
                              return 0;
                            }),
            0);
}

// The registry lock: a shrinker pipe joins the registry when made and leaves it when closed.
TEST(ForkGlobalLocksTest, ShrinkerMembers) {
  EXPECT_EQ(fork_while_held(GlobalLock::shrinker_members,
                            [] {
                              pp_options o{};
                              o.policy = PP_POLICY_SHRINKER;
                              int fds[2];
                              if (pp_pipe_opts(fds, 0, &o) != 0) return 1;
                              if (pp_write(fds[1], "x", 1) != 1) return 2;
                              return pp_close(fds[0]) == 0 && pp_close(fds[1]) == 0 ? 0 : 3;
                            }),
            0);
}

// The shared-page table: tee makes a page shared between two pipes, reading both drops it.
TEST(ForkGlobalLocksTest, PageRefs) {
  EXPECT_EQ(fork_while_held(GlobalLock::page_refs,
                            [] {
                              int a[2];
                              int b[2];
                              if (pp_pipe2(a, O_NONBLOCK) != 0 || pp_pipe2(b, O_NONBLOCK) != 0) {
                                return 1;
                              }
                              if (pp_write(a[1], "page", 4) != 4) return 2;
                              if (pp_tee(a[0], b[1], 4, SPLICE_F_NONBLOCK) != 4) return 3;
                              char buf[8];
                              if (pp_read(a[0], buf, sizeof buf) != 4) return 4;
                              if (pp_read(b[0], buf, sizeof buf) != 4) return 5;
                              for (const int fd : {a[0], a[1], b[0], b[1]}) {
                                if (pp_close(fd) != 0) return 6;
                              }
                              return 0;
                            }),
            0);
}

// The os allocator's shared list: with this thread's cache emptied, an allocation takes it.
TEST(ForkGlobalLocksTest, OsAllocator) {
  EXPECT_EQ(fork_while_held(GlobalLock::os_allocator,
                            [] {
                              const auto& os = internal::OsAllocator::instance();
                              os->release_free_pages();
                              void* page = os->allocate();
                              if (page == nullptr) return 1;
                              std::memset(page, 1, kPageSize);
                              os->free(page);
                              return 0;
                            }),
            0);
}

// The descriptor table: a new pipe, and a readiness descriptor for its read end.
TEST(ForkGlobalLocksTest, FdTable) {
  EXPECT_EQ(fork_while_held(GlobalLock::fd_table,
                            [] {
                              int fds[2];
                              if (pp_pipe2(fds, O_NONBLOCK) != 0) return 1;
                              if (pp_event_fd(fds[0]) < 0) return 2;
                              return pp_close(fds[0]) == 0 && pp_close(fds[1]) == 0 ? 0 : 3;
                            }),
            0);
}

// Every lock is named, and the list holds each once.
TEST(ForkGlobalLocksTest, EveryLockIsListedOnce) {
  for (std::size_t i = 0; i < internal::kGlobalLocks.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(internal::kGlobalLocks[i]), i);
    EXPECT_NE(internal::to_string(internal::kGlobalLocks[i]), "unknown");
  }
}

}  // namespace
}  // namespace pipepool::testing
