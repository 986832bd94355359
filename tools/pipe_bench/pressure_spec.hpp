// --memory-pressure[=SPEC]: which stress-ng to run. SPEC is [WORKERS][:BYTES], e.g. "4:80%",
// "1:64M", "2" or ":50%"; what is left out keeps the kernel selftest's default,
// `stress-ng --vm 4 --vm-bytes 80% --vm-method all`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pipe_bench {

struct PressureSpec {
  unsigned workers = 4;          // --vm
  std::string vm_bytes = "80%";  // --vm-bytes: N[K|M|G] or P% of available memory
  std::string method = "all";    // --vm-method
};

// nullopt with `why` set (one phrase) on a bad SPEC. An empty SPEC gives the defaults.
[[nodiscard]] std::optional<PressureSpec> parse_pressure_spec(std::string_view text,
                                                              std::string& why);
// What stress-ng's vm workers map together, in bytes: --vm-bytes is split among the workers, and
// a percentage is of `available` (MemAvailable). 0 if vm_bytes does not parse.
[[nodiscard]] std::uint64_t requested_bytes(const PressureSpec& spec, std::uint64_t available);
// stress-ng's arguments after the program name.
[[nodiscard]] std::vector<std::string> stress_ng_args(const PressureSpec& spec);
// "stress-ng --vm 4 --vm-bytes 80% --vm-method all".
[[nodiscard]] std::string describe(const PressureSpec& spec);

}  // namespace pipe_bench
