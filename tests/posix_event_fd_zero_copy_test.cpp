// pp_event_fd through the zero-copy calls: vmsplice, splice and tee raise and lower the event
// descriptors of the ends they change exactly as pp_poll sees them.
#include <fcntl.h>

#include <vector>

#include "event_fd_support.hpp"

namespace pipepool::testing {
namespace {

class PosixEventFdZeroCopyTest : public ::testing::TestWithParam<pp_copy_mode> {};

// The end's event descriptor and pp_poll agree, and say `ready`.
#define EXPECT_END_READY(fd, evfd, writer, ready)               \
  do {                                                          \
    EXPECT_EQ(kernel_readable(evfd), (ready)) << #evfd;         \
    EXPECT_EQ(pp_ready((fd), (writer)), (ready)) << "pp_poll "; \
  } while (0)

TEST_P(PosixEventFdZeroCopyTest, VmspliceRaisesTheReadEndAndFillsTheWriteEnd) {
  EventPipe p(GetParam(), O_NONBLOCK);
  const int rfd = pp_event_fd(p.r());
  const int wfd = pp_event_fd(p.w());
  ASSERT_GE(rfd, 0);
  ASSERT_GE(wfd, 0);
  ASSERT_EQ(pp_fcntl(p.w(), F_SETPIPE_SZ, 4096), 4096);  // one slot
  EXPECT_END_READY(p.r(), rfd, false, false);
  EXPECT_END_READY(p.w(), wfd, true, true);
  static char bytes[16] = "in place";
  const iovec v{bytes, 8};
  ASSERT_EQ(pp_vmsplice(p.w(), &v, 1, SPLICE_F_NONBLOCK), 8);
  EXPECT_END_READY(p.r(), rfd, false, true);
  EXPECT_END_READY(p.w(), wfd, true, false);  // its one slot is taken
  char out[8];
  const iovec o{out, sizeof out};
  ASSERT_EQ(pp_vmsplice(p.r(), &o, 1, SPLICE_F_NONBLOCK), 8);  // copies out
  EXPECT_END_READY(p.r(), rfd, false, false);
  EXPECT_END_READY(p.w(), wfd, true, true);
}

TEST_P(PosixEventFdZeroCopyTest, SpliceMovesReadinessFromOnePipeToTheOther) {
  EventPipe a(GetParam(), O_NONBLOCK);
  EventPipe b(GetParam(), O_NONBLOCK);
  const int a_r = pp_event_fd(a.r());
  const int a_w = pp_event_fd(a.w());
  const int b_r = pp_event_fd(b.r());
  ASSERT_GE(a_r, 0);
  ASSERT_GE(a_w, 0);
  ASSERT_GE(b_r, 0);
  ASSERT_EQ(pp_fcntl(a.w(), F_SETPIPE_SZ, 4096), 4096);
  std::vector<char> page(4096, 's');
  ASSERT_EQ(pp_write(a.w(), page.data(), page.size()), 4096);
  EXPECT_END_READY(a.r(), a_r, false, true);
  EXPECT_END_READY(a.w(), a_w, true, false);
  EXPECT_END_READY(b.r(), b_r, false, false);
  ASSERT_EQ(pp_splice(a.r(), nullptr, b.w(), nullptr, 4096, SPLICE_F_NONBLOCK), 4096);
  EXPECT_END_READY(a.r(), a_r, false, false);
  EXPECT_END_READY(a.w(), a_w, true, true);  // the slot moved out
  EXPECT_END_READY(b.r(), b_r, false, true);
}

TEST_P(PosixEventFdZeroCopyTest, TeeRaisesTheOutputAndLeavesTheInput) {
  EventPipe a(GetParam(), O_NONBLOCK);
  EventPipe b(GetParam(), O_NONBLOCK);
  const int a_r = pp_event_fd(a.r());
  const int b_r = pp_event_fd(b.r());
  const int b_w = pp_event_fd(b.w());
  ASSERT_GE(a_r, 0);
  ASSERT_GE(b_r, 0);
  ASSERT_GE(b_w, 0);
  ASSERT_EQ(pp_fcntl(b.w(), F_SETPIPE_SZ, 4096), 4096);
  ASSERT_EQ(pp_write(a.w(), "tee", 3), 3);
  EXPECT_END_READY(b.r(), b_r, false, false);
  EXPECT_END_READY(b.w(), b_w, true, true);
  ASSERT_EQ(pp_tee(a.r(), b.w(), 3, SPLICE_F_NONBLOCK), 3);
  EXPECT_END_READY(a.r(), a_r, false, true);  // nothing consumed
  EXPECT_END_READY(b.r(), b_r, false, true);
  EXPECT_END_READY(b.w(), b_w, true, false);  // its one slot holds the copy
}

EVENT_FD_INSTANTIATE(PosixEventFdZeroCopyTest);

}  // namespace
}  // namespace pipepool::testing
