// The syscalls a pipe user calls, as a table of function pointers with two instances: the
// kernel's (::pipe2, ::read, ...) and pipepool's (pp_pipe2, pp_read, ...). Test bodies written
// once against PipeOps run unchanged on both, and assert the same results and errno: the kernel
// is the oracle for pipepool's C API. Descriptor numbers differ between the two (separate
// spaces: pipepool's start at FdTable::base()), so tests compare behaviour, and numbers only
// relative to fd_base(). The differential harness
// (tests/differential/) runs its op sequences on the same two instances.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

#include "internal/fd_table.hpp"
#include "pipepool/posix.h"

namespace pipepool::testing {

struct PipeOps {
  const char* name;
  int (*pipe2)(int*, int);
  ssize_t (*read)(int, void*, size_t);
  ssize_t (*write)(int, const void*, size_t);
  ssize_t (*readv)(int, const iovec*, int);
  ssize_t (*writev)(int, const iovec*, int);
  int (*close)(int);
  int (*dup)(int);
  int (*fcntl)(int, int, ...);
  int (*ioctl)(int, unsigned long, ...);
  int (*poll)(pollfd*, nfds_t, int);
  // The lowest number of the instance's descriptor space: descriptor numbers are compared
  // relative to it (F_DUPFD minimums, "the lowest free number").
  int (*fd_base)();
  ssize_t (*vmsplice)(int, const iovec*, size_t, unsigned);
  ssize_t (*splice)(int, __off64_t*, int, __off64_t*, size_t, unsigned);
  ssize_t (*tee)(int, int, size_t, unsigned);
};

inline int kernel_fd_base() {
  return 0;
}
inline int pipepool_fd_base() {
  return internal::FdTable::global().base();
}

inline const PipeOps kKernelOps{"Kernel", ::pipe2,        ::read,     ::write,  ::readv,
                                ::writev, ::close,        ::dup,      ::fcntl,  ::ioctl,
                                ::poll,   kernel_fd_base, ::vmsplice, ::splice, ::tee};
inline const PipeOps kPipepoolOps{"Pipepool", pp_pipe2,         pp_read,     pp_write,  pp_readv,
                                  pp_writev,  pp_close,         pp_dup,      pp_fcntl,  pp_ioctl,
                                  pp_poll,    pipepool_fd_base, pp_vmsplice, pp_splice, pp_tee};

// One pipe, closed at the end of the test. Either end may be closed early with close_read() /
// close_write(); fds are -1 once closed.
class OpsPipe {
 public:
  OpsPipe(const PipeOps& ops, int flags = 0) : ops_(ops) {
    if (ops_.pipe2(fds_, flags) != 0) {
      ADD_FAILURE() << ops_.name << " pipe2(" << flags << ") failed: errno " << errno;
      fds_[0] = fds_[1] = -1;
    }
  }
  ~OpsPipe() {
    close_read();
    close_write();
  }
  OpsPipe(const OpsPipe&) = delete;
  OpsPipe& operator=(const OpsPipe&) = delete;

  [[nodiscard]] int r() const { return fds_[0]; }
  [[nodiscard]] int w() const { return fds_[1]; }
  void close_read() { close_fd(fds_[0]); }
  void close_write() { close_fd(fds_[1]); }

 private:
  void close_fd(int& fd) {
    if (fd >= 0) {
      EXPECT_EQ(ops_.close(fd), 0);
    }
    fd = -1;
  }
  const PipeOps& ops_;
  int fds_[2]{-1, -1};
};

// A descriptor closed at the end of the test (for dup results).
class OpsFd {
 public:
  OpsFd(const PipeOps& ops, int fd) : ops_(ops), fd_(fd) {}
  ~OpsFd() {
    if (fd_ >= 0) ops_.close(fd_);
  }
  OpsFd(const OpsFd&) = delete;
  OpsFd& operator=(const OpsFd&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  const PipeOps& ops_;
  int fd_;
};

// Aborts the test binary when a test stays blocked past `limit` (a hang is a failure, and must
// not stall the whole run). Disarmed by destruction.
class Watchdog {
 public:
  explicit Watchdog(std::chrono::seconds limit = std::chrono::seconds(30))
      : thread_([this, limit] {
          std::unique_lock lock(mutex_);
          if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
            std::fprintf(stderr, "Watchdog: test still blocked after %lld s\n",
                         static_cast<long long>(limit.count()));
            std::abort();
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// The soft RLIMIT_NOFILE, or -1 when it is too large to test against.
inline long nofile_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur > (1u << 20)) return -1;
  return static_cast<long>(rl.rlim_cur);
}

// Base fixture: the parameter is the PipeOps instance. SIGPIPE is ignored so that the kernel
// instance reports EPIPE as pipepool does.
class PipeOpsTest : public ::testing::TestWithParam<const PipeOps*> {
 protected:
  static void SetUpTestSuite() { std::signal(SIGPIPE, SIG_IGN); }
  [[nodiscard]] const PipeOps& ops() const { return *GetParam(); }
  [[nodiscard]] bool is_kernel() const { return GetParam() == &kKernelOps; }
};

// Names the instance in gtest's messages ("GetParam() = Kernel").
inline void PrintTo(const PipeOps* ops, std::ostream* os) {
  *os << ops->name;
}

inline std::string OpsName(const ::testing::TestParamInfo<const PipeOps*>& info) {
  return info.param->name;
}

}  // namespace pipepool::testing

// Instantiates a PipeOpsTest-derived suite for both instances (…/Kernel and …/Pipepool).
#define PIPE_OPS_INSTANTIATE(suite)                                                            \
  INSTANTIATE_TEST_SUITE_P(                                                                    \
      Ops, suite,                                                                              \
      ::testing::Values(&::pipepool::testing::kKernelOps, &::pipepool::testing::kPipepoolOps), \
      ::pipepool::testing::OpsName)

// Expects `call` to return -1 with errno `err`.
#define EXPECT_ERRNO(err, call)                                       \
  do {                                                                \
    errno = 0;                                                        \
    const long result_ = static_cast<long>(call);                     \
    const int errno_ = errno;                                         \
    EXPECT_EQ(result_, -1) << #call;                                  \
    EXPECT_EQ(errno_, err) << #call << ": " << std::strerror(errno_); \
  } while (0)
