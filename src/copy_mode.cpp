// CopyMode names and the process-wide default from $PIPEPOOL_COPY.
#include <cstdlib>

#include "internal/fork_guard.hpp"
#include "pipepool/pipe.hpp"

namespace pipepool {

std::optional<CopyMode> parse_copy_mode(std::string_view name) noexcept {
  if (name == "kernel") return CopyMode::kernel;
  if (name == "parallel") return CopyMode::parallel;
  return std::nullopt;
}

std::string_view to_string(CopyMode mode) noexcept {
  return mode == CopyMode::kernel ? "kernel" : "parallel";
}

CopyMode default_copy_mode() noexcept {
  static const CopyMode mode = [] {
    internal::register_fork_handlers();  // fork waits for this first computation to finish
    const char* env = std::getenv("PIPEPOOL_COPY");
    if (env == nullptr) return CopyMode::parallel;
    return parse_copy_mode(env).value_or(CopyMode::parallel);  // invalid: the default stays
  }();
  return mode;
}

}  // namespace pipepool
