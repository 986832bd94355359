#include "pipe_bench/kernel_pages/pipe_page_filter.hpp"

#include <fmt/format.h>

#include <array>
#include <string_view>

namespace pipe_bench::kernel_pages {
namespace {

// The trace entry's context bits (enum trace_flag_type in include/linux/trace_events.h, the same
// values since Linux 2.6.x): set when the event fired in a hard or soft interrupt.
constexpr unsigned kTraceFlagHardirq = 0x08;
constexpr unsigned kTraceFlagSoftirq = 0x10;

std::string missing_field(const TracepointFormat& format, std::string_view event) {
  for (const std::string_view field : {"order", "gfp_flags", "common_flags"}) {
    if (field == "gfp_flags" && event != "mm_page_alloc") continue;
    if (field == "common_flags" && event != "mm_page_free") continue;
    if (!format.fields.contains(field)) return fmt::format("{} has no field '{}'", event, field);
  }
  return {};
}

}  // namespace

FilterText pipe_page_alloc_filter(const TracepointFormat& format) {
  if (auto error = missing_field(format, "mm_page_alloc"); !error.empty()) return {{}, error};
  constexpr std::array<std::string_view, 3> kNames = {"__GFP_HIGHMEM", "__GFP_ACCOUNT",
                                                      "__GFP_MOVABLE"};
  std::array<std::uint64_t, 3> bits{};
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    const auto it = format.flags.find(kNames[i]);
    if (it == format.flags.end() || it->second == 0) {
      return {{}, fmt::format("mm_page_alloc's flag table has no {}", kNames[i])};
    }
    bits[i] = it->second;
  }
  return {fmt::format("order == 0 && gfp_flags & {:#x} && gfp_flags & {:#x} && "
                      "!(gfp_flags & {:#x})",
                      bits[0], bits[1], bits[2]),
          {}};
}

FilterText pipe_page_free_filter(const TracepointFormat& format) {
  if (auto error = missing_field(format, "mm_page_free"); !error.empty()) return {{}, error};
  // A pipe page is freed by the task that reads or closes the pipe, in process context; frees in
  // an interrupt that came while a counted task was current (RCU callbacks in softirq) are not.
  return {
      fmt::format("order == 0 && !(common_flags & {:#x})", kTraceFlagHardirq | kTraceFlagSoftirq),
      {}};
}

}  // namespace pipe_bench::kernel_pages
