// readv/writev with odd iovec layouts, kernel vs pipepool.
#include <gtest/gtest.h>

#include <climits>

#include "differential/diff_harness.hpp"

namespace pipepool::differential {
namespace {

TEST(DifferentialIovec, ZeroLengthEntries) {
  EXPECT_TRUE(
      run_scenario({Wv({0, 10, 0, 0, 20, 0}), Rv({0, 0, 5, 0, 100}), Rv({1, 0}), Rv({0, 30})}));
}

TEST(DifferentialIovec, ManyOneByteEntries) {
  EXPECT_TRUE(
      run_scenario({Wv(std::vector<std::size_t>(1000, 1)), Rv(std::vector<std::size_t>(999, 1)),
                    Wv(std::vector<std::size_t>(IOV_MAX, 1)), R(100000)}));
}

TEST(DifferentialIovec, IovcntZero) {
  Op w = Wv({10});
  w.iovcnt = 0;
  Op r = Rv({10});
  r.iovcnt = 0;
  EXPECT_TRUE(run_scenario({w, r, W(5), r, R(10)}));
}

TEST(DifferentialIovec, IovcntOutOfRange) {
  std::vector<Op> ops;
  for (int n : {-1, INT_MIN, IOV_MAX + 1}) {
    Op w = Wv(std::vector<std::size_t>(IOV_MAX + 1, 1));
    w.iovcnt = n;
    Op r = Rv(std::vector<std::size_t>(IOV_MAX + 1, 1));
    r.iovcnt = n;
    ops.insert(ops.end(), {w, r, W(3), r, R(3)});
  }
  EXPECT_TRUE(run_scenario(ops));
}

// Segments that cross page boundaries of the pipe, and a write larger than the free space.
TEST(DifferentialIovec, PageStraddlingSegments) {
  EXPECT_TRUE(run_scenario({Wv({4000, 200, 4096, 1}), Rv({4095, 2, 4096, 1000}), Wv({65536, 65536}),
                            Rv({1, 65536, 7})}));
}

TEST(DifferentialIovec, PacketModeWritev) {
  EXPECT_TRUE(
      run_scenario({Wv({10, 20, 30}), Wv({4096, 10}), R(5), R(10000), R(10000), R(1)}, O_DIRECT));
}

TEST(DifferentialIovec, WritevMergesIntoLastPage) {
  EXPECT_TRUE(
      run_scenario({W(100), Wv({50, 50}), Wv({1000, 3000, 46}), Wv({1, 4095}), R(1), R(100000)}));
}

}  // namespace
}  // namespace pipepool::differential
