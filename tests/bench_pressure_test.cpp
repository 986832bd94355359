// pipe_bench --memory-pressure=stress-ng: the SPEC grammar, and that no stress-ng process of its
// group is left behind — after a normal run, after SIGINT (Ctrl-C) in the middle of a run, and
// after stop() of the in-process controller. A missing stress-ng is a one-line error, exit 2.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench_test_support.hpp"
#include "pipe_bench/exec_path.hpp"
#include "pipe_bench/pressure.hpp"
#include "pipe_bench/proc_scan.hpp"

namespace {

using namespace pipe_bench;
using namespace std::chrono_literals;

TEST(BenchPressure, SpecGrammar) {
  std::string why;
  auto spec = parse_pressure_spec("stress-ng", why);
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(describe(*spec), "stress-ng --vm 4 --vm-bytes 80% --vm-method all");
  spec = parse_pressure_spec("1:64M", why);
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(describe(*spec), "stress-ng --vm 1 --vm-bytes 64M --vm-method all");
  spec = parse_pressure_spec("2", why);
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(spec->workers, 2u);
  EXPECT_EQ(spec->vm_bytes, "80%");
  spec = parse_pressure_spec(":50%", why);
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(spec->workers, 4u);
  EXPECT_EQ(spec->vm_bytes, "50%");
  for (const char* bad : {"0", "x", "1:", "1:0", "1:64X", "1:0%", "1:101%", "999:1M", "-1"}) {
    EXPECT_FALSE(parse_pressure_spec(bad, why).has_value()) << bad;
    EXPECT_FALSE(why.empty());
  }
}

std::optional<std::string> stress_ng() {
  return find_executable("stress-ng");
}

// Waits until `pid` (our child) has a child named stress-ng*; returns its pid (= its group).
pid_t wait_for_stress_group(pid_t parent, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& p : list_processes()) {
      if (p.ppid == parent && p.comm.rfind("stress-ng", 0) == 0 && p.pgid == p.pid) return p.pid;
    }
    std::this_thread::sleep_for(20ms);
  }
  return 0;
}

// Every process of the group, and every stress-ng whose parent chain leads to `root`.
std::vector<ProcessInfo> leftovers(pid_t group, pid_t root) {
  std::vector<ProcessInfo> out = live_group_members(group);
  const auto all = list_processes();
  for (const auto& p : all) {
    if (p.state == 'Z' || p.comm.rfind("stress-ng", 0) != 0 || p.pgid == group) continue;
    for (pid_t up = p.ppid; up > 1;) {
      if (up == root) {
        out.push_back(p);
        break;
      }
      const auto parent =
          std::find_if(all.begin(), all.end(), [&](const auto& q) { return q.pid == up; });
      up = parent == all.end() ? 0 : parent->ppid;
    }
  }
  return out;
}

