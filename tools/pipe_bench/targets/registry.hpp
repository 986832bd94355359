// The benchmark targets by name: what `-t` accepts and how each is made.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "pipe_bench/targets/target.hpp"

namespace pipe_bench {

// Every target this build can run, in a stable order: kernel, kernel-procs, procs, kernel-vmsplice,
// legacy, prealloc, unified, shrinker (when pipepool builds that policy), memcpy, ring, vmsplice,
// kernel-splice, splice.
[[nodiscard]] const std::vector<std::string_view>& known_targets() noexcept;
// What runs without -t: kernel, legacy, prealloc, unified.
[[nodiscard]] const std::vector<std::string_view>& default_targets() noexcept;
[[nodiscard]] bool is_known_target(std::string_view name) noexcept;
// One line on what the target measures, for --help.
[[nodiscard]] std::string_view describe_target(std::string_view name) noexcept;
// nullptr for an unknown name.
[[nodiscard]] std::unique_ptr<Target> make_target(std::string_view name,
                                                  const TargetConfig& config);

}  // namespace pipe_bench
