// What /proc says about other processes: process groups and their resident memory.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace pipe_bench {

struct ProcessInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  pid_t pgid = 0;
  char state = '?';  // R, S, D, Z (zombie: dead, not yet reaped), ...
  std::string comm;
};

// Every process /proc lists now (those that vanish while being read are left out).
[[nodiscard]] std::vector<ProcessInfo> list_processes();
// The processes of group `pgid` that are not zombies.
[[nodiscard]] std::vector<ProcessInfo> live_group_members(pid_t pgid);
// Sum of VmRSS over the live processes of group `pgid`, in bytes.
[[nodiscard]] std::uint64_t group_rss_bytes(pid_t pgid);

}  // namespace pipe_bench
