#include "pipe_bench/options.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <set>

#include "pipe_bench/targets/registry.hpp"

namespace pipe_bench {
namespace {

constexpr unsigned kMaxThreads = 1024;
constexpr std::size_t kMaxMsgSize = std::size_t{1} << 30;   // 1 GiB per thread buffer
constexpr std::size_t kMaxPipeSize = std::size_t{1} << 31;  // F_SETPIPE_SZ: EINVAL above
constexpr double kMaxDuration = 24 * 3600.0;

// Thrown inside parse_options to abort with one line naming the flag.
struct BadFlag {
  std::string message;
};

[[noreturn]] void bad(std::string_view flag, std::string_view what, std::string_view value) {
  throw BadFlag{fmt::format("{}: {}, got '{}'", flag, what, value)};
}

std::optional<std::uint64_t> parse_uint(std::string_view text) noexcept {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

unsigned parse_threads(std::string_view flag, const std::string& text) {
  const auto n = parse_uint(text);
  if (!n || *n == 0 || *n > kMaxThreads) {
    bad(flag, fmt::format("expected a thread count from 1 to {}", kMaxThreads), text);
  }
  return static_cast<unsigned>(*n);
}

std::size_t parse_size_flag(std::string_view flag, const std::string& text, std::size_t max) {
  const auto n = parse_size(text);
  if (!n) bad(flag, "expected a size such as 4096, 64K or 1M (suffixes K, M, G)", text);
  if (*n == 0) bad(flag, "must be at least 1 byte", text);
  if (*n > max) bad(flag, fmt::format("must be at most {}", format_size(max)), text);
  return *n;
}

double parse_duration(const std::string& text) {
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::fixed);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value)) {
    bad("--duration", "expected seconds such as 3 or 0.5", text);
  }
  if (value <= 0) bad("--duration", "must be greater than 0", text);
  if (value > kMaxDuration) bad("--duration", "must be at most 86400 seconds", text);
  return value;
}

std::vector<std::string> parse_targets(const std::string& text) {
  std::vector<std::string> targets;
  std::set<std::string_view> seen;
  std::string_view rest = text;
  const auto names = fmt::format("{}", fmt::join(known_targets(), ", "));
  for (;;) {
    const auto comma = rest.find(',');
    const auto name = rest.substr(0, comma);
    if (name.empty()) bad("--target", "empty name in the list", text);
    if (!is_known_target(name)) {
      bad("--target", fmt::format("unknown target '{}' (known: {})", name, names), text);
    }
    if (!seen.insert(name).second) {
      bad("--target", fmt::format("target '{}' given twice", name), text);
    }
    targets.emplace_back(name);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return targets;
}

// Opens the file for writing without truncating it, so that an unwritable path fails before the
// run rather than after it.
void check_writable(const std::string& path) {
  if (path.empty()) bad("--json", "expected a file name", path);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) bad("--json", fmt::format("cannot open for writing: {}", std::strerror(errno)), path);
  ::close(fd);
}

constexpr const char* kFooter = R"(
Each target runs the kernel selftest's workload on one fresh pipe resized to --pipe-size:
--writers threads loop write(--msg-size) until --duration has passed, --readers threads read
until EOF. Write latency is the wall time of one whole message (partial writes are completed).
Targets: kernel = real pipe2() pipes; legacy, prealloc, unified = pipepool pipes with that page
pool policy over the --allocator. MB/s is MiB/s. Exit status: 0 ok, 1 run failure, 2 bad input.)";

}  // namespace

std::optional<std::size_t> parse_size(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  std::size_t shift = 0;
  switch (text.back()) {
    case 'K':
    case 'k':
      shift = 10;
      break;
    case 'M':
    case 'm':
      shift = 20;
      break;
    case 'G':
    case 'g':
      shift = 30;
      break;
    default:
      break;
  }
  if (shift != 0) text.remove_suffix(1);
  const auto n = parse_uint(text);
  if (!n || *n > (SIZE_MAX >> shift)) return std::nullopt;
  return static_cast<std::size_t>(*n << shift);
}

