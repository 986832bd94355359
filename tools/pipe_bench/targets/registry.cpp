#include "pipe_bench/targets/registry.hpp"

#include <algorithm>

#include "pipe_bench/targets/kernel_target.hpp"
#include "pipe_bench/targets/pipepool_target.hpp"

namespace pipe_bench {

const std::vector<std::string_view>& known_targets() noexcept {
  static const std::vector<std::string_view> names{"kernel", "legacy", "prealloc", "unified"};
  return names;
}

bool is_known_target(std::string_view name) noexcept {
  const auto& names = known_targets();
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::unique_ptr<Target> make_target(std::string_view name, const TargetConfig& config) {
  if (!is_known_target(name)) return nullptr;
  if (name == "kernel") return make_kernel_target(config);
  const auto policy = pipepool::parse_policy_kind(name);
  if (!policy) return nullptr;
  return make_pipepool_target(*policy, config);
}

}  // namespace pipe_bench
