// Helpers for the pp_event_fd suites: pipes in either copy mode, the readiness a kernel poll sees
// on an event descriptor, and the readiness pp_poll reports for the same end.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>

#include <string>

#include "pipepool/posix.h"

namespace pipepool::testing {

// A pp pipe in copy mode `copy` with pipe2 `flags`; fds[] are -1 on failure.
struct EventPipe {
  int fds[2]{-1, -1};
  EventPipe(pp_copy_mode copy, int flags) {
    pp_options o{};
    o.copy = copy;
    if (pp_pipe_opts(fds, flags, &o) != 0) {
      ADD_FAILURE() << "pp_pipe_opts: errno " << errno;
      fds[0] = fds[1] = -1;
    }
  }
  ~EventPipe() {
    close_read();
    close_write();
  }
  EventPipe(const EventPipe&) = delete;
  EventPipe& operator=(const EventPipe&) = delete;
  [[nodiscard]] int r() const { return fds[0]; }
  [[nodiscard]] int w() const { return fds[1]; }
  void close_read() {
    if (fds[0] >= 0) pp_close(fds[0]);
    fds[0] = -1;
  }
  void close_write() {
    if (fds[1] >= 0) pp_close(fds[1]);
    fds[1] = -1;
  }
};

// The kernel's poll on an event descriptor: readable now?
inline bool kernel_readable(int evfd) {
  pollfd p{evfd, POLLIN, 0};
  const int n = ::poll(&p, 1, 0);
  EXPECT_GE(n, 0);
  EXPECT_EQ(p.revents & (POLLERR | POLLNVAL), 0);
  return n == 1 && (p.revents & POLLIN) != 0;
}

// pp_poll's view of the same end: read end POLLIN or POLLHUP, write end POLLOUT or POLLERR.
inline bool pp_ready(int fd, bool writer) {
  pollfd p{fd, static_cast<short>(writer ? POLLOUT : POLLIN), 0};
  EXPECT_GE(pp_poll(&p, 1, 0), 0);
  return (p.revents & (writer ? (POLLOUT | POLLERR) : (POLLIN | POLLHUP))) != 0;
}

inline std::string CopyName(const ::testing::TestParamInfo<pp_copy_mode>& info) {
  return info.param == PP_COPY_KERNEL ? "KernelCopy" : "ParallelCopy";
}

}  // namespace pipepool::testing

// Instantiates a TestWithParam<pp_copy_mode> suite for both copy modes.
#define EVENT_FD_INSTANTIATE(suite)                                                          \
  INSTANTIATE_TEST_SUITE_P(Copy, suite, ::testing::Values(PP_COPY_KERNEL, PP_COPY_PARALLEL), \
                           ::pipepool::testing::CopyName)
