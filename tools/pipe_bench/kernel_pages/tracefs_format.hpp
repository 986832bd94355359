// Reading a tracepoint's `format` file (tracefs events/<system>/<event>/format): its id, its
// fields, and the flag names its print fmt decodes, with their values as this kernel defines them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace pipe_bench::kernel_pages {

// Where a field lies in the event's raw record (PERF_SAMPLE_RAW data).
struct FieldLayout {
  std::size_t offset = 0;
  std::size_t size = 0;
  bool is_signed = false;
  bool operator==(const FieldLayout&) const = default;
};

struct TracepointFormat {
  std::optional<std::uint64_t> id;  // the "ID:" line: perf_event_attr.config for this event
  std::map<std::string, std::string, std::less<>> fields;  // field name -> its C declaration
  std::map<std::string, FieldLayout, std::less<>> layout;  // field name -> offset, size, sign
  // Every entry of the print fmt's __print_flags tables whose value evaluates to a constant,
  // e.g. "__GFP_ACCOUNT" -> 0x400000. Composite names (GFP_KERNEL, ...) are included too.
  std::map<std::string, std::uint64_t, std::less<>> flags;
};

// Parses a format file's text. Unknown lines are ignored; a flag entry whose value is not a
// constant expression of numbers, casts, parentheses and ~ << >> & | is left out.
[[nodiscard]] TracepointFormat parse_tracepoint_format(std::string_view text);

// Evaluates one flag table value, e.g. "( unsigned long)(( gfp_t)((((1UL))) << (22)))" or
// "(unsigned long)((__force gfp_t)0x400000u)". nullopt when it is not such a constant.
[[nodiscard]] std::optional<std::uint64_t> evaluate_flag_value(std::string_view expr);

}  // namespace pipe_bench::kernel_pages