std::string format_size(std::size_t bytes) {
  if (bytes != 0 && bytes % (std::size_t{1} << 30) == 0) return fmt::format("{} GiB", bytes >> 30);
  if (bytes != 0 && bytes % (std::size_t{1} << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  if (bytes != 0 && bytes % (std::size_t{1} << 10) == 0) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} B", bytes);
}

ParseOutcome parse_options(int argc, const char* const* argv) {
  CLI::App app{"pipe_bench: the kernel pipe selftest's workload on kernel pipes and pipepool pipes",
               "pipe_bench"};
  app.footer(kFooter);
  std::string writers = "5", readers = "5", msg_size = "64K", duration = "3", pipe_size = "1M";
  std::string targets = fmt::format("{}", fmt::join(known_targets(), ","));
  std::string allocator = "os", alloc_cost, json;

  app.add_option("-w,--writers", writers, "Writer threads, 1-1024 (default 5)")->type_name("N");
  app.add_option("-r,--readers", readers, "Reader threads, 1-1024 (default 5)")->type_name("N");
  app.add_option("-s,--msg-size", msg_size,
                 "Bytes per write; suffixes K, M, G are powers of 1024 (default 64K). May exceed "
                 "the pipe size, as with the kernel tool")
      ->type_name("SIZE");
  app.add_option("-d,--duration", duration,
                 "Seconds of writing per target, fractions allowed (default 3)")
      ->type_name("SECONDS");
  app.add_option("-p,--pipe-size", pipe_size,
                 "Pipe size set with F_SETPIPE_SZ, suffixes K, M, G (default 1M). Above 1M the "
                 "kernel (and pipepool, like it) refuses unprivileged growth with EPERM")
      ->type_name("SIZE");
  app.add_option("-t,--target", targets,
                 fmt::format("Comma list of targets to run, in order, from: {} (default all)",
                             fmt::join(known_targets(), ", ")))
      ->type_name("LIST");
  app.add_option("-a,--allocator", allocator,
                 "Page allocator of the pipepool targets: os, heap or model (default os)")
      ->type_name("NAME");
  app.add_option("--alloc-cost", alloc_cost,
                 "Nanoseconds the model allocator busy-waits per allocation (needs -a model; "
                 "default 0)")
      ->type_name("NS");
  app.add_option("--json", json, "Also write the results as JSON to this file")->type_name("FILE");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return {std::nullopt, 0, app.help()};
  } catch (const CLI::ParseError& e) {
    return {std::nullopt, 2, fmt::format("pipe_bench: {}", e.what())};
  }

  try {
    Options options;
    options.writers = parse_threads("--writers", writers);
    options.readers = parse_threads("--readers", readers);
    options.msg_size = parse_size_flag("--msg-size", msg_size, kMaxMsgSize);
    options.duration_s = parse_duration(duration);
    options.pipe_size = parse_size_flag("--pipe-size", pipe_size, kMaxPipeSize);
    options.targets = parse_targets(targets);
    const auto kind = pipepool::parse_allocator_kind(allocator);
    if (!kind) bad("--allocator", "expected os, heap or model", allocator);
    options.allocator = *kind;
    if (app.count("--alloc-cost") != 0) {
      const auto cost = parse_uint(alloc_cost);
      if (!cost) bad("--alloc-cost", "expected nanoseconds as a whole number", alloc_cost);
      if (options.allocator != pipepool::AllocatorKind::model) {
        bad("--alloc-cost", "only the model allocator has a cost; add -a model", alloc_cost);
      }
      options.alloc_cost_ns = *cost;
    }
    if (app.count("--json") != 0) {
      check_writable(json);
      options.json_path = json;
    }
    return {std::move(options), 0, {}};
  } catch (const BadFlag& e) {
    return {std::nullopt, 2, fmt::format("pipe_bench: {}", e.message)};
  }
}

}  // namespace pipe_bench
