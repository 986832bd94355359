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

namespace {

// [WORKERS][:BYTES] into `spec`.
bool parse_stress_ng(std::string_view text, PressureSpec& spec, std::string& why) {
  const auto colon = text.find(':');
  const std::string_view workers = text.substr(0, colon);
  if (!workers.empty()) {
    const auto n = parse_count(workers);
    if (!n || *n == 0 || *n > kMaxWorkers) {
      why = fmt::format("expected WORKERS from 1 to {} in [WORKERS][:BYTES]", kMaxWorkers);
      return false;
    }
    spec.workers = *n;
  }
  if (colon != std::string_view::npos) {
    const std::string_view bytes = text.substr(colon + 1);
    if (!valid_bytes(bytes)) {
      why = "expected BYTES such as 64M, 1G or 80% in [WORKERS][:BYTES]";
      return false;
    }
    spec.vm_bytes = std::string(bytes);
  }
  return true;
}

}  // namespace

std::optional<PressureSpec> parse_pressure_spec(std::string_view text, std::string& why) {
  PressureSpec spec;
  constexpr std::string_view kCgroup = "cgroup";
  constexpr std::string_view kStressNg = "stress-ng";
  if (text.empty() || text == kCgroup) {
    spec.mode = PressureMode::cgroup;
    return spec;
  }
  if (text.substr(0, kCgroup.size() + 1) == "cgroup:") {
    spec.mode = PressureMode::cgroup;
    const auto limit = parse_size(text.substr(kCgroup.size() + 1));
    if (!limit || *limit < kMinCgroupLimit) {
      why = "expected LIMIT of at least 16M, such as 512M or 1G, in cgroup[:LIMIT]";
      return std::nullopt;
    }
    spec.cgroup_limit = *limit;
    return spec;
  }
  if (text == kStressNg) return spec;
  if (text.substr(0, kStressNg.size() + 1) == "stress-ng:") {
    text.remove_prefix(kStressNg.size() + 1);
    if (text.empty()) {
      why = "expected WORKERS and/or BYTES after stress-ng:";
      return std::nullopt;
    }
  } else if (text.find_first_not_of("0123456789:%KkMmGg") != std::string_view::npos) {
    why = "expected cgroup[:LIMIT], stress-ng[:WORKERS[:BYTES]] or [WORKERS][:BYTES]";
    return std::nullopt;
  }
  if (!parse_stress_ng(text, spec, why)) return std::nullopt;
  return spec;
}

std::vector<std::string> stress_ng_args(const PressureSpec& spec) {
  return {"--vm",     std::to_string(spec.workers), "--vm-bytes", spec.vm_bytes, "--vm-method",
          spec.method};
}

std::string describe(const PressureSpec& spec) {
  if (spec.mode == PressureMode::cgroup) {
    return spec.cgroup_limit == 0
               ? std::string("memory cgroup, limit chosen at start")
               : fmt::format("memory cgroup, limit {}", format_size(spec.cgroup_limit));
  }
  return fmt::format("stress-ng {}", fmt::join(stress_ng_args(spec), " "));
}

}  // namespace pipe_bench
