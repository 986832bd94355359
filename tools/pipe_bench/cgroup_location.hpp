// Where pipe_bench can make a memory cgroup of its own, from /proc/self/mountinfo and
// /proc/self/cgroup.
//
// cgroup v2 is used when its hierarchy has the memory controller (in the mount's
// cgroup.controllers): the new cgroup goes under the nearest ancestor of our own cgroup (or the
// root, when we are in it) whose cgroup.subtree_control enables memory, since a v2 cgroup that
// holds processes cannot give controllers to its children. Otherwise cgroup v1: the new cgroup
// is a child of our own memory cgroup.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pipe_bench {

struct CgroupMount {
  std::string root;         // the mounted directory of the hierarchy (mountinfo field 4)
  std::string mount_point;  // where it is mounted
  bool v2 = false;
  bool memory = false;  // v1: mounted with the memory controller
};

// The cgroup mounts listed in mountinfo `text`.
[[nodiscard]] std::vector<CgroupMount> parse_cgroup_mounts(std::string_view text);

struct OwnCgroups {
  std::optional<std::string> v2;         // "0::<path>"
  std::optional<std::string> v1_memory;  // "<n>:<...,memory,...>:<path>"
};
[[nodiscard]] OwnCgroups parse_proc_cgroup(std::string_view text);

// `path` (from /proc/self/cgroup) as a directory under `mount`; nullopt when it is outside the
// mounted directory.
[[nodiscard]] std::optional<std::string> cgroup_dir(const CgroupMount& mount,
                                                    const std::string& path);

struct CgroupLocation {
  int version = 0;         // 1 or 2
  std::string parent_dir;  // where to create pipe_bench's cgroup
  std::string own_dir;     // the cgroup we are in now, to move back to
};

// Reads the live /proc and cgroup files. nullopt with `why` (one phrase) when no memory cgroup
// can be made here.
[[nodiscard]] std::optional<CgroupLocation> locate_memory_cgroup(std::string& why);

// Reads a small file whole; nullopt when it cannot be opened.
[[nodiscard]] std::optional<std::string> read_text_file(const std::string& path);
// Whether the space-separated `list` holds `word` ("cpu io memory pids", "memory").
[[nodiscard]] bool has_word(std::string_view list, std::string_view word);

}  // namespace pipe_bench
