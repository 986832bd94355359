// A shared pipe carries bytes across fork in both directions: written in the child and read in
// the parent, written in the parent and read in the child, more than the ring holds so both sides
// block and wake each other; EOF follows once the writing process closed its end.
#include <gtest/gtest.h>

#include <vector>

#include "shared_support.hpp"

namespace pipepool::testing {
namespace {

constexpr std::size_t kBytes = 1 << 20;  // 16 rings' worth

std::vector<std::uint8_t> stream(unsigned tag) {
  std::vector<std::uint8_t> v(kBytes);
  for (std::size_t i = 0; i < kBytes; ++i) v[i] = pattern(i, tag);
  return v;
}

TEST(SharedCrossForkTransfer, ChildWritesParentReads) {
  HangGuard guard;
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, PP_O_SHARED), 0);
  const pid_t child = spawn_child([&] {
    pp_close(fds[0]);
    const std::vector<std::uint8_t> data = stream(1);
    SHARED_CHILD_CHECK(write_all(fds[1], data.data(), data.size()));
    SHARED_CHILD_CHECK(pp_close(fds[1]) == 0);
    return 0;
  });
  ASSERT_GT(child, 0);
  ASSERT_EQ(pp_close(fds[1]), 0);
  int error = 0;
  const std::vector<std::uint8_t> got = read_to_eof(fds[0], error);
  EXPECT_EQ(error, 0);
  EXPECT_EQ(got, stream(1));
  EXPECT_EQ(wait_child(child), 0);
  EXPECT_EQ(pp_close(fds[0]), 0);
}

TEST(SharedCrossForkTransfer, ParentWritesChildReads) {
  HangGuard guard;
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, PP_O_SHARED), 0);
  const pid_t child = spawn_child([&] {
    pp_close(fds[1]);
    int error = 0;
    const std::vector<std::uint8_t> got = read_to_eof(fds[0], error);
    SHARED_CHILD_CHECK(error == 0);
    SHARED_CHILD_CHECK(got == stream(2));
    return 0;
  });
  ASSERT_GT(child, 0);
  ASSERT_EQ(pp_close(fds[0]), 0);
  const std::vector<std::uint8_t> data = stream(2);
  EXPECT_TRUE(write_all(fds[1], data.data(), data.size()));
  EXPECT_EQ(pp_close(fds[1]), 0);
  EXPECT_EQ(wait_child(child), 0);
}

}  // namespace
}  // namespace pipepool::testing