// Group members may take a moment to be reaped after pipe_bench exits.
bool group_gone(pid_t group, pid_t root, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!leftovers(group, root).empty()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// Starts pipe_bench with `args` (output to /dev/null); returns its pid.
pid_t spawn_pipe_bench(const std::vector<std::string>& args) {
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

// Waits for `child` to exit; SIGKILLs it (and `group`) after `timeout`. The exit status, or -1.
int wait_exit(pid_t child, pid_t group, std::chrono::seconds timeout) {
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  pid_t r = 0;
  while ((r = ::waitpid(child, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  if (r == 0) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
    if (group > 0) ::kill(-group, SIGKILL);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The ramp-up waits for half of this: the workers' bytes together, a percentage of MemAvailable.
TEST(BenchPressure, RequestedBytes) {
  std::string why;
  EXPECT_EQ(requested_bytes(*parse_pressure_spec("1:64M", why), 0), 64u << 20);
  EXPECT_EQ(requested_bytes(*parse_pressure_spec("4:2G", why), 0), 2ull << 30);
  EXPECT_EQ(requested_bytes(*parse_pressure_spec(":80%", why), 1000), 800u);
  EXPECT_EQ(requested_bytes(*parse_pressure_spec("stress-ng", why), 10'000), 8'000u);
}

TEST(BenchPressure, SigintMidRunLeavesNoStressNg) {
  if (!stress_ng()) GTEST_SKIP() << "stress-ng is not installed";
  const pid_t child = spawn_pipe_bench(
      {"--memory-pressure=1:64M", "-t", "kernel", "-w", "1", "-r", "1", "-d", "60"});
  ASSERT_GT(child, 0);
  const pid_t group = wait_for_stress_group(child, 10s);
  ASSERT_GT(group, 0) << "pipe_bench did not start stress-ng";
  // Let it ramp up (>= 1 s) and the measurement start, then Ctrl-C.
  std::this_thread::sleep_for(1500ms);
  EXPECT_FALSE(live_group_members(group).empty());
  ASSERT_EQ(::kill(child, SIGINT), 0);
  EXPECT_EQ(wait_exit(child, group, 20s), 130);
  EXPECT_TRUE(group_gone(group, child, 2s));
  if (!leftovers(group, child).empty()) ::kill(-group, SIGKILL);
}

TEST(BenchPressure, NormalRunStopsStressNg) {
  if (!stress_ng()) GTEST_SKIP() << "stress-ng is not installed";
  const pid_t child = spawn_pipe_bench(
      {"--memory-pressure=1:64M", "-t", "kernel", "-w", "1", "-r", "1", "-d", "0.2"});
  ASSERT_GT(child, 0);
  const pid_t group = wait_for_stress_group(child, 10s);
  ASSERT_GT(group, 0) << "pipe_bench did not start stress-ng";
  EXPECT_EQ(wait_exit(child, group, 30s), 0);
  EXPECT_TRUE(group_gone(group, child, 2s));
  if (!leftovers(group, child).empty()) ::kill(-group, SIGKILL);
}

TEST(BenchPressure, JsonRecordsWhatRanAndItsMemory) {
  if (!stress_ng()) GTEST_SKIP() << "stress-ng is not installed";
  const std::string json = bench_test::temp_path("p.json");
  const auto r = bench_test::run_pipe_bench({"--memory-pressure=1:64M", "-t", "kernel", "-w", "1",
                                             "-r", "1", "-d", "0.1", "--json", json});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("memory pressure: stress-ng --vm 1 --vm-bytes 64M"), std::string::npos)
      << r.out;
  const auto doc = nlohmann::json::parse(bench_test::read_file(json));
  const auto& p = doc["context"]["pressure"];
  ASSERT_TRUE(p.is_object()) << doc.dump();
  EXPECT_EQ(p["command"], "stress-ng --vm 1 --vm-bytes 64M --vm-method all");
  EXPECT_EQ(p["workers"], 1);
  EXPECT_EQ(p["vm_bytes"], "64M");
  EXPECT_GT(p["rss_bytes_at_start"].get<std::uint64_t>(), 0u);
  EXPECT_GE(p["ramp_s"].get<double>(), 1.0);
  EXPECT_TRUE(doc["results"][0]["runs"][0]["pressure_rss_bytes"].is_number());
  EXPECT_EQ(doc["results"][0]["config"]["memory_pressure"], p["command"]);
  EXPECT_EQ(p["mode"], "stress-ng");
  // The proof, from the global counters: a reclaim object either way.
  const auto& reclaim = doc["results"][0]["runs"][0]["reclaim"];
  ASSERT_TRUE(reclaim.is_object()) << doc.dump();
  EXPECT_EQ(reclaim["source"], "global /proc/vmstat");
  EXPECT_TRUE(reclaim["failcnt"].is_null());
  EXPECT_TRUE(reclaim["vm_pgscan_direct"].is_number());
}

TEST(BenchPressure, ControllerStopKillsTheWholeGroup) {
  const auto exe = stress_ng();
  if (!exe) GTEST_SKIP() << "stress-ng is not installed";
  std::string error;
  auto pressure = MemoryPressure::start(*parse_pressure_spec("1:32M", error), *exe, error);
  ASSERT_NE(pressure, nullptr) << error;
  const pid_t group = pressure->pgid();
  ASSERT_TRUE(pressure->ramp_up(1000ms, 5000ms, nullptr, error)) << error;
  // stress-ng's parent plus at least one vm worker, all in the group.
  EXPECT_GE(live_group_members(group).size(), 2u);
  EXPECT_GT(pressure->rss_bytes(), 0u);
  pressure->stop();
  EXPECT_TRUE(live_group_members(group).empty());
  pressure->stop();  // idempotent
}

TEST(BenchPressure, MissingStressNgIsExit2BeforeAnythingRuns) {
  char dir[] = "/tmp/pipe_bench_empty_path_XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const auto r =
      bench_test::run_pipe_bench({"--memory-pressure=stress-ng", "-t", "kernel", "-d", "5"}, dir);
  ::rmdir(dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("--memory-pressure"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("stress-ng not found"), std::string::npos) << r.err;
}

}  // namespace
