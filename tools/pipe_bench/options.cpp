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

#include "pipe_bench/duration_text.hpp"
#include "pipe_bench/exec_path.hpp"
#include "pipe_bench/options_help.hpp"
#include "pipe_bench/reclaim_cgroup.hpp"
#include "pipe_bench/targets/registry.hpp"
#include "pipe_bench/verify.hpp"

namespace pipe_bench {
namespace {

constexpr unsigned kMaxThreads = 1024;
constexpr unsigned kMaxRuns = 1000;
constexpr std::size_t kMaxMsgSize = std::size_t{1} << 30;   // 1 GiB per thread buffer
constexpr std::size_t kMaxPipeSize = std::size_t{1} << 31;  // F_SETPIPE_SZ: EINVAL above
constexpr double kMaxDuration = 24 * 3600.0;
constexpr double kMaxRate = 1e8;
constexpr double kMaxMaxTime = 7 * 24 * 3600.0;

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

// `text` as a whole number from `min` to `max`; nullopt when it is anything else.
std::optional<unsigned> parse_bounded(std::string_view text, unsigned min, unsigned max) noexcept {
  const auto n = parse_uint(text);
  if (!n || *n < min || *n > max) return std::nullopt;
  return static_cast<unsigned>(*n);
}

// Splits "a,b,c"; an empty item is an error naming `flag`.
std::vector<std::string_view> split_list(std::string_view flag, std::string_view text) {
  std::vector<std::string_view> items;
  std::string_view rest = text;
  for (;;) {
    const auto comma = rest.find(',');
    const auto item = rest.substr(0, comma);
    if (item.empty()) bad(flag, "empty item in the list", text);
    items.push_back(item);
    if (comma == std::string_view::npos) return items;
    rest.remove_prefix(comma + 1);
  }
}

template <typename T>
void reject_duplicates(std::string_view flag, const std::vector<T>& values, std::string_view text) {
  if (std::set<T>(values.begin(), values.end()).size() != values.size()) {
    bad(flag, "a value is given twice", text);
  }
}

std::vector<unsigned> parse_threads(std::string_view flag, const std::string& text) {
  std::vector<unsigned> out;
  for (const auto item : split_list(flag, text)) {
    const auto n = parse_bounded(item, 1, kMaxThreads);
    if (!n) {
      bad(flag, fmt::format("expected thread counts from 1 to {}, e.g. 5 or 1,2,5", kMaxThreads),
          text);
    }
    out.push_back(*n);
  }
  reject_duplicates(flag, out, text);
  return out;
}

std::size_t parse_size_flag(std::string_view flag, const std::string& text, std::size_t max) {
  const auto n = parse_size(text);
  if (!n) bad(flag, "expected a size such as 4096, 64K or 1M (suffixes K, M, G)", text);
  if (*n == 0) bad(flag, "must be at least 1 byte", text);
  if (*n > max) bad(flag, fmt::format("must be at most {}", format_size(max)), text);
  return *n;
}

double parse_positive(std::string_view flag, const std::string& text, double max,
                      std::string_view example) {
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::fixed);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value)) {
    bad(flag, fmt::format("expected a number such as {}", example), text);
  }
  if (value <= 0) bad(flag, "must be greater than 0", text);
  if (value > max) bad(flag, fmt::format("must be at most {:g}", max), text);
  return value;
}

std::vector<std::string> parse_targets(const std::string& text) {
  std::vector<std::string> targets;
  const auto names = fmt::format("{}", fmt::join(known_targets(), ", "));
  for (const auto name : split_list("--target", text)) {
    if (!is_known_target(name)) {
      bad("--target", fmt::format("unknown target '{}' (known: {})", name, names), text);
    }
    targets.emplace_back(name);
  }
  reject_duplicates("--target", targets, text);
  return targets;
}

