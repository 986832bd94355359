#include "pipe_bench/duration_text.hpp"

#include <charconv>
#include <cmath>

namespace pipe_bench {

std::optional<double> parse_duration_s(std::string_view text) noexcept {
  double scale = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 's':
        text.remove_suffix(1);
        break;
      case 'm':
        scale = 60;
        text.remove_suffix(1);
        break;
      case 'h':
        scale = 3600;
        text.remove_suffix(1);
        break;
      default:
        break;
    }
  }
  if (text.empty() || text.front() == '-' || text.front() == '+') return std::nullopt;
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::fixed);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value * scale;
}

}  // namespace pipe_bench
