// --memory-pressure[=SPEC]: which memory pressure to apply.
//
//   (empty) | cgroup[:LIMIT]              a memory cgroup of pipe_bench's own with a limit below
//                                         its working set, kept full of page cache, so that page
//                                         allocations reclaim (reclaim_cgroup.hpp). LIMIT is a
//                                         size (e.g. 512M); left out, it is chosen at start.
//   stress-ng[:WORKERS[:BYTES]]           `stress-ng --vm WORKERS --vm-bytes BYTES --vm-method all`
//   [WORKERS][:BYTES]                     the same stress-ng (the older syntax), e.g. "4:80%",
//                                         "1:64M", "2" or ":50%".
// What a stress-ng form leaves out keeps the kernel selftest's default,
// `stress-ng --vm 4 --vm-bytes 80% --vm-method all`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pipe_bench {

enum class PressureMode { cgroup, stress_ng };

struct PressureSpec {
  PressureMode mode = PressureMode::stress_ng;
  unsigned workers = 4;            // --vm
  std::string vm_bytes = "80%";    // --vm-bytes: N[K|M|G] or P% of available memory
  std::string method = "all";      // --vm-method
  std::uint64_t cgroup_limit = 0;  // cgroup mode: the memory limit in bytes; 0 = chosen at start
};

// The smallest LIMIT cgroup mode accepts.
inline constexpr std::uint64_t kMinCgroupLimit = std::uint64_t{16} << 20;

// nullopt with `why` set (one phrase) on a bad SPEC. An empty SPEC gives cgroup mode with its
// defaults.
[[nodiscard]] std::optional<PressureSpec> parse_pressure_spec(std::string_view text,
                                                              std::string& why);
// What stress-ng's vm workers map together, in bytes: --vm-bytes is split among the workers, and
// a percentage is of `available` (MemAvailable). 0 if vm_bytes does not parse.
[[nodiscard]] std::uint64_t requested_bytes(const PressureSpec& spec, std::uint64_t available);
// stress-ng's arguments after the program name.
[[nodiscard]] std::vector<std::string> stress_ng_args(const PressureSpec& spec);
// "stress-ng --vm 4 --vm-bytes 80% --vm-method all", or for cgroup mode "memory cgroup, limit
// 512 MiB" / "memory cgroup, limit chosen at start".
[[nodiscard]] std::string describe(const PressureSpec& spec);

}  // namespace pipe_bench