std::vector<std::uint64_t> parse_costs(const std::string& text) {
  std::vector<std::uint64_t> out;
  for (const auto item : split_list("--alloc-cost", text)) {
    const auto cost = parse_uint(item);
    if (!cost) bad("--alloc-cost", "expected nanoseconds as whole numbers, e.g. 0,250,1000", text);
    out.push_back(*cost);
  }
  reject_duplicates("--alloc-cost", out, text);
  return out;
}

struct ModelFlags {
  std::string preset, file, free_cost, free_share;
};

double parse_percent(std::string_view flag, const std::string& text) {
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::fixed);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value) || value < 0 ||
      value > 100) {
    bad(flag, "expected a percentage from 0 to 100, e.g. 50", text);
  }
  return value;
}

// The model allocator's preset and costs; see Options::model for the precedence.
void parse_model_flags(const CLI::App& app, const ModelFlags& f, Options& options) {
  const std::pair<const char*, const std::string*> flags[] = {{"--model-preset", &f.preset},
                                                              {"--model", &f.file},
                                                              {"--free-cost", &f.free_cost},
                                                              {"--free-share", &f.free_share}};
  for (const auto& [flag, value] : flags) {
    if (app.count(flag) != 0 && options.allocator != pipepool::AllocatorKind::model) {
      bad(flag, "only the model allocator has presets and costs; add -a model", *value);
    }
  }
  const bool has_preset = app.count("--model-preset") != 0;
  const bool has_file = app.count("--model") != 0;
  if (has_preset && has_file) bad("--model", "give either --model-preset or --model", f.file);
  if (has_preset || has_file) {
    const PresetOutcome outcome = has_preset ? builtin_preset(f.preset) : preset_from_file(f.file);
    if (!outcome.preset && has_preset) bad("--model-preset", outcome.error, f.preset);
    // The file's error names the path already.
    if (!outcome.preset) throw BadFlag{fmt::format("--model: {}", outcome.error)};
    const ModelPreset& p = *outcome.preset;
    options.model.alloc_cost_ns = p.alloc_cost_ns;
    options.model.free_cost_ns = p.free_cost_ns;
    options.model.reclaim_stall_probability = p.reclaim_stall_probability;
    options.model.reclaim_stall_ns = p.reclaim_stall_ns;
    options.model_preset = p;
  }
  const bool has_alloc = app.count("--alloc-cost") != 0;
  const bool has_free = app.count("--free-cost") != 0;
  if (app.count("--free-share") != 0) {
    const double pct = parse_percent("--free-share", f.free_share);
    if (!options.model_preset) {
      bad("--free-share", "re-splits a preset's costs; add --model-preset or --model",
          f.free_share);
    }
    if (has_alloc && has_free) {
      bad("--free-share", "has no effect with both --alloc-cost and --free-cost", f.free_share);
    }
    const CostSplit split =
        split_costs(options.model.alloc_cost_ns, options.model.free_cost_ns, pct / 100);
    options.model.alloc_cost_ns = split.alloc_cost_ns;
    options.model.free_cost_ns = split.free_cost_ns;
  }
  if (has_free) {
    const auto cost = parse_uint(f.free_cost);
    if (!cost) bad("--free-cost", "expected nanoseconds as a whole number, e.g. 250", f.free_cost);
    options.model.free_cost_ns = *cost;
  }
  if (has_alloc) {
    options.model.alloc_cost_ns = options.alloc_costs.front();
  } else {
    options.alloc_costs = {options.model.alloc_cost_ns};
  }
}

// Opens the file for writing without truncating it, so that an unwritable path fails before the
// run rather than after it.
void check_writable(std::string_view flag, const std::string& path) {
  if (path.empty()) bad(flag, "expected a file name", path);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) bad(flag, fmt::format("cannot open for writing: {}", std::strerror(errno)), path);
  ::close(fd);
}

std::string require_program(std::string_view flag, std::string_view program,
                            std::string_view value) {
  auto path = find_executable(program);
  if (!path) {
    bad(flag, fmt::format("{} not found in PATH (scripts/install-deps.sh installs it)", program),
        value);
  }
  return *path;
}

