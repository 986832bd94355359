// `model` allocator's charged costs, counted rather than timed: the nanoseconds of busy-wait it
// started per allocation, per free and per reclaim stall, and how often a seeded stall fires.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "allocators/model_allocator.hpp"

namespace pipepool {
namespace {

using internal::ModelAllocator;

TEST(AllocatorModelCost, FreeCostIsChargedPerFree) {
  ModelAllocator allocator({.alloc_cost_ns = 300, .free_cost_ns = 700, .fail_every = 5});
  std::vector<void*> pages;
  for (int i = 0; i < 50; ++i) pages.push_back(allocator.allocate());  // 10 fail
  for (void* page : pages) allocator.free(page);                       // free(nullptr): no-op
  const internal::ModelCounters c = allocator.counters();
  EXPECT_EQ(c.alloc_cost_charged_ns, 50u * 300);  // failed calls pay too
  EXPECT_EQ(c.free_cost_charged_ns, 40u * 700);
  EXPECT_EQ(c.stall_charged_ns, 0u);
}

TEST(AllocatorModelCost, ZeroCostsChargeNothing) {
  ModelAllocator allocator({});
  void* page = allocator.allocate();
  allocator.free(page);
  const internal::ModelCounters c = allocator.counters();
  EXPECT_EQ(c.alloc_cost_charged_ns, 0u);
  EXPECT_EQ(c.free_cost_charged_ns, 0u);
}

// Whether each of `calls` allocations stalled, in order (one cache, one thread).
std::vector<bool> stall_sequence(double p, std::uint64_t seed, int calls) {
  ModelAllocator allocator(
      {.reclaim_stall_probability = p, .reclaim_stall_ns = 1, .seed = seed, .cpu_caches = 1});
  std::vector<bool> stalled;
  std::uint64_t before = 0;
  for (int i = 0; i < calls; ++i) {
    allocator.free(allocator.allocate());
    const std::uint64_t now = allocator.counters().stalls;
    stalled.push_back(now != before);
    before = now;
  }
  EXPECT_EQ(allocator.counters().stall_charged_ns, before);  // 1 ns per stall
  return stalled;
}

std::uint64_t count(const std::vector<bool>& v) {
  std::uint64_t n = 0;
  for (const bool b : v) n += b ? 1 : 0;
  return n;
}

TEST(AllocatorModelCost, StallCountFollowsTheProbability) {
  constexpr int kCalls = 10000;
  constexpr double kP = 0.3;
  const std::uint64_t stalls = count(stall_sequence(kP, 42, kCalls));
  // Binomial(10000, 0.3): mean 3000, sd ~45.8; 6 sd either side.
  const double sd = std::sqrt(kCalls * kP * (1 - kP));
  EXPECT_GT(static_cast<double>(stalls), kCalls * kP - 6 * sd);
  EXPECT_LT(static_cast<double>(stalls), kCalls * kP + 6 * sd);
}

TEST(AllocatorModelCost, StallProbabilityZeroAndOne) {
  EXPECT_EQ(count(stall_sequence(0.0, 7, 1000)), 0u);
  EXPECT_EQ(count(stall_sequence(1.0, 7, 1000)), 1000u);
}

TEST(AllocatorModelCost, SameSeedStallsOnTheSameCalls) {
  const auto a = stall_sequence(0.1, 1234, 5000);
  EXPECT_EQ(a, stall_sequence(0.1, 1234, 5000));
  EXPECT_NE(a, stall_sequence(0.1, 1235, 5000));
}

}  // namespace
}  // namespace pipepool
