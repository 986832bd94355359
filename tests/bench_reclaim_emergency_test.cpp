// The emergency cleanup of the reclaim cgroup (signals.hpp): in a process that holds a started
// ReclaimCgroup and never destroys it, std::exit (atexit) and a second SIGINT (the handler's
// _exit path) still move it out, kill the page-cache child and remove the cgroup.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "pipe_bench/cgroup_location.hpp"
#include "pipe_bench/reclaim_cgroup.hpp"
#include "pipe_bench/signals.hpp"

namespace {

using namespace pipe_bench;

enum class Exit { std_exit, second_sigint };

struct Left {
  int status = -1;
  std::string dir;
  pid_t cache = 0;
};

// The forked child's cgroup, never destroyed on purpose: held by a global so that LeakSanitizer
// (ASan builds) sees it reachable at std::exit instead of failing the child's exit status.
ReclaimCgroup* g_never_destroyed = nullptr;

// Forks a process that starts a cgroup, reports its directory and page-cache child on a pipe,
// then leaves by `how` without running the destructor.
Left run_and_leave(Exit how) {
  int report[2];
  if (::pipe(report) != 0) return {};
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(report[0]);
    install_interrupt_handlers();
    ReclaimSpec spec;
    spec.limit_bytes = 32ull << 20;
    spec.idle_probe = std::chrono::milliseconds(0);
    std::string error;
    g_never_destroyed = ReclaimCgroup::start(spec, error).release();
    ReclaimCgroup* cg = g_never_destroyed;
    if (cg == nullptr) ::_exit(3);
    const std::string line = cg->dir() + " " + std::to_string(cg->cache_child()) + "\n";
    if (::write(report[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      ::_exit(4);
    }
    ::close(report[1]);
    if (how == Exit::std_exit) std::exit(0);
    ::raise(SIGINT);  // sets the interrupt flag
    ::raise(SIGINT);  // the emergency path: cleanup, then _exit(130)
    ::_exit(5);
  }
  ::close(report[1]);
  Left left;
  std::string text;
  char buf[512];
  for (ssize_t n; (n = ::read(report[0], buf, sizeof buf)) > 0;) text.append(buf, n);
  ::close(report[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  left.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  const auto space = text.find(' ');
  if (space != std::string::npos) {
    left.dir = text.substr(0, space);
    left.cache = static_cast<pid_t>(std::atoi(text.c_str() + space + 1));
  }
  return left;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// The page-cache child is gone once init has reaped it (a zombie for a moment at most).
bool gone(pid_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto stat = read_text_file("/proc/" + std::to_string(pid) + "/stat");
    if (!stat || stat->find(") Z ") != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

class BenchReclaimEmergency : public ::testing::TestWithParam<Exit> {
 protected:
  void SetUp() override {
    if (const auto why = ReclaimCgroup::unavailable(ReclaimSpec{})) GTEST_SKIP() << *why;
  }
};

TEST_P(BenchReclaimEmergency, CgroupAndChildAreGone) {
  const Left left = run_and_leave(GetParam());
  ASSERT_FALSE(left.dir.empty()) << "the child could not start a cgroup (status " << left.status
                                 << ")";
  EXPECT_EQ(left.status, GetParam() == Exit::std_exit ? 0 : kInterruptedExitCode);
  EXPECT_FALSE(exists(left.dir)) << left.dir;
  ASSERT_GT(left.cache, 0);
  EXPECT_TRUE(gone(left.cache)) << "page-cache child " << left.cache;
  if (exists(left.dir)) ::rmdir(left.dir.c_str());
}

INSTANTIATE_TEST_SUITE_P(Paths, BenchReclaimEmergency,
                         ::testing::Values(Exit::std_exit, Exit::second_sigint),
                         [](const auto& info) {
                           return info.param == Exit::std_exit ? "StdExit" : "SecondSigint";
                         });

}  // namespace
