// defer_write_returns (fuzz/lin_relax.hpp), the spec the parallel copy mode is checked against:
// a write may count as complete only when every write invoked before it returned has returned,
// and no earlier; anything else stays as strict as before.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "lin_checker.hpp"
#include "lin_relax.hpp"

namespace pipepool::lin {
namespace {

Operation write(const std::string& s, std::uint64_t invoke, std::uint64_t ret) {
  Operation op;
  op.kind = OpKind::write;
  op.end = End::write;
  op.len = s.size();
  op.data.assign(s.begin(), s.end());
  op.result = static_cast<std::int64_t>(s.size());
  op.invoke = invoke;
  op.ret = ret;
  return op;
}

Operation fionread(std::int64_t value, std::uint64_t invoke, std::uint64_t ret) {
  Operation op;
  op.kind = OpKind::fionread;
  op.result = value;
  op.invoke = invoke;
  op.ret = ret;
  return op;
}

History history(std::vector<Operation> ops) {
  History h;
  h.ops = std::move(ops);
  return h;
}

TEST(PipeLinearizabilityRelax, WriteReturnWaitsForEarlierInvokedWrites) {
  // "cd" returned at 4 but its bytes are not there at 5-6: a write invoked before it ("ab", still
  // copying until 8) holds its commit back.
  const History h = history({write("ab", 1, 8), write("cd", 2, 4), fionread(0, 5, 6)});
  EXPECT_FALSE(check(h).linearizable);
  const History relaxed = defer_write_returns(h);
  EXPECT_EQ(relaxed.ops[1].ret, 8u);
  EXPECT_EQ(relaxed.ops[0].ret, 8u);
  EXPECT_EQ(relaxed.ops[2].ret, 6u);
  EXPECT_TRUE(check(relaxed).linearizable);
}

TEST(PipeLinearizabilityRelax, WritesInvokedLaterDoNotDeferIt) {
  // "ab" returned at 2, before "cd" began: its bytes must be visible from then on.
  const History h = history({write("ab", 1, 2), write("cd", 3, 8), fionread(0, 4, 5)});
  const History relaxed = defer_write_returns(h);
  EXPECT_EQ(relaxed.ops[0].ret, 2u);
  EXPECT_FALSE(check(relaxed).linearizable);
}

TEST(PipeLinearizabilityRelax, ByteOrderStaysStrict) {
  // Deferred returns let overlapping writes reorder, never a read see bytes out of any order.
  Operation r;
  r.kind = OpKind::read;
  r.len = 4;
  r.data = {'a', 'c', 'b', 'd'};
  r.result = 4;
  r.invoke = 9;
  r.ret = 10;
  EXPECT_FALSE(
      check(defer_write_returns(history({write("ab", 1, 8), write("cd", 2, 4), r}))).linearizable);
}

}  // namespace
}  // namespace pipepool::lin
