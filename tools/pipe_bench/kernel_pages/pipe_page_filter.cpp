#include "pipe_bench/kernel_pages/pipe_page_filter.hpp"

#include <fmt/format.h>

#include <array>
#include <string_view>

namespace pipe_bench::kernel_pages {
namespace {

std::string missing_field(const TracepointFormat& format, std::string_view event) {
  for (const std::string_view field : {"order", "gfp_flags"}) {
    if (field == "gfp_flags" && event != "mm_page_alloc") continue;
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
  return {"order == 0", {}};
}

}  // namespace pipe_bench::kernel_pages
