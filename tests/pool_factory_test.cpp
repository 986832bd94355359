// make_pool, parse_policy_kind and to_string.
#include <gtest/gtest.h>

#include <memory>

#include "pipepool/page_allocator.hpp"
#include "pipepool/page_pool.hpp"

namespace pipepool {
namespace {

TEST(PoolFactory, NamesRoundTrip) {
  for (PolicyKind kind :
       {PolicyKind::legacy, PolicyKind::prealloc, PolicyKind::unified, PolicyKind::shrinker}) {
    const auto parsed = parse_policy_kind(to_string(kind));
    ASSERT_TRUE(parsed.has_value()) << to_string(kind);
    EXPECT_EQ(*parsed, kind);
  }
  EXPECT_EQ(to_string(PolicyKind::legacy), "legacy");
  EXPECT_EQ(to_string(PolicyKind::prealloc), "prealloc");
  EXPECT_EQ(to_string(PolicyKind::unified), "unified");
  EXPECT_EQ(to_string(PolicyKind::shrinker), "shrinker");
}

TEST(PoolFactory, UnknownNamesAreRejected) {
  EXPECT_FALSE(parse_policy_kind("").has_value());
  EXPECT_FALSE(parse_policy_kind("Legacy").has_value());
  EXPECT_FALSE(parse_policy_kind("unified ").has_value());
  EXPECT_FALSE(parse_policy_kind("kernel").has_value());
}

TEST(PoolFactory, BuildsEachImplementedPolicyWithItsName) {
  auto alloc = make_allocator({AllocatorKind::model, {}});
  for (PolicyKind kind :
       {PolicyKind::legacy, PolicyKind::prealloc, PolicyKind::unified, PolicyKind::shrinker}) {
    auto pool = make_pool(kind, alloc);
    ASSERT_NE(pool, nullptr) << to_string(kind);
    EXPECT_EQ(pool->name(), to_string(kind));
    EXPECT_EQ(&pool->allocator(), alloc.get());
  }
}

TEST(PoolFactory, NullAllocatorIsUnsupported) {
  EXPECT_EQ(make_pool(PolicyKind::legacy, nullptr), nullptr);
}

}  // namespace
}  // namespace pipepool
