// pipe_bench's command line: parsing and validation, with no side effect other than checking that
// the --json file can be opened for writing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipepool/page_allocator.hpp"

namespace pipe_bench {

struct Options {
  unsigned writers = 5;
  unsigned readers = 5;
  std::size_t msg_size = 64 * 1024;
  double duration_s = 3.0;
  std::size_t pipe_size = 1024 * 1024;
  std::vector<std::string> targets;  // validated names, in the order given; never empty
  pipepool::AllocatorKind allocator = pipepool::AllocatorKind::os;
  std::uint64_t alloc_cost_ns = 0;  // model allocator busy-wait per allocation
  std::string json_path;            // empty: no JSON output
};

// Either options to run with, or an exit code and the text to print:
//   exit 0, `output` = help text (stdout)       for --help
//   exit 2, `output` = one-line error (stderr)  for bad input; the line names the flag
struct ParseOutcome {
  std::optional<Options> options;
  int exit_code = 0;
  std::string output;
};

[[nodiscard]] ParseOutcome parse_options(int argc, const char* const* argv);

// "4096", "64K", "1M", "2G" (suffixes are powers of 1024, either case). nullopt on an empty
// string, a bad suffix, a non-digit, or overflow.
[[nodiscard]] std::optional<std::size_t> parse_size(std::string_view text) noexcept;

// "1024" -> "1 KiB", "65536" -> "64 KiB", "1000" -> "1000 B".
[[nodiscard]] std::string format_size(std::size_t bytes);

}  // namespace pipe_bench
