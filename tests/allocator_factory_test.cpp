// make_allocator, parse_allocator_kind and to_string.
#include <gtest/gtest.h>

#include <optional>
#include <string_view>

#include "pipepool/page_allocator.hpp"

namespace pipepool {
namespace {

TEST(AllocatorFactory, ParsesTheThreeNames) {
  EXPECT_EQ(parse_allocator_kind("os"), AllocatorKind::os);
  EXPECT_EQ(parse_allocator_kind("heap"), AllocatorKind::heap);
  EXPECT_EQ(parse_allocator_kind("model"), AllocatorKind::model);
}

TEST(AllocatorFactory, RejectsAnythingElse) {
  for (std::string_view name : {"", "OS", "Heap", "heap ", " os", "mmap", "model2", "o"}) {
    EXPECT_EQ(parse_allocator_kind(name), std::nullopt) << '"' << name << '"';
  }
}

TEST(AllocatorFactory, ToStringRoundTrips) {
  for (AllocatorKind kind : {AllocatorKind::os, AllocatorKind::heap, AllocatorKind::model}) {
    EXPECT_EQ(parse_allocator_kind(to_string(kind)), kind);
  }
  EXPECT_EQ(to_string(AllocatorKind::os), "os");
  EXPECT_EQ(to_string(AllocatorKind::heap), "heap");
  EXPECT_EQ(to_string(AllocatorKind::model), "model");
}

TEST(AllocatorFactory, EachKindMakesItsAllocator) {
  for (AllocatorKind kind : {AllocatorKind::os, AllocatorKind::heap, AllocatorKind::model}) {
    auto allocator = make_allocator({.kind = kind});
    ASSERT_NE(allocator, nullptr);
    EXPECT_EQ(allocator->name(), to_string(kind));
    void* page = allocator->allocate();
    EXPECT_NE(page, nullptr);
    allocator->free(page);
  }
}

TEST(AllocatorFactory, HeapAndModelAreNewInstancesOsIsShared) {
  EXPECT_NE(make_allocator({.kind = AllocatorKind::heap}),
            make_allocator({.kind = AllocatorKind::heap}));
  EXPECT_NE(make_allocator({.kind = AllocatorKind::model}),
            make_allocator({.kind = AllocatorKind::model}));
  EXPECT_EQ(make_allocator({.kind = AllocatorKind::os}),
            make_allocator({.kind = AllocatorKind::os}));
}

TEST(AllocatorFactory, ModelReceivesItsConfig) {
  auto allocator = make_allocator({.kind = AllocatorKind::model, .model = {.fail_nth = 1}});
  EXPECT_EQ(allocator->allocate(), nullptr);
  EXPECT_EQ(allocator->stats().failures, 1u);
  void* page = allocator->allocate();
  EXPECT_NE(page, nullptr);
  allocator->free(page);
}

}  // namespace
}  // namespace pipepool
