// fork() while another thread keeps making and closing shrinker pipes (each joins and leaves the
// shrinker registry): every child makes a shrinker pipe of its own and finishes. A child stuck in
// the registry (its lock copied while held) is killed after the bound and counted.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "fork_support.hpp"
#include "pipepool/posix.h"

namespace pipepool::testing {
namespace {

constexpr int kForks = 100;
constexpr std::chrono::milliseconds kBound{2000 * (test::kUnderTsan ? 3 : 1)};

int make_shrinker_pipe() {
  pp_options o{};
  o.policy = PP_POLICY_SHRINKER;
  int fds[2];
  if (pp_pipe_opts(fds, 0, &o) != 0) return -1;
  pp_close(fds[0]);
  pp_close(fds[1]);
  return 0;
}

TEST(ForkShrinkerChurnTest, ChildrenMakeShrinkerPipesWhileTheParentChurns) {
#if defined(__SANITIZE_ADDRESS__)
  // GCC 12's ASan runtime does not hold its allocator's locks across fork: a child forked while
  // another thread is inside malloc blocks in the runtime's allocator. Seen with a stack (the
  // child waits in SizeClassAllocator64::GetFromAllocator under operator new), and the same in a
  // program without pipepool: one thread allocating and freeing while another forks, each child
  // allocating once, hung a child within 6 to 11 forks in 3 of 3 runs (0 in 500 without ASan).
  // The normal, lock-assert and TSan builds run this test.
  GTEST_SKIP() << "a fork child may block in the ASan runtime's allocator";
#endif
  std::atomic<bool> stop{false};
  std::atomic<long> made{0};
  std::thread churn([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      if (make_shrinker_pipe() == 0) made.fetch_add(1, std::memory_order_relaxed);
    }
  });
  int hung = 0;
  int failed = 0;
  for (int i = 0; i < kForks && hung < 3; ++i) {
    const int r = in_bounded_child([] { return make_shrinker_pipe() == 0 ? 0 : 1; }, kBound);
    if (r == kChildHung)
      ++hung;
    else if (r != 0)
      ++failed;
  }
  stop.store(true);
  churn.join();
  EXPECT_EQ(hung, 0);
  EXPECT_EQ(failed, 0);
  EXPECT_GT(made.load(), 0);
}

}  // namespace
}  // namespace pipepool::testing
