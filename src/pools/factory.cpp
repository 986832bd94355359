// make_pool and the policy names.
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "pipepool/page_pool.hpp"
#include "pools/policies.hpp"
#include "pools/shrinker.hpp"

namespace pipepool {

// Returns nullptr for a null allocator or invalid sizes; callers treat nullptr as "unsupported".
std::unique_ptr<PagePool> make_pool(PolicyKind kind, std::shared_ptr<PageAllocator> allocator,
                                    const PoolSizes& sizes) {
  if (allocator == nullptr || validate(sizes)) return nullptr;
  switch (kind) {
    case PolicyKind::legacy:
      return pools::make_legacy_pool(std::move(allocator), sizes);
    case PolicyKind::prealloc:
      return pools::make_prealloc_pool(std::move(allocator), sizes);
    case PolicyKind::unified:
      return pools::make_unified_pool(std::move(allocator), sizes);
    case PolicyKind::shrinker:
      return pools::make_shrinker_pool(std::move(allocator), sizes);
  }
  return nullptr;
}

std::optional<PolicyKind> parse_policy_kind(std::string_view name) noexcept {
  if (name == "legacy") return PolicyKind::legacy;
  if (name == "prealloc") return PolicyKind::prealloc;
  if (name == "unified") return PolicyKind::unified;
  if (name == "shrinker") return PolicyKind::shrinker;
  return std::nullopt;
}

std::string_view to_string(PolicyKind kind) noexcept {
  switch (kind) {
    case PolicyKind::legacy:
      return "legacy";
    case PolicyKind::prealloc:
      return "prealloc";
    case PolicyKind::unified:
      return "unified";
    case PolicyKind::shrinker:
      return "shrinker";
  }
  return "unknown";
}

}  // namespace pipepool
