// pp_pipe_opts: policy and allocator selection (explicit, $PIPEPOOL_POLICY /
// $PIPEPOOL_ALLOCATOR, defaults), rejected choices, and the model allocator's knobs.
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "internal/fd_table.hpp"
#include "pipe_ops.hpp"

namespace pipepool::testing {
namespace {

// Sets or unsets an environment variable for one test, restoring it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

struct Made {
  int rc = -1;
  int err = 0;
  std::string policy;
  std::string allocator;
};

Made make(const pp_options* opts, int flags = 0) {
  Made m;
  int fds[2] = {-1, -1};
  errno = 0;
  m.rc = pp_pipe_opts(fds, flags, opts);
  m.err = errno;
  if (m.rc == 0) {
    const auto end = internal::FdTable::global().get(fds[0]);
    m.policy = std::string(end->pipe().pool().name());
    m.allocator = std::string(end->pipe().pool().allocator().name());
    EXPECT_EQ(pp_close(fds[0]), 0);
    EXPECT_EQ(pp_close(fds[1]), 0);
  }
  return m;
}

TEST(PosixOptionsTest, DefaultsAreUnifiedOverOs) {
  ScopedEnv policy("PIPEPOOL_POLICY", nullptr);
  ScopedEnv allocator("PIPEPOOL_ALLOCATOR", nullptr);
  const Made null_opts = make(nullptr);
  ASSERT_EQ(null_opts.rc, 0);
  EXPECT_EQ(null_opts.policy, "unified");
  EXPECT_EQ(null_opts.allocator, "os");
  const pp_options zero{};
  EXPECT_EQ(make(&zero).policy, "unified");
}

TEST(PosixOptionsTest, ExplicitPolicyAndAllocatorWin) {
  ScopedEnv policy("PIPEPOOL_POLICY", "prealloc");
  ScopedEnv allocator("PIPEPOOL_ALLOCATOR", "bogus");
  pp_options o{};
  o.policy = PP_POLICY_LEGACY;
  o.allocator = PP_ALLOCATOR_HEAP;
  const Made m = make(&o);
  ASSERT_EQ(m.rc, 0) << m.err;
  EXPECT_EQ(m.policy, "legacy");
  EXPECT_EQ(m.allocator, "heap");
}

TEST(PosixOptionsTest, EnvironmentFillsTheDefaults) {
  ScopedEnv policy("PIPEPOOL_POLICY", "prealloc");
  ScopedEnv allocator("PIPEPOOL_ALLOCATOR", "heap");
  const Made m = make(nullptr);
  ASSERT_EQ(m.rc, 0) << m.err;
  EXPECT_EQ(m.policy, "prealloc");
  EXPECT_EQ(m.allocator, "heap");
  // pp_pipe2 goes the same way.
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, 0), 0);
  EXPECT_EQ(internal::FdTable::global().get(fds[1])->pipe().pool().name(), "prealloc");
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
}

TEST(PosixOptionsTest, EmptyEnvironmentMeansUnset) {
  ScopedEnv policy("PIPEPOOL_POLICY", "");
  ScopedEnv allocator("PIPEPOOL_ALLOCATOR", "");
  const Made m = make(nullptr);
  ASSERT_EQ(m.rc, 0) << m.err;
  EXPECT_EQ(m.policy, "unified");
  EXPECT_EQ(m.allocator, "os");
}

TEST(PosixOptionsTest, InvalidEnvironmentIsEinval) {
  {
    ScopedEnv policy("PIPEPOOL_POLICY", "fastest");
    EXPECT_ERRNO(EINVAL, pp_pipe2(nullptr, 0));  // before EFAULT: no pipe can be made
    const Made m = make(nullptr);
    EXPECT_EQ(m.rc, -1);
    EXPECT_EQ(m.err, EINVAL);
  }
  {
    ScopedEnv allocator("PIPEPOOL_ALLOCATOR", "mmap");
    const Made m = make(nullptr);
    EXPECT_EQ(m.rc, -1);
    EXPECT_EQ(m.err, EINVAL);
  }
}

TEST(PosixOptionsTest, InvalidEnumValuesAreEinval) {
  // A C caller may store any int in an enum field (C++ may not: written as raw bytes here).
  for (const int bad : {99, -1, 5}) {
    pp_options o{};
    std::memcpy(&o.policy, &bad, sizeof bad);
    EXPECT_EQ(make(&o).err, EINVAL) << bad;
    o = pp_options{};
    std::memcpy(&o.allocator, &bad, sizeof bad);
    EXPECT_EQ(make(&o).err, EINVAL) << bad;
  }
}

TEST(PosixOptionsTest, ShrinkerIsMadeOnceBuiltElseEinval) {
  // make_pool() does not build the shrinker yet; when it does, this pipe is made instead.
  pp_options o{};
  o.policy = PP_POLICY_SHRINKER;
  const Made m = make(&o);
  if (m.rc == 0) {
    EXPECT_EQ(m.policy, "shrinker");
  } else {
    EXPECT_EQ(m.err, EINVAL);
  }
}

TEST(PosixOptionsTest, FlagsStillApply) {
  pp_options o{};
  o.policy = PP_POLICY_LEGACY;
  int fds[2];
  ASSERT_EQ(pp_pipe_opts(fds, O_NONBLOCK | O_DIRECT | O_CLOEXEC, &o), 0);
  EXPECT_EQ(pp_fcntl(fds[0], F_GETFL), O_RDONLY | O_NONBLOCK);
  EXPECT_EQ(pp_fcntl(fds[1], F_GETFL), O_WRONLY | O_NONBLOCK | O_DIRECT);
  EXPECT_EQ(pp_fcntl(fds[1], F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
  EXPECT_ERRNO(EINVAL, pp_pipe_opts(fds, O_APPEND, &o));
}

TEST(PosixOptionsTest, ModelAllocatorFailureSurfacesAsEnomem) {
  // Every page allocation fails: a write has no page for its first slot.
  pp_options o{};
  o.policy = PP_POLICY_LEGACY;
  o.allocator = PP_ALLOCATOR_MODEL;
  o.model_fail_every = 1;
  int fds[2];
  ASSERT_EQ(pp_pipe_opts(fds, 0, &o), 0);
  EXPECT_EQ(internal::FdTable::global().get(fds[0])->pipe().pool().allocator().name(), "model");
  EXPECT_ERRNO(ENOMEM, pp_write(fds[1], "x", 1));
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
}

TEST(PosixOptionsTest, ModelAllocatorFailNthFailsOnlyThatAllocation) {
  pp_options o{};
  o.policy = PP_POLICY_LEGACY;  // allocates one page per new slot, keeps up to two
  o.allocator = PP_ALLOCATOR_MODEL;
  o.model_fail_nth = 2;
  int fds[2];
  ASSERT_EQ(pp_pipe_opts(fds, O_NONBLOCK, &o), 0);
  char page[4096] = {};
  EXPECT_EQ(pp_write(fds[1], page, sizeof page), 4096);       // allocation 1
  EXPECT_ERRNO(ENOMEM, pp_write(fds[1], page, sizeof page));  // allocation 2 fails
  EXPECT_EQ(pp_write(fds[1], page, sizeof page), 4096);       // allocation 3
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
}

}  // namespace
}  // namespace pipepool::testing
