// Where pipe_bench's memory cgroup goes: the cgroup mounts from mountinfo, our own cgroups from
// /proc/self/cgroup (v1 memory line, v2 "0::" line), and the directory of a cgroup path in a
// mount (also a mount of a sub-tree, as in a cgroup namespace).
#include <gtest/gtest.h>

#include "pipe_bench/cgroup_location.hpp"

namespace {

using namespace pipe_bench;

constexpr const char* kHybrid =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "22 1 8:1 / / rw,relatime - ext4 /dev/vda rw\n";

TEST(BenchReclaimLocation, MountsOfAHybridHierarchy) {
  const auto mounts = parse_cgroup_mounts(kHybrid);
  ASSERT_EQ(mounts.size(), 4u);
  EXPECT_EQ(mounts[1].mount_point, "/sys/fs/cgroup/memory");
  EXPECT_TRUE(mounts[1].memory);
  EXPECT_FALSE(mounts[1].v2);
  EXPECT_FALSE(mounts[0].memory);
  EXPECT_FALSE(mounts[2].memory);  // name=systemd
  EXPECT_TRUE(mounts[3].v2);
  EXPECT_EQ(mounts[3].mount_point, "/sys/fs/cgroup/unified");
  EXPECT_EQ(mounts[3].root, "/");
}

TEST(BenchReclaimLocation, OwnCgroupsV1AndV2) {
  const auto own = parse_proc_cgroup(
      "9:name=systemd:/\n4:memory:/process_api/32c8\n2:cpu,cpuacct:/\n0::/user.slice\n");
  ASSERT_TRUE(own.v1_memory.has_value());
  EXPECT_EQ(*own.v1_memory, "/process_api/32c8");
  ASSERT_TRUE(own.v2.has_value());
  EXPECT_EQ(*own.v2, "/user.slice");
  const auto pure = parse_proc_cgroup("0::/\n");
  EXPECT_EQ(pure.v2, "/");
  EXPECT_FALSE(pure.v1_memory.has_value());
  EXPECT_FALSE(parse_proc_cgroup("garbage\n").v2.has_value());
  EXPECT_EQ(parse_proc_cgroup("5:blkio,memory:/a\n").v1_memory, "/a");
}

TEST(BenchReclaimLocation, CgroupPathInAMount) {
  CgroupMount m{"/", "/sys/fs/cgroup/memory", false, true};
  EXPECT_EQ(cgroup_dir(m, "/process_api/x"), "/sys/fs/cgroup/memory/process_api/x");
  EXPECT_EQ(cgroup_dir(m, "/"), "/sys/fs/cgroup/memory");
  CgroupMount sub{"/docker/abc", "/sys/fs/cgroup", true, false};
  EXPECT_EQ(cgroup_dir(sub, "/docker/abc/app"), "/sys/fs/cgroup/app");
  EXPECT_EQ(cgroup_dir(sub, "/docker/abc"), "/sys/fs/cgroup");
  EXPECT_FALSE(cgroup_dir(sub, "/other").has_value());
  EXPECT_FALSE(cgroup_dir(sub, "/docker/abcd").has_value());
}

TEST(BenchReclaimLocation, ControllerLists) {
  EXPECT_TRUE(has_word("cpuset cpu io memory pids\n", "memory"));
  EXPECT_TRUE(has_word("rw,memory", "memory"));
  EXPECT_FALSE(has_word("cpu io pids\n", "memory"));
  EXPECT_FALSE(has_word("memory_recursiveprot", "memory"));
  EXPECT_FALSE(has_word("", "memory"));
}

}  // namespace
