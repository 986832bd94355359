// The wake-up latency drawn from the probe's quantiles: every draw lies between the first and the
// last quantile, the same seed gives the same draws, another seed others, a distribution with one
// value gives that value, and no quantiles give the constant.
#include <gtest/gtest.h>

#include <vector>

#include "pipe_bench/sim/runqueue.hpp"

namespace pipe_bench::sim {
namespace {

std::vector<double> draws(const std::vector<double>& quantiles, std::uint64_t seed, int n = 200) {
  Runqueue rq(2, 30000, quantiles, seed);
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(rq.latency_s());
  return out;
}

TEST(SimWakeupDraw, DrawsLieWithinTheQuantilesAndFollowTheSeed) {
  const std::vector<double> q{20000, 25000, 26000, 30000, 90000};
  const auto a = draws(q, 7);
  for (const double s : a) {
    EXPECT_GE(s, 20000e-9);
    EXPECT_LE(s, 90000e-9);
  }
  EXPECT_EQ(a, draws(q, 7));
  EXPECT_NE(a, draws(q, 8));
  // Linear between quantiles: a quarter of the draws fall in each of the four intervals, so some
  // fall above the third quantile and most below it.
  int high = 0;
  for (const double s : a) high += s > 30000e-9 ? 1 : 0;
  EXPECT_GT(high, 0);
  EXPECT_LT(high, 100);
}

TEST(SimWakeupDraw, OneValueOrNoQuantilesGiveAConstant) {
  for (const double s : draws({25000, 25000}, 3)) EXPECT_DOUBLE_EQ(s, 25000e-9);
  for (const double s : draws({}, 3)) EXPECT_DOUBLE_EQ(s, 30000e-9);
}

}  // namespace
}  // namespace pipe_bench::sim
