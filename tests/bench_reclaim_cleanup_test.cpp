// pipe_bench --memory-pressure (cgroup mode) leaves nothing behind: the cgroup pipe_bench-<pid>
// is removed and the page-cache child (holding the unlinked cache file) is gone after a normal
// run, after SIGINT or SIGTERM mid-run, and after two SIGINTs in a row (the handler's emergency
// path itself is tested in bench_reclaim_emergency_test.cpp); a dead page-cache child ends the
// benchmark with exit 1. Skipped where no memory cgroup can be made.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_test_support.hpp"
#include "pipe_bench/cgroup_location.hpp"
#include "pipe_bench/reclaim_cgroup.hpp"

namespace {

using namespace pipe_bench;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// Where pipe_bench (a child of ours, in our cgroup) makes its cgroup.
std::string cgroup_of(pid_t pid) {
  std::string why;
  const auto where = locate_memory_cgroup(why);
  return where ? where->parent_dir + "/pipe_bench-" + std::to_string(pid) : std::string();
}

std::vector<pid_t> procs_of(const std::string& dir) {
  std::vector<pid_t> out;
  std::istringstream in(read_text_file(dir + "/cgroup.procs").value_or(""));
  for (pid_t p; in >> p;) out.push_back(p);
  return out;
}

// Waits until pipe_bench `pid` has moved into its cgroup (the runs have begun); returns the
// page-cache child's pid, or 0 on timeout.
pid_t wait_until_inside(pid_t pid, const std::string& dir, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    const auto procs = procs_of(dir);
    bool inside = false;
    pid_t other = 0;
    for (const pid_t p : procs) {
      if (p == pid) {
        inside = true;
      } else {
        other = p;
      }
    }
    if (inside && other != 0) return other;
    std::this_thread::sleep_for(20ms);
  }
  return 0;
}

pid_t spawn(const std::vector<std::string>& args) {
  const pid_t child = ::fork();
  if (child == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>(PIPE_BENCH_EXE)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(PIPE_BENCH_EXE, argv.data());
    ::_exit(127);
  }
  return child;
}

int wait_exit(pid_t child, std::chrono::seconds timeout) {
  int status = 0;
  const auto deadline = Clock::now() + timeout;
  pid_t r = 0;
  while ((r = ::waitpid(child, &status, WNOHANG)) == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  if (r == 0) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The page-cache child dies with pipe_bench (it may take a moment to be reaped by init).
bool gone(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    const auto stat = read_text_file("/proc/" + std::to_string(pid) + "/stat");
    if (!stat || stat->find(") Z ") != std::string::npos) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// No file of ours is left in /var/tmp (the cache file is unlinked at once).
bool no_cache_files() {
  for (const auto& e : std::filesystem::directory_iterator("/var/tmp")) {
    if (e.path().filename().string().rfind("pipe_bench", 0) == 0) return false;
  }
  return true;
}

class BenchReclaimCleanup : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const auto why = ReclaimCgroup::unavailable(ReclaimSpec{})) GTEST_SKIP() << *why;
  }
};

TEST_F(BenchReclaimCleanup, NormalRunReportsCountersAndRemovesEverything) {
  const std::string json = bench_test::temp_path("r.json");
  const auto r = bench_test::run_pipe_bench(
      {"--memory-pressure", "-t", "kernel", "-w", "1", "-r", "1", "-d", "0.3", "--json", json});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("memory pressure: memory cgroup v"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("reclaim: "), std::string::npos) << r.out;
  const auto doc = nlohmann::json::parse(bench_test::read_file(json));
  const auto& p = doc["context"]["pressure"];
  EXPECT_EQ(p["mode"], "cgroup");
  const std::string dir = p["cgroup"].get<std::string>();
  EXPECT_NE(dir.find("/pipe_bench-"), std::string::npos) << dir;
  EXPECT_FALSE(exists(dir)) << dir;
  const auto& reclaim = doc["results"][0]["runs"][0]["reclaim"];
  ASSERT_TRUE(reclaim.is_object()) << doc.dump();
  EXPECT_TRUE(reclaim["reclaimed"].is_boolean());
  // Either the run reclaimed, or the report says plainly that it did not.
  if (!reclaim["reclaimed"].get<bool>()) {
    EXPECT_NE(r.out.find("no reclaim was caused"), std::string::npos) << r.out;
    EXPECT_TRUE(p["no_reclaim"].is_string());
  }
  EXPECT_TRUE(no_cache_files());
}

TEST_F(BenchReclaimCleanup, InterruptMidRunRemovesEverything) {
  for (const std::vector<int>& signals :
       {std::vector<int>{SIGINT}, std::vector<int>{SIGTERM}, std::vector<int>{SIGINT, SIGINT}}) {
    const pid_t child =
        spawn({"--memory-pressure", "-t", "kernel", "-w", "1", "-r", "1", "-d", "60"});
    ASSERT_GT(child, 0);
    const std::string dir = cgroup_of(child);
    const pid_t cache = wait_until_inside(child, dir, 60s);
    ASSERT_GT(cache, 0) << "pipe_bench did not move into " << dir;
    std::this_thread::sleep_for(300ms);  // into the run
    for (const int sig : signals) ASSERT_EQ(::kill(child, sig), 0);
    EXPECT_EQ(wait_exit(child, 20s), 130) << "signals " << signals.size();
    EXPECT_FALSE(exists(dir)) << dir;
    EXPECT_TRUE(gone(cache, 2000ms)) << "page-cache child " << cache;
    EXPECT_TRUE(no_cache_files());
  }
}

TEST_F(BenchReclaimCleanup, DeadCacheChildEndsTheRunWithExit1) {
  const std::string out = bench_test::temp_path("out");
  const pid_t child = ::fork();
  if (child == 0) {
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::execl(PIPE_BENCH_EXE, PIPE_BENCH_EXE, "--memory-pressure", "-t", "kernel", "-w", "1", "-r",
            "1", "-d", "2", "--runs", "3", nullptr);
    ::_exit(127);
  }
  ASSERT_GT(child, 0);
  const std::string dir = cgroup_of(child);
  const pid_t cache = wait_until_inside(child, dir, 60s);
  ASSERT_GT(cache, 0);
  ASSERT_EQ(::kill(cache, SIGKILL), 0);
  EXPECT_EQ(wait_exit(child, 30s), 1);
  const std::string text = bench_test::read_file(out);
  EXPECT_NE(text.find("the page-cache child"), std::string::npos) << text;
  EXPECT_FALSE(exists(dir)) << dir;
}

}  // namespace
