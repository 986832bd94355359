// ReclaimCgroup on the live system: start() puts the calling process in a new memory cgroup kept
// at its limit with page cache, where a kernel pipe's page allocations reclaim (failcnt on v1,
// pgscan / events max on v2); stop() moves the process back and removes the cgroup. Skipped
// where no memory cgroup can be made (not root, no memory controller, read-only cgroup fs).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "pipe_bench/cgroup_location.hpp"
#include "pipe_bench/reclaim_cgroup.hpp"

namespace {

using namespace pipe_bench;
using Clock = std::chrono::steady_clock;

std::string own_cgroups() {
  return read_text_file("/proc/self/cgroup").value_or("");
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// Fills a 1 MiB kernel pipe and drains it, over and over, for `duration`: 256 fresh pages
// charged per round.
void kernel_pipe_rounds(std::chrono::milliseconds duration) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK), 0);
  ::fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
  std::vector<char> buf(64 * 1024, 'x');
  const auto end = Clock::now() + duration;
  while (Clock::now() < end) {
    while (::write(fds[1], buf.data(), buf.size()) > 0) {
    }
    while (::read(fds[0], buf.data(), buf.size()) > 0) {
    }
  }
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(BenchReclaimCgroup, KernelPipeAllocationsReclaimInsideAndEverythingIsRemoved) {
  ReclaimSpec spec;
  spec.limit_bytes = 64ull << 20;
  if (const auto why = ReclaimCgroup::unavailable(spec)) GTEST_SKIP() << *why;
  const std::string before_cgroups = own_cgroups();
  std::string error;
  auto cg = ReclaimCgroup::start(spec, error);
  ASSERT_NE(cg, nullptr) << error;
  const std::string dir = cg->dir();
  const pid_t child = cg->cache_child();
  EXPECT_EQ(cg->limit_bytes(), 64ull << 20);
  EXPECT_EQ(cg->cache_file_bytes(), 128ull << 20);
  EXPECT_TRUE(exists(dir));
  EXPECT_NE(dir.find("/pipe_bench-"), std::string::npos) << dir;
  // We and the page-cache child are in it.
  const std::string procs = read_text_file(dir + "/cgroup.procs").value_or("");
  EXPECT_NE(procs.find(std::to_string(::getpid())), std::string::npos) << procs;
  EXPECT_NE(procs.find(std::to_string(child)), std::string::npos) << procs;
  EXPECT_NE(own_cgroups(), before_cgroups);
  std::string why;
  EXPECT_TRUE(cg->cache_child_running(why)) << why;

  const ReclaimCounters start = cg->read();
  kernel_pipe_rounds(std::chrono::milliseconds(500));
  const ReclaimCounters d = reclaim_delta(start, cg->read());
  const std::uint64_t cgroup_reclaim =
      d.failcnt.value_or(0) + d.pgscan.value_or(0) + d.events_max.value_or(0);
  EXPECT_GT(cgroup_reclaim, 0u) << format_counters(d);
  // More than the page-cache child does alone (measured before we moved in, over 500 ms).
  ASSERT_TRUE(cg->idle_delta().has_value());
  const ReclaimCounters& idle = *cg->idle_delta();
  EXPECT_GT(cgroup_reclaim,
            idle.failcnt.value_or(0) + idle.pgscan.value_or(0) + idle.events_max.value_or(0))
      << format_counters(d) << " vs idle " << format_counters(idle);
  EXPECT_TRUE(reclaim_caused(d));
  EXPECT_NE(cg->usage_note().find("of its 64.0 MiB limit"), std::string::npos) << cg->usage_note();

  ASSERT_TRUE(cg->stop(error)) << error;
  EXPECT_TRUE(cg->stop(error));  // idempotent
  EXPECT_FALSE(exists(dir));
  EXPECT_EQ(own_cgroups(), before_cgroups);
  EXPECT_NE(::kill(child, 0), 0) << "the page-cache child is still there";
}

TEST(BenchReclaimCgroup, DeadCacheChildIsReported) {
  ReclaimSpec spec;
  spec.limit_bytes = 32ull << 20;
  if (const auto why = ReclaimCgroup::unavailable(spec)) GTEST_SKIP() << *why;
  std::string error;
  auto cg = ReclaimCgroup::start(spec, error);
  ASSERT_NE(cg, nullptr) << error;
  const std::string dir = cg->dir();
  ASSERT_EQ(::kill(cg->cache_child(), SIGKILL), 0);
  std::string why;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (cg->cache_child_running(why) && Clock::now() < deadline) ::usleep(10'000);
  EXPECT_FALSE(cg->cache_child_running(why));
  EXPECT_NE(why.find("killed by signal 9"), std::string::npos) << why;
  cg.reset();  // the destructor cleans up as well
  EXPECT_FALSE(exists(dir));
}

TEST(BenchReclaimCgroup, TmpfsCacheDirectoryIsRefused) {
  ReclaimSpec spec;
  spec.cache_dir = "/dev/shm";
  if (!exists(spec.cache_dir)) GTEST_SKIP() << "no /dev/shm";
  std::string error;
  EXPECT_EQ(ReclaimCgroup::start(spec, error), nullptr);
  if (error.find("no memory cgroup") != std::string::npos) GTEST_SKIP() << error;
  EXPECT_NE(error.find("tmpfs"), std::string::npos) << error;
  const auto why = ReclaimCgroup::unavailable(spec);
  ASSERT_TRUE(why.has_value());
}

}  // namespace
