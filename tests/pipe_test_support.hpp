// Shared helpers for the pipe behaviour tests: every test runs on every policy.
#pragma once

#include <gtest/gtest.h>

#include <cerrno>
#include <cstddef>
#include <string>
#include <vector>

#include "internal/pipe_core.hpp"
#include "pipepool/pipe.hpp"

namespace pipepool::test {

inline const std::vector<PolicyKind>& all_policies() {
  static const std::vector<PolicyKind> kinds{PolicyKind::legacy, PolicyKind::prealloc,
                                             PolicyKind::unified, PolicyKind::shrinker};
  return kinds;
}

inline std::string policy_name(const testing::TestParamInfo<PolicyKind>& info) {
  return std::string(to_string(info.param));
}

inline PipePair make(PolicyKind policy, bool nonblocking = false, bool packet = false,
                     AllocatorKind allocator = AllocatorKind::heap) {
  PipeOptions o;
  o.policy = policy;
  o.allocator.kind = allocator;
  o.nonblocking = nonblocking;
  o.packet = packet;
  PipePair p = make_pipe(o);
  EXPECT_TRUE(p.ok()) << p.error.message();
  return p;
}

inline IoResult write_bytes(Writer& w, const std::vector<std::byte>& data) {
  return w.write(std::span<const std::byte>(data));
}

inline std::vector<std::byte> pattern(std::size_t n, unsigned seed = 1) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((i * 131 + seed * 7) & 0xff);
  return v;
}

inline std::vector<std::byte> read_n(Reader& r, std::size_t n) {
  std::vector<std::byte> v(n);
  IoResult res = r.read(v);
  EXPECT_TRUE(res.ok()) << res.error.message();
  v.resize(res.count);
  return v;
}

inline std::error_code err(int e) {
  return {e, std::generic_category()};
}

class PipeTest : public testing::TestWithParam<PolicyKind> {};

}  // namespace pipepool::test

#define PIPEPOOL_ALL_POLICIES(suite)                                                             \
  INSTANTIATE_TEST_SUITE_P(Policies, suite, testing::ValuesIn(::pipepool::test::all_policies()), \
                           ::pipepool::test::policy_name)
