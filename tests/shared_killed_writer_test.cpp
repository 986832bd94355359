// A child SIGKILLed while blocked in a write to a shared pipe: the bytes it committed stay
// readable, in order, and then the parent's read sees EOF (the dead child's write end counts as
// closed), without a hang.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/ioctl.h>

#include <chrono>
#include <thread>
#include <vector>

#include "shared_support.hpp"

namespace pipepool::testing {
namespace {

TEST(SharedKilledWriter, CommittedBytesThenEof) {
  HangGuard guard;
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, PP_O_SHARED), 0);
  const pid_t child = spawn_child([&] {
    pp_close(fds[0]);
    std::vector<std::uint8_t> data(1 << 20);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = pattern(i, 3);
    (void)pp_write(fds[1], data.data(), data.size());  // blocks once the ring is full
    return 1;                                          // never reached
  });
  ASSERT_GT(child, 0);
  ASSERT_EQ(pp_close(fds[1]), 0);
  int avail = 0;
  while (avail < 65536) {  // until the child has filled the ring (the guard bounds the loop)
    ASSERT_EQ(pp_ioctl(fds[0], FIONREAD, &avail), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  EXPECT_EQ(wait_child(child), -SIGKILL);
  int error = 0;
  const std::vector<std::uint8_t> got = read_to_eof(fds[0], error);
  EXPECT_EQ(error, 0);
  ASSERT_EQ(got.size(), 65536u);
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], pattern(i, 3)) << i;
  EXPECT_EQ(pp_close(fds[0]), 0);
}

}  // namespace
}  // namespace pipepool::testing
