// The benchmark targets by name: what `-t` accepts and how each is made.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "pipe_bench/targets/target.hpp"

namespace pipe_bench {

// Every target name, in the default run order.
[[nodiscard]] const std::vector<std::string_view>& known_targets() noexcept;
[[nodiscard]] bool is_known_target(std::string_view name) noexcept;
// nullptr for an unknown name.
[[nodiscard]] std::unique_ptr<Target> make_target(std::string_view name,
                                                  const TargetConfig& config);

}  // namespace pipe_bench
