// exec: pipepool descriptors do not survive exec, so a child that execs while holding a shared
// pipe's write end no longer holds it: the parent's read sees EOF while the child still runs.
#include <gtest/gtest.h>
#include <signal.h>

#include <vector>

#include "shared_support.hpp"

namespace pipepool::testing {
namespace {

TEST(SharedExec, EndsOfAnExecedChildCountAsClosed) {
  HangGuard guard;
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, PP_O_SHARED), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    if (pp_write(fds[1], "pre-exec", 8) != 8) ::_exit(1);
    ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
    ::_exit(2);
  }
  ASSERT_GT(child, 0);
  ASSERT_EQ(pp_close(fds[1]), 0);
  int error = 0;
  const std::vector<std::uint8_t> got = read_to_eof(fds[0], error);
  EXPECT_EQ(error, 0);
  EXPECT_EQ(std::string(got.begin(), got.end()), "pre-exec");
  // EOF came while the child still runs (sleeping in the new image).
  EXPECT_EQ(::kill(child, 0), 0);
  ::kill(child, SIGKILL);
  EXPECT_EQ(wait_child(child), -SIGKILL);
  EXPECT_EQ(pp_close(fds[0]), 0);
}

}  // namespace
}  // namespace pipepool::testing
