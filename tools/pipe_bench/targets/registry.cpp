#include "pipe_bench/targets/registry.hpp"

#include <algorithm>

#include "pipe_bench/kernel_pages/counted_target.hpp"
#include "pipe_bench/targets/kernel_target.hpp"
#include "pipe_bench/targets/memcpy_target.hpp"
#include "pipe_bench/targets/pipepool_target.hpp"
#include "pipe_bench/targets/procs_target.hpp"
#include "pipe_bench/targets/relay_target.hpp"
#include "pipe_bench/targets/ring_target.hpp"
#include "pipe_bench/targets/shared_procs_target.hpp"
#include "pipe_bench/targets/vmsplice_target.hpp"

namespace pipe_bench {
namespace {

struct Entry {
  std::string_view name;
  std::string_view description;
};

constexpr Entry kEntries[] = {
    {"kernel", "kernel pipe2() pipe, writer and reader threads"},
    {"kernel-procs", "kernel pipe, writers and readers as forked processes"},
    {"procs", "pipepool shared pipe (PP_O_SHARED), writers and readers as forked processes"},
    {"kernel-vmsplice", "kernel pipe, writers vmsplice() rotating page-aligned buffers"},
    {"legacy", "pipepool, tmp_page[2] (Linux <= 7.1)"},
    {"prealloc", "pipepool, + on-stack burst of 8 before the mutex (7.2)"},
    {"unified", "pipepool, one per-pipe pool trimmed to 2 (7.3)"},
    {"shrinker", "pipepool, pool kept up to a cap, reclaimed by a shrinker"},
    {"memcpy", "no pipe: the ceiling, a ring of slots written and read with memcpy"},
    {"ring", "no pipe: 1 writer / 1 reader only, a lock-free byte ring (small-write ceiling)"},
    {"vmsplice", "pipepool (unified), writers vmsplice() rotating page-aligned buffers"},
    {"kernel-splice", "kernel pipes A -> B: write A, a relay thread splice()s A to B, read B"},
    {"splice", "pipepool pipes A -> B (unified): write A, a relay thread splices A to B, read B"},
};

// A policy pipepool does not build makes make_pool return nullptr.
bool policy_available(pipepool::PolicyKind kind) {
  pipepool::AllocatorOptions options;
  options.kind = pipepool::AllocatorKind::heap;
  return pipepool::make_pool(kind, pipepool::make_allocator(options)) != nullptr;
}

}  // namespace

const std::vector<std::string_view>& known_targets() noexcept {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const auto& e : kEntries) {
      if (e.name == "shrinker" && !policy_available(pipepool::PolicyKind::shrinker)) continue;
      out.push_back(e.name);
    }
    return out;
  }();
  return names;
}

const std::vector<std::string_view>& default_targets() noexcept {
  static const std::vector<std::string_view> names{"kernel", "legacy", "prealloc", "unified"};
  return names;
}

bool is_known_target(std::string_view name) noexcept {
  const auto& names = known_targets();
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string_view describe_target(std::string_view name) noexcept {
  for (const auto& e : kEntries) {
    if (e.name == name) return e.description;
  }
  return {};
}

namespace {

// A kernel pipe target, counting the kernel's pipe pages; nullptr for other names.
std::unique_ptr<Target> make_kernel_pipe_target(std::string_view name, const TargetConfig& config) {
  std::unique_ptr<Target> target;
  if (name == "kernel") target = make_kernel_target(config);
  if (name == "kernel-procs") target = make_procs_target(config);
  if (name == "kernel-vmsplice") target = make_vmsplice_target(config);
  if (name == "kernel-splice") target = make_kernel_relay_target(config);
  return kernel_pages::count_kernel_pages(std::move(target), config.tracefs_root);
}

}  // namespace

std::unique_ptr<Target> make_target(std::string_view name, const TargetConfig& config) {
  if (!is_known_target(name)) return nullptr;
  if (auto kernel = make_kernel_pipe_target(name, config)) return kernel;
  if (name == "procs") return make_shared_procs_target(config);
  if (name == "memcpy") return make_memcpy_target(config);
  if (name == "ring") return make_ring_target(config);
  if (name == "vmsplice") return make_pipepool_vmsplice_target(config);
  if (name == "splice") return make_pipepool_relay_target(config);
  const auto policy = pipepool::parse_policy_kind(name);
  if (!policy) return nullptr;
  return make_pipepool_target(*policy, config);
}

}  // namespace pipe_bench
