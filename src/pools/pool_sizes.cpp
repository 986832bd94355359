// PoolSizes validation and its error category.
#include <string>

#include "pipepool/page_pool.hpp"

namespace pipepool {
namespace {

class PoolSizeCategory final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "pipepool.pool_sizes"; }

  [[nodiscard]] std::string message(int code) const override {
    const std::string bound = std::to_string(kPoolSizeLimit);
    switch (static_cast<PoolSizeError>(code)) {
      case PoolSizeError::legacy_cache_out_of_range:
        return "legacy_cache must be from 1 to " + bound + " pages";
      case PoolSizeError::keep_out_of_range:
        return "keep must be from 1 to " + bound + " pages";
      case PoolSizeError::max_out_of_range:
        return "max must be from 1 to " + bound + " pages";
      case PoolSizeError::keep_above_max:
        return "keep must not exceed max";
    }
    return "unknown pool size error";
  }

  [[nodiscard]] std::error_condition default_error_condition(int code) const noexcept override {
    if (code == 0) return {};
    return std::make_error_condition(std::errc::invalid_argument);
  }
};

bool in_range(unsigned pages) noexcept {
  return pages >= 1 && pages <= kPoolSizeLimit;
}

}  // namespace

const std::error_category& pool_size_category() noexcept {
  static const PoolSizeCategory category;
  return category;
}

std::error_code make_error_code(PoolSizeError e) noexcept {
  return {static_cast<int>(e), pool_size_category()};
}

std::error_code validate(const PoolSizes& sizes) noexcept {
  if (!in_range(sizes.legacy_cache)) return PoolSizeError::legacy_cache_out_of_range;
  if (!in_range(sizes.keep)) return PoolSizeError::keep_out_of_range;
  if (!in_range(sizes.max)) return PoolSizeError::max_out_of_range;
  if (sizes.keep > sizes.max) return PoolSizeError::keep_above_max;
  return {};
}

}  // namespace pipepool
