// PoolSizes: the defaults are the kernel's, every field is 1..kPoolSizeLimit with keep <= max,
// and invalid sizes are refused by validate, make_pool and make_pipe with a named error.
#include <gtest/gtest.h>

#include <string>
#include <system_error>

#include "pipepool/page_allocator.hpp"
#include "pipepool/page_pool.hpp"
#include "pipepool/pipe.hpp"
#include "pool_test_support.hpp"

namespace pipepool {
namespace {

TEST(PoolSizesValidate, DefaultsAreTheKernels) {
  const PoolSizes sizes;
  EXPECT_EQ(sizes.legacy_cache, 2u);
  EXPECT_EQ(sizes.keep, 2u);
  EXPECT_EQ(sizes.max, 8u);
  EXPECT_FALSE(validate(sizes));
}

TEST(PoolSizesValidate, TheLimitIsAccepted) {
  EXPECT_FALSE(validate({kPoolSizeLimit, kPoolSizeLimit, kPoolSizeLimit}));
  EXPECT_FALSE(validate({1, 1, 1}));
}

TEST(PoolSizesValidate, ZeroAndAboveTheLimitAreRefused) {
  EXPECT_EQ(validate({0, 2, 8}), PoolSizeError::legacy_cache_out_of_range);
  EXPECT_EQ(validate({kPoolSizeLimit + 1, 2, 8}), PoolSizeError::legacy_cache_out_of_range);
  EXPECT_EQ(validate({2, 0, 8}), PoolSizeError::keep_out_of_range);
  EXPECT_EQ(validate({2, kPoolSizeLimit + 1, 8}), PoolSizeError::keep_out_of_range);
  EXPECT_EQ(validate({2, 2, 0}), PoolSizeError::max_out_of_range);
  EXPECT_EQ(validate({2, 2, kPoolSizeLimit + 1}), PoolSizeError::max_out_of_range);
}

TEST(PoolSizesValidate, KeepAboveMaxIsRefused) {
  EXPECT_EQ(validate({2, 9, 8}), PoolSizeError::keep_above_max);
  EXPECT_FALSE(validate({2, 8, 8}));
}

TEST(PoolSizesValidate, ErrorsNameTheFieldAndAreInvalidArgument) {
  const std::error_code e = validate({2, 0, 8});
  EXPECT_EQ(e, std::errc::invalid_argument);
  EXPECT_EQ(e.message(), "keep must be from 1 to " + std::to_string(kPoolSizeLimit) + " pages");
  EXPECT_EQ(std::error_code(PoolSizeError::keep_above_max).message(), "keep must not exceed max");
  EXPECT_EQ(std::string(e.category().name()), "pipepool.pool_sizes");
}

TEST(PoolSizesValidate, MakePoolRefusesInvalidSizes) {
  for (const PolicyKind kind :
       {PolicyKind::legacy, PolicyKind::prealloc, PolicyKind::unified, PolicyKind::shrinker}) {
    EXPECT_EQ(make_pool(kind, pool_test::model_allocator(), {2, 2, 0}), nullptr);
    auto pool = make_pool(kind, pool_test::model_allocator(), {3, 4, 5});
    ASSERT_NE(pool, nullptr);
    EXPECT_EQ(pool->sizes(), (PoolSizes{3, 4, 5}));
  }
}

TEST(PoolSizesValidate, MakePipeRefusesInvalidSizes) {
  PipeOptions options;
  options.pool_sizes.legacy_cache = 0;
  const PipePair pair = make_pipe(options);
  EXPECT_FALSE(pair.ok());
  EXPECT_EQ(pair.error, PoolSizeError::legacy_cache_out_of_range);
  EXPECT_FALSE(pair.reader.is_open());
  EXPECT_FALSE(pair.writer.is_open());
}

}  // namespace
}  // namespace pipepool
