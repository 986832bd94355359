#include "pipe_bench/pressure_spec.hpp"

#include <fmt/format.h>

#include <charconv>

#include "pipe_bench/options.hpp"

namespace pipe_bench {
namespace {

constexpr unsigned kMaxWorkers = 256;

std::optional<unsigned> parse_count(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool valid_bytes(std::string_view text) {
  if (!text.empty() && text.back() == '%') {
    const auto percent = parse_count(text.substr(0, text.size() - 1));
    return percent && *percent >= 1 && *percent <= 100;
  }
  const auto size = parse_size(text);
  return size && *size > 0;
}

}  // namespace

std::uint64_t requested_bytes(const PressureSpec& spec, std::uint64_t available) {
  const std::string_view text = spec.vm_bytes;
  if (!text.empty() && text.back() == '%') {
    const auto percent = parse_count(text.substr(0, text.size() - 1));
    return percent ? available / 100 * *percent : 0;
  }
  return parse_size(text).value_or(0);
}

std::optional<PressureSpec> parse_pressure_spec(std::string_view text, std::string& why) {
  PressureSpec spec;
  const auto colon = text.find(':');
  const std::string_view workers = text.substr(0, colon);
  if (!workers.empty()) {
    const auto n = parse_count(workers);
    if (!n || *n == 0 || *n > kMaxWorkers) {
      why = fmt::format("expected WORKERS from 1 to {} in [WORKERS][:BYTES]", kMaxWorkers);
      return std::nullopt;
    }
    spec.workers = *n;
  }
  if (colon != std::string_view::npos) {
    const std::string_view bytes = text.substr(colon + 1);
    if (!valid_bytes(bytes)) {
      why = "expected BYTES such as 64M, 1G or 80% in [WORKERS][:BYTES]";
      return std::nullopt;
    }
    spec.vm_bytes = std::string(bytes);
  }
  return spec;
}

std::vector<std::string> stress_ng_args(const PressureSpec& spec) {
  return {"--vm",     std::to_string(spec.workers), "--vm-bytes", spec.vm_bytes, "--vm-method",
          spec.method};
}

std::string describe(const PressureSpec& spec) {
  return fmt::format("stress-ng {}", fmt::join(stress_ng_args(spec), " "));
}

}  // namespace pipe_bench
