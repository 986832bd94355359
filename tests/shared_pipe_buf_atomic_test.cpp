// Writes of at most PIPE_BUF bytes to a shared pipe never interleave, whichever processes make
// them: several children write fixed-size records at once and the parent finds every record
// whole, each child's records in its order, and nothing lost or added.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "shared_support.hpp"

namespace pipepool::testing {
namespace {

constexpr unsigned kChildren = 6;

std::uint8_t fill(unsigned child, unsigned seq) {
  return static_cast<std::uint8_t>(child * 37 + seq * 11 + 1);
}

// A record: the child's number, its sequence number, then `fill` bytes.
std::vector<std::uint8_t> record(std::size_t size, unsigned child, unsigned seq) {
  std::vector<std::uint8_t> r(size, fill(child, seq));
  std::memcpy(r.data(), &child, sizeof child);
  std::memcpy(r.data() + sizeof child, &seq, sizeof seq);
  return r;
}

void check_records(std::size_t size, unsigned per_child) {
  HangGuard guard;
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, PP_O_SHARED), 0);
  std::vector<pid_t> children;
  for (unsigned c = 0; c < kChildren; ++c) {
    children.push_back(spawn_child([&, c] {
      pp_close(fds[0]);
      for (unsigned s = 0; s < per_child; ++s) {
        const std::vector<std::uint8_t> r = record(size, c, s);
        // One call per record: the call itself must be atomic.
        SHARED_CHILD_CHECK(pp_write(fds[1], r.data(), r.size()) == static_cast<ssize_t>(size));
      }
      return 0;
    }));
    ASSERT_GT(children.back(), 0);
  }
  ASSERT_EQ(pp_close(fds[1]), 0);
  int error = 0;
  const std::vector<std::uint8_t> got = read_to_eof(fds[0], error);
  EXPECT_EQ(error, 0);
  ASSERT_EQ(got.size(), size * per_child * kChildren);
  std::vector<unsigned> next(kChildren, 0);
  std::size_t broken = 0;
  for (std::size_t off = 0; off < got.size(); off += size) {
    unsigned child = 0;
    unsigned seq = 0;
    std::memcpy(&child, got.data() + off, sizeof child);
    std::memcpy(&seq, got.data() + off + sizeof child, sizeof seq);
    if (child >= kChildren || seq != next[child] ||
        std::memcmp(got.data() + off, record(size, child, seq).data(), size) != 0) {
      ++broken;
      continue;
    }
    ++next[child];
  }
  EXPECT_EQ(broken, 0u);
  for (unsigned c = 0; c < kChildren; ++c) EXPECT_EQ(next[c], per_child) << "child " << c;
  for (const pid_t pid : children) EXPECT_EQ(wait_child(pid), 0);
  EXPECT_EQ(pp_close(fds[0]), 0);
}

TEST(SharedPipeBufAtomic, PipeBufRecordsStayWhole) {
  check_records(4096, 150);
}

// Records that do not fill a page merge into the last one (the kernel's merge rule): still whole.
TEST(SharedPipeBufAtomic, SmallMergedRecordsStayWhole) {
  check_records(1000, 400);
}

}  // namespace
}  // namespace pipepool::testing
