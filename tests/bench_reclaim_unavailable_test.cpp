// --memory-pressure in cgroup mode where no memory cgroup can be made (here: run as an
// unprivileged user): one line on stderr naming the flag and pointing to =stress-ng, nothing on
// stdout, exit 2, before anything runs.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "bench_test_support.hpp"
#include "pipe_bench/reclaim_cgroup.hpp"

namespace {

constexpr uid_t kNobody = 65534;

TEST(BenchReclaimUnavailable, NoCgroupIsExit2WithOneLine) {
  const bool root = ::geteuid() == 0;
  if (!root && !pipe_bench::ReclaimCgroup::unavailable(pipe_bench::ReclaimSpec{})) {
    GTEST_SKIP() << "not root, yet a memory cgroup can be made: no way to take it away";
  }
  const std::string out = bench_test::temp_path("out");
  const std::string err = out.substr(0, out.rfind('/')) + "/err";
  if (root) ::chmod(out.substr(0, out.rfind('/')).c_str(), 0777);
  const pid_t child = ::fork();
  if (child == 0) {
    if (root && (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)) ::_exit(126);
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(o, STDOUT_FILENO);
    ::dup2(e, STDERR_FILENO);
    ::execl(PIPE_BENCH_EXE, PIPE_BENCH_EXE, "--memory-pressure", "-t", "kernel", "-d", "5",
            nullptr);
    ::_exit(127);
  }
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_NE(WEXITSTATUS(status), 126) << "could not drop to uid " << kNobody;
  EXPECT_EQ(WEXITSTATUS(status), 2);
  const std::string text = bench_test::read_file(err);
  EXPECT_TRUE(bench_test::read_file(out).empty());
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_EQ(text.rfind("pipe_bench: --memory-pressure: ", 0), 0u) << text;
  EXPECT_NE(text.find("--memory-pressure=stress-ng"), std::string::npos) << text;
}

}  // namespace