// --ci-target and --max-time, which only --runs auto reads. The 3 rounds every configuration
// runs must fit in --max-time (the default too), counting the writing time only.
void parse_auto_runs(const CLI::App& app, const std::string& ci_target, const std::string& max_time,
                     Options& options) {
  const bool has_target = app.count("--ci-target") != 0;
  const bool has_time = app.count("--max-time") != 0;
  if (!options.runs_auto && (has_target || has_time)) {
    bad(has_target ? "--ci-target" : "--max-time", "only --runs auto reads it; add --runs auto",
        has_target ? ci_target : max_time);
  }
  if (has_target) {
    std::string_view pct = ci_target;
    if (!pct.empty() && pct.back() == '%') pct.remove_suffix(1);
    double value = 0;
    const auto* end = pct.data() + pct.size();
    const auto [ptr, ec] = std::from_chars(pct.data(), end, value, std::chars_format::fixed);
    if (pct.empty() || ec != std::errc() || ptr != end || !(value > 0) || !(value < 100)) {
      bad("--ci-target", "expected a percentage above 0 and below 100, e.g. 5", ci_target);
    }
    options.ci_target_pct = value;
  }
  if (has_time) {
    const auto seconds = parse_duration_s(max_time);
    if (!seconds) bad("--max-time", "expected a duration such as 90s, 10m or 1h", max_time);
    if (!(*seconds > 0)) bad("--max-time", "must be greater than 0", max_time);
    if (*seconds > kMaxMaxTime) bad("--max-time", "must be at most 7 days (168h)", max_time);
    options.max_time_s = *seconds;
  }
  if (!options.runs_auto) return;
  const std::size_t configs =
      options.alloc_costs.size() * options.writers.size() * options.readers.size();
  const double least =
      static_cast<double>(configs * kAutoMinRounds * options.targets.size()) * options.duration_s;
  if (options.max_time_s < least) {
    bad("--max-time",
        fmt::format("--runs auto runs at least {} rounds of every configuration: {} "
                    "configuration{} x {} rounds x {} target{} x {:g} s = {:g} s; raise "
                    "--max-time or lower --duration",
                    kAutoMinRounds, configs, configs == 1 ? "" : "s", kAutoMinRounds,
                    options.targets.size(), options.targets.size() == 1 ? "" : "s",
                    options.duration_s, least),
        has_time ? max_time : fmt::format("{:g}s (the default)", kDefaultMaxTimeS));
  }
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// --simulate and its flags. The simulation runs the pool policies in the kernel's lock shape with
// costs from a probe file; flags it does not model are refused rather than ignored. --runs N and
// --runs auto run over seeds: run k uses --seed + k - 1.
struct SimulateFlags {
  bool on = false;
  std::string cpus, seed, costs, lock = "fifo", pages = "kernel";
};

void add_simulate_flags(CLI::App& app, SimulateFlags& f) {
  app.add_flag("--simulate", f.on,
               "Simulate the workload in virtual time (SimGrid) instead of running it: the pool "
               "policies' own code in the kernel's lock shape, on --cpus simulated CPUs");
  app.add_option("--cpus", f.cpus, "With --simulate: simulated CPUs (default 2)")->type_name("N");
  app.add_option("--seed", f.seed,
                 "With --simulate: seed of the actors' start offsets (default 1); run k of --runs "
                 "uses seed + k - 1")
      ->type_name("K");
  app.add_option("--sim-costs", f.costs,
                 "With --simulate: CPU costs from a `--probe --probe-out` file (default: the "
                 "built-in probe figures, docs/SIMULATION.md)")
      ->type_name("FILE");
  app.add_option("--sim-lock", f.lock,
                 "With --simulate: the pipe mutex's and wait queues' model, fifo (FIFO hand-off, "
                 "free wake-ups), kernel (the kernel's: optimistic spinning, no hand-off until a "
                 "woken waiter lost once, wait queues that sleep at once) or pipepool (pipepool's "
                 "own: bounded spins, then futex); with kernel and pipepool, wake-ups onto an "
                 "idle CPU cost the probe's wake-up latency (default fifo)")
      ->type_name("MODEL");
  app.add_option("--sim-pages", f.pages,
                 "With --simulate: what a page costs by the CPU that touched it last, one-cpu "
                 "(the one-CPU probe figures everywhere), kernel (the kernel's pipe and page "
                 "allocator: copies, allocations and frees across CPUs at the probe's two-CPU "
                 "figures) or model (pipepool's model allocator: copies across CPUs at the "
                 "two-CPU figures, flat allocations and frees) (default kernel)")
      ->type_name("MODEL");
}

void parse_simulate_flags(const CLI::App& app, const SimulateFlags& f, Options& options) {
  for (const char* flag : {"--cpus", "--seed", "--sim-costs", "--sim-lock", "--sim-pages"}) {
    if (!f.on && app.count(flag) != 0) {
      bad(flag, "needs --simulate", app.get_option(flag)->as<std::string>());
    }
  }
  if (!f.on) return;
  SimulateOptions sim;
  if (app.count("--cpus") != 0) {
    const auto n = parse_bounded(f.cpus, 1, kMaxThreads);
    if (!n) bad("--cpus", fmt::format("expected a count from 1 to {}", kMaxThreads), f.cpus);
    sim.cpus = *n;
  }
  if (app.count("--seed") != 0) {
    const auto n = parse_uint(f.seed);
    if (!n) bad("--seed", "expected an unsigned integer", f.seed);
    sim.seed = *n;
  }
  sim.costs_path = f.costs;
  if (f.lock != "fifo" && f.lock != "kernel" && f.lock != "pipepool")
    bad("--sim-lock", "expected fifo, kernel or pipepool", f.lock);
  sim.lock_model = f.lock;
  if (f.pages != "one-cpu" && f.pages != "kernel" && f.pages != "model")
    bad("--sim-pages", "expected one-cpu, kernel or model", f.pages);
  sim.page_model = f.pages;
  if (app.count("--target") == 0) options.targets = kSimulateTargets;
  for (const auto& t : options.targets) {
    if (std::find(kSimulateTargets.begin(), kSimulateTargets.end(), t) == kSimulateTargets.end()) {
      bad("--target", "--simulate runs legacy, prealloc, unified and shrinker only", t);
    }
  }
  for (const char* flag : {"--probe", "--rate", "--verify", "--allocator", "--alloc-cost",
                           "--model-preset", "--model", "--free-cost", "--free-share"}) {
    if (app.count(flag) != 0) {
      bad(flag, "not available with --simulate", app.get_option(flag)->as<std::string>());
    }
  }
  if (options.copy == pipepool::CopyMode::parallel && app.count("--copy") != 0) {
    bad("--copy", "--simulate models the kernel copy mode only", "parallel");
  }
  options.copy = pipepool::CopyMode::kernel;
  if (app.count("--baseline") == 0) {
    options.baselines = {options.targets.front()};
  } else {
    for (const auto& b : options.baselines) {
      if (std::find(options.targets.begin(), options.targets.end(), b) == options.targets.end()) {
        bad("--baseline", fmt::format("'{}' is not one of the simulated targets", b), b);
      }
    }
  }
  options.baseline = options.baselines.front();
  if (app.count("--memory-pressure") != 0) {
    const auto spec = app.get_option("--memory-pressure")->as<std::string>();
    if (!spec.empty()) bad("--memory-pressure", "with --simulate it takes no SPEC", spec);
    sim.memory_pressure = true;
  }
  options.simulate = sim;
}

// The ring target is a single-producer/single-consumer ring: it runs only 1 writer / 1 reader.
void reject_ring_threads(const Options& options, std::string_view targets) {
  if (std::find(options.targets.begin(), options.targets.end(), "ring") == options.targets.end()) {
    return;
  }
  const auto one = [](const std::vector<unsigned>& v) {
    return std::all_of(v.begin(), v.end(), [](unsigned n) { return n == 1; });
  };
  if (!one(options.writers) || !one(options.readers)) {
    bad("--target", "ring runs only 1 writer and 1 reader (-w 1 -r 1)", targets);
  }
}

}  // namespace

