// vmsplice(2) on both ends, kernel vs pipepool: page splitting, slot limits, no merging into
// vmspliced buffers, packet mode, errors and their order.
#include <gtest/gtest.h>

#include "differential/diff_harness.hpp"

namespace pipepool::differential {
namespace {

constexpr unsigned kNb = SPLICE_F_NONBLOCK;

TEST(DifferentialVmsplice, ReferencedBytesReadBack) {
  EXPECT_TRUE(run_scenario({Vms({100}), Vms({1, 0, 2}), R(50), Rv({10, 100}), R(10)}));
}

// One buffer per page a segment touches: an unaligned 8 KiB segment takes three slots.
TEST(DifferentialVmsplice, SplitsAtPageBoundaries) {
  EXPECT_TRUE(run_scenario({Resize(8192), Vms({8192}, 1, kNb, 100), R(3000), Vms({5000}, 1, kNb),
                            R(10000), Vms({8192}, 1, kNb, 0), Vms({1}), R(10000)}));
}

TEST(DifferentialVmsplice, AtMostTheFreeSlots) {
  std::vector<std::size_t> small(20, 5);
  EXPECT_TRUE(run_scenario({Vms({70000}, 1, kNb, 368), Vms({10}), R(65536), R(65536), Vms(small),
                            R(1000), W(10), Vms({4096}, 1, kNb, 0), R(10000)}));
}

// Only write(2) buffers take merges: a write after a vmsplice needs a slot of its own.
TEST(DifferentialVmsplice, WriteAfterItDoesNotMerge) {
  EXPECT_TRUE(run_scenario(
      {Resize(4096), Vms({100}), W(10), R(1000), W(10), Vms({10}), W(10), R(1000), R(1000)}));
}

TEST(DifferentialVmsplice, NotPacketsInPacketMode) {
  EXPECT_TRUE(run_scenario({Vms({60}), Vms({60}), W(30), R(1000), R(1000)}, O_DIRECT));
}

TEST(DifferentialVmsplice, ReadEndCopiesWithoutPacketBoundaries) {
  EXPECT_TRUE(run_scenario({W(100), W(100), Vms({50}, 0), R(1000), R(1000)}, O_DIRECT));
  EXPECT_TRUE(run_scenario({W(5000), W(100), Vms({10, 0, 6000}, 0), Vms({3000}, 0), R(10)}));
}

TEST(DifferentialVmsplice, FullAndEmpty) {
  EXPECT_TRUE(run_scenario({Vms({10}, 0), Vms({65536}, 1, kNb, 0), Vms({10}),
                            Vms({10}, 1, SPLICE_F_NONBLOCK | SPLICE_F_GIFT), R(100), Vms({10})}));
}

TEST(DifferentialVmsplice, EndsClosed) {
  EXPECT_TRUE(run_scenario({Vms({10}), Close(1), Vms({100}, 0), Vms({100}, 0)}));
  EXPECT_TRUE(run_scenario({Close(0), Vms({10}), Vms({0}), Vms({})}));
}

TEST(DifferentialVmsplice, FlagsAccepted) {
  EXPECT_TRUE(run_scenario(
      {Vms({10}, 1, SPLICE_F_NONBLOCK | SPLICE_F_MOVE | SPLICE_F_MORE | SPLICE_F_GIFT),
       Vms({10}, 1, 0x10), Vms({10}, 1, 0x100), Vms({5}, 0, SPLICE_F_MOVE | kNb), R(100)}));
}

TEST(DifferentialVmsplice, BadArguments) {
  Op null_iov = Vms({10});
  null_iov.null_buf = true;
  Op too_many = Vms({10});
  too_many.iovcnt = 1025;
  Op bad_second = Vms({10, 10});
  bad_second.null_base = 1;
  Op bad_first = Vms({10, 10});
  bad_first.null_base = 0;
  Op bad_read = Vms({10, 10}, 0);
  bad_read.null_base = 1;
  EXPECT_TRUE(
      run_scenario({null_iov, too_many, bad_second, bad_first, R(100), W(100), bad_read, R(1000),
                    OnRaw(Vms({10}), unused_fd()), OnRaw(Vms({10}, 1, 0x100), unused_fd())}));
}

}  // namespace
}  // namespace pipepool::differential