std::string parse_pool_size_flags(const PoolSizeFlags& flags, pipepool::PoolSizes& sizes) {
  const std::pair<const char*, std::pair<const std::optional<std::string>*, unsigned*>> fields[] = {
      {"--legacy-cache", {&flags.legacy_cache, &sizes.legacy_cache}},
      {"--pool-keep", {&flags.keep, &sizes.keep}},
      {"--pool-max", {&flags.max, &sizes.max}}};
  for (const auto& [flag, field] : fields) {
    const auto& [text, value] = field;
    if (!*text) continue;
    const auto n = parse_bounded(**text, 1, pipepool::kPoolSizeLimit);
    if (!n) {
      return fmt::format("{}: expected pages from 1 to {}, got '{}'", flag,
                         pipepool::kPoolSizeLimit, **text);
    }
    *value = *n;
  }
  if (sizes.keep > sizes.max) {
    return fmt::format("--pool-keep: must not exceed --pool-max ({}{}), got '{}'", sizes.max,
                       flags.max ? "" : ", the default", sizes.keep);
  }
  return {};
}

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
  app.footer(help_footer());
  app.get_formatter()->column_width(32);
  std::string writers, readers, msg_size = "64K", duration = "3", pipe_size = "1M";
  std::string targets = fmt::format("{}", fmt::join(default_targets(), ","));
  std::string allocator = "os", alloc_cost, json, csv, plot, runs = "1", baseline, pressure, rate;
  std::string ci_target, max_time;
  bool summary = false, verify = false;
  bool probe = false;
  std::string probe_out, probe_samples;
  std::string copy = "parallel";
  std::string legacy_cache, pool_keep, pool_max;
  ModelFlags model;
  SimulateFlags simulate;

  app.add_option("-w,--writers", writers,
                 "Writer threads, 1-1024, or a comma list to sweep (default: 5, or the sweep 1,2,5 "
                 "when neither -w nor -r is given)")
      ->type_name("N[,N...]");
  app.add_option("-r,--readers", readers,
                 "Reader threads, 1-1024, or a comma list to sweep (default: 5, or the sweep "
                 "1,5,10 when neither -w nor -r is given)")
      ->type_name("N[,N...]");
  app.add_option("-s,--msg-size", msg_size,
                 "Bytes per write; suffixes K, M, G are powers of 1024 (default 64K). May exceed "
                 "the pipe size, as with the kernel tool. A comma list sweeps the size")
      ->type_name("SIZE[,SIZE...]");
  app.add_option("-d,--duration", duration,
                 "Seconds of writing per run, fractions allowed (default 3)")
      ->type_name("SECONDS");
  app.add_option("-p,--pipe-size", pipe_size,
                 "Pipe size set with F_SETPIPE_SZ, suffixes K, M, G (default 1M). Above 1M the "
                 "kernel (and pipepool, like it) refuses unprivileged growth with EPERM")
      ->type_name("SIZE");
  app.add_option("-t,--target", targets,
                 fmt::format("Comma list of targets to run, in order, from: {} (default {})",
                             fmt::join(known_targets(), ", "), fmt::join(default_targets(), ",")))
      ->type_name("LIST");
  app.add_option("-a,--allocator", allocator,
                 "Page allocator of the pipepool targets: os, heap or model (default os)")
      ->type_name("NAME");
  app.add_option("--alloc-cost", alloc_cost,
                 "Nanoseconds the model allocator busy-waits per allocation (needs -a model; "
                 "default 0, or the preset's, which it overrides). A comma list sweeps the cost, "
                 "e.g. 0,250,1000,4000,16000")
      ->type_name("NS[,NS...]");
  app.add_option("--model-preset", model.preset,
                 fmt::format("Model allocator preset compiled into pipe_bench: {} (needs -a "
                             "model). Sets the alloc and free costs and the reclaim stall",
                             fmt::join(builtin_preset_names(), ", ")))
      ->type_name("NAME");
  app.add_option("--model", model.file,
                 "Model allocator preset file, e.g. written by pipe_bench --probe (needs -a "
                 "model; instead of --model-preset)")
      ->type_name("FILE");
  app.add_option("--free-cost", model.free_cost,
                 "Nanoseconds the model allocator busy-waits per page free (needs -a model; "
                 "default 0, or the preset's). Overrides the preset's free cost")
      ->type_name("NS");
  app.add_option("--free-share", model.free_share,
                 "Re-split the preset's alloc + free cost: free = PCT% of the sum, alloc the "
                 "rest (0-100; needs a preset). --alloc-cost / --free-cost still override")
      ->type_name("PCT");
  app.add_option("--runs", runs,
                 "Runs per target and configuration, interleaved A B C A B C (default 1). With 2 "
                 "or more, reports give the median and min-max, and ratios a 95% CI. 'auto': "
                 "rounds (A B C, C B A, ...) until every comparison's CI is within --ci-target "
                 "or --max-time is spent")
      ->type_name("N|auto");
  app.add_option("--baseline", baseline,
                 "The target the others are compared with (default the first of -t); a comma "
                 "list compares with each, e.g. legacy,prealloc")
      ->type_name("NAME[,NAME...]");
  app.add_option("--ci-target", ci_target,
                 fmt::format("With --runs auto: the 95% CI half-width, in percent of the ratio, "
                             "that resolves a comparison (default {:g})",
                             kDefaultCiTargetPct))
      ->type_name("PCT");
  app.add_option("--max-time", max_time,
                 "With --runs auto: time for all configurations together, e.g. 90s, 10m, 1h "
                 "(default 10m); split evenly, time a resolved configuration leaves goes to the "
                 "next ones")
      ->type_name("DURATION");
  app.add_flag("--summary", summary,
               "Also print a short comparison text, one line per target and configuration, to "
               "paste into a cover letter");
  app.add_option("--memory-pressure", pressure,
                 "Make page allocation reclaim (default: cgroup): SPEC is cgroup[:LIMIT] (a memory "
                 "cgroup of its own, limit LIMIT or usage + 256M, kept full of page cache; needs "
                 "root), stress-ng[:WORKERS[:BYTES]] or the older [WORKERS][:BYTES] (stress-ng "
                 "--vm 4 --vm-bytes 80% --vm-method all by default, as the kernel selftest). "
                 "Each run reports the reclaim counters' growth. With --simulate (no SPEC): "
                 "allocations stall in reclaim as the built-in kernel-reclaim preset measured")
      ->expected(0, 1)
      ->type_name("[=SPEC]");
  app.add_option("--rate", rate,
                 "Open loop: each writer sends N writes/s on a fixed schedule and latency counts "
                 "from the intended send time (default: closed loop)")
      ->type_name("N");
  app.add_flag("--verify", verify,
               "Writers send sequence-numbered, checksummed records of min(--msg-size, 4096) "
               "bytes (packet mode where the target has it); readers check every record; any "
               "loss, duplicate or corruption exits 1");
  app.add_option("--json", json, "Also write the results as JSON to this file")->type_name("FILE");
  app.add_option("--csv", csv, "Also write one CSV row per run to this file")->type_name("FILE");
  app.add_option("--plot", plot,
                 "Also draw writes/s per target with min-max error bars (gnuplot) to FILE.png or "
                 "FILE.svg")
      ->type_name("FILE");
  app.add_option("--copy", copy,
                 "Copy mode of the pipepool targets: parallel (copies outside the pipe mutex) or "
                 "kernel (copies under it, as fs/pipe.c) (default parallel)")
      ->type_name("MODE");
  app.add_option("--legacy-cache", legacy_cache,
                 fmt::format("Pages legacy and prealloc keep between calls, tmp_page's slots: 1 "
                             "(Linux before tmp_page[2]) to {} (default {})",
                             pipepool::kPoolSizeLimit, pipepool::kLegacyCache))
      ->type_name("N");
  app.add_option("--pool-keep", pool_keep,
                 fmt::format("PIPE_PREALLOC_KEEP: pages unified keeps when a read or write ends, "
                             "1 to --pool-max (default {})",
                             pipepool::kPreallocKeep))
      ->type_name("N");
  app.add_option("--pool-max", pool_max,
                 fmt::format("PIPE_PREALLOC_MAX: the largest prefill burst (prealloc, unified, "
                             "shrinker) and unified's pool size, 1 to {} (default {})",
                             pipepool::kPoolSizeLimit, pipepool::kPreallocMax))
      ->type_name("N");
  app.add_flag("--probe", probe,
               "Measure what a kernel pipe write costs (system call, copy, page alloc and free "
               "per 4 KiB page) on the running kernel, print the figures and the model preset "
               "derived from them, and exit; runs no benchmark");
  app.add_option("--probe-out", probe_out,
                 "With --probe: also write the preset JSON (pipepool-model-preset/1) to this file "
                 "(default: no file)")
      ->type_name("FILE");
  app.add_option("--probe-samples", probe_samples,
                 fmt::format("With --probe: measured rounds, {}-{} (default {})", kProbeMinSamples,
                             kProbeMaxSamples, kProbeDefaultSamples))
      ->type_name("N");
  add_simulate_flags(app, simulate);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return {std::nullopt, 0, app.help()};
  } catch (const CLI::ParseError& e) {
    return {std::nullopt, 2, fmt::format("pipe_bench: {}", e.what())};
  }

  try {
    Options options;
    const bool has_writers = app.count("--writers") != 0;
    const bool has_readers = app.count("--readers") != 0;
    options.sweep = !has_writers && !has_readers;
    options.writers = has_writers ? parse_threads("--writers", writers)
                                  : (options.sweep ? kSweepWriters : std::vector<unsigned>{5});
    options.readers = has_readers ? parse_threads("--readers", readers)
                                  : (options.sweep ? kSweepReaders : std::vector<unsigned>{5});
    options.msg_sizes.clear();
    for (const auto item : split_list("--msg-size", msg_size)) {
      options.msg_sizes.push_back(parse_size_flag("--msg-size", std::string(item), kMaxMsgSize));
    }
    reject_duplicates("--msg-size", options.msg_sizes, msg_size);
    options.msg_size = options.msg_sizes.front();
    const auto copy_mode = pipepool::parse_copy_mode(copy);
    if (!copy_mode) bad("--copy", "expected kernel or parallel", copy);
    options.copy = *copy_mode;
    PoolSizeFlags size_flags;
    if (app.count("--legacy-cache") != 0) size_flags.legacy_cache = legacy_cache;
    if (app.count("--pool-keep") != 0) size_flags.keep = pool_keep;
    if (app.count("--pool-max") != 0) size_flags.max = pool_max;
    if (auto why = parse_pool_size_flags(size_flags, options.pool_sizes); !why.empty()) {
      throw BadFlag{std::move(why)};
    }
    options.duration_s = parse_positive("--duration", duration, kMaxDuration, "3 or 0.5");
    options.pipe_size = parse_size_flag("--pipe-size", pipe_size, kMaxPipeSize);
    options.targets = parse_targets(targets);
    reject_ring_threads(options, targets);
    const auto kind = pipepool::parse_allocator_kind(allocator);
    if (!kind) bad("--allocator", "expected os, heap or model", allocator);
    options.allocator = *kind;
    if (app.count("--alloc-cost") != 0) {
      options.alloc_costs = parse_costs(alloc_cost);
      if (options.allocator != pipepool::AllocatorKind::model) {
        bad("--alloc-cost", "only the model allocator has a cost; add -a model", alloc_cost);
      }
    }
    parse_model_flags(app, model, options);
    options.runs_auto = runs == "auto";
    const auto n_runs = options.runs_auto ? std::optional<unsigned>(kAutoMinRounds)
                                          : parse_bounded(runs, 1, kMaxRuns);
    if (!n_runs) {
      bad("--runs", fmt::format("expected a count from 1 to {}, or auto", kMaxRuns), runs);
    }
    options.runs = *n_runs;
    options.baselines = {options.targets.front()};
    if (app.count("--baseline") != 0) {
      options.baselines.clear();
      for (const auto name : split_list("--baseline", baseline)) {
        if (std::find(options.targets.begin(), options.targets.end(), name) ==
            options.targets.end()) {
          bad("--baseline", fmt::format("'{}' is not one of the targets given with -t", name),
              baseline);
        }
        options.baselines.emplace_back(name);
      }
      reject_duplicates("--baseline", options.baselines, baseline);
    }
    options.baseline = options.baselines.front();
    options.summary = summary;
    if (app.count("--rate") != 0) {
      options.rate = parse_positive("--rate", rate, kMaxRate, "1000 writes/s per writer");
    }
    parse_auto_runs(app, ci_target, max_time, options);
    options.verify = verify;
    if (verify && verify_record_size(*std::min_element(
                      options.msg_sizes.begin(), options.msg_sizes.end())) < kRecordHeaderSize) {
      bad("--verify",
          fmt::format("records need at least {} bytes; raise --msg-size", kRecordHeaderSize),
          msg_size);
    }
    // With --simulate, memory pressure is the simulated allocator's reclaim stalls (no cgroup).
    if (app.count("--memory-pressure") != 0 && !simulate.on) {
      std::string why;
      options.pressure = parse_pressure_spec(pressure, why);
      if (!options.pressure) bad("--memory-pressure", why, pressure);
      if (options.pressure->mode == PressureMode::stress_ng) {
        options.stress_ng = require_program("--memory-pressure", "stress-ng", pressure);
      } else if (const auto why = ReclaimCgroup::unavailable(ReclaimSpec{})) {
        bad("--memory-pressure", *why + " (--memory-pressure=stress-ng needs no cgroup)", pressure);
      }
    }
    if (app.count("--plot") != 0) {
      if (!ends_with(plot, ".png") && !ends_with(plot, ".svg")) {
        bad("--plot", "the file name must end in .png or .svg", plot);
      }
      options.gnuplot = require_program("--plot", "gnuplot", plot);
      check_writable("--plot", plot);
      options.plot_path = plot;
    }
    if (app.count("--json") != 0) {
      check_writable("--json", json);
      options.json_path = json;
    }
    if (app.count("--csv") != 0) {
      check_writable("--csv", csv);
      options.csv_path = csv;
    }
    options.probe = probe;
    if (probe && options.pressure && options.pressure->mode != PressureMode::cgroup) {
      bad("--memory-pressure", "--probe runs under reclaim in cgroup mode only", pressure);
    }
    if (app.count("--probe-samples") != 0) {
      if (!probe) bad("--probe-samples", "needs --probe", probe_samples);
      const auto n = parse_bounded(probe_samples, kProbeMinSamples, kProbeMaxSamples);
      if (!n) {
        bad("--probe-samples",
            fmt::format("expected a count from {} to {}", kProbeMinSamples, kProbeMaxSamples),
            probe_samples);
      }
      options.probe_samples = *n;
    }
    if (app.count("--probe-out") != 0) {
      if (!probe) bad("--probe-out", "needs --probe", probe_out);
      check_writable("--probe-out", probe_out);
      options.probe_out = probe_out;
    }
    parse_simulate_flags(app, simulate, options);
    return {std::move(options), 0, {}};
  } catch (const BadFlag& e) {
    return {std::nullopt, 2, fmt::format("pipe_bench: {}", e.message)};
  }
}

}  // namespace pipe_bench
