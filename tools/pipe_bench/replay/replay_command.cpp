#include "pipe_bench/replay/replay_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipe_bench/context.hpp"
#include "pipe_bench/kernel_pages/kernel_counters.hpp"
#include "pipe_bench/options.hpp"
#include "pipe_bench/replay/recorder.hpp"
#include "pipe_bench/replay/recording_file.hpp"
#include "pipe_bench/replay/replay_report.hpp"
#include "pipe_bench/replay/replay_source.hpp"
#include "pipe_bench/report_files.hpp"
#include "pipe_bench/run_loop.hpp"
#include "pipepool/page_pool.hpp"

namespace pipe_bench::replay {
namespace {

constexpr int kUsage = 2;

struct Args {
  std::optional<std::string> record;
  std::optional<std::string> replay;
  std::vector<std::string> command;
  std::string targets = "legacy,prealloc,unified,shrinker";
  std::optional<std::string> json;
  std::optional<std::string> csv;
  bool summary = false;
  std::string tracefs = kernel_pages::kDefaultTracefs;
  RecorderChoice recorder = RecorderChoice::automatic;
  bool recorder_given = false;
  PoolSizeFlags pool_sizes;
};

int usage_error(std::FILE* err, const std::string& message) {
  std::fprintf(err, "pipe_bench: %s\n", message.c_str());
  return kUsage;
}

std::vector<std::string> split_list(std::string_view list) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const std::size_t comma = list.find(',', pos);
    const std::size_t stop = comma == std::string_view::npos ? list.size() : comma;
    out.emplace_back(list.substr(pos, stop - pos));
    pos = stop + 1;
  }
  return out;
}

int do_record(const Args& args, std::FILE* out, std::FILE* err) {
  const RecordOutcome outcome = record(args.command, args.tracefs, args.recorder, err);
  if (!outcome.note.empty()) std::fprintf(err, "pipe_bench: --record: %s\n", outcome.note.c_str());
  if (!outcome.recording) {
    std::fprintf(err, "pipe_bench: --record: %s\n", outcome.error.c_str());
    return 1;
  }
  std::ofstream f(*args.record);
  write_recording(f, *outcome.recording);
  f.close();
  if (!f) {
    std::fprintf(err, "pipe_bench: --record: cannot write %s\n", args.record->c_str());
    return 1;
  }
  const KernelCount& k = outcome.recording->kernel;
  std::fprintf(out, "recorded %zu pipe calls with %s (%s) to %s\n", outcome.recording->calls.size(),
               outcome.recording->recorder.c_str(), outcome.summary.c_str(), args.record->c_str());
  for (const auto& [what, times] : outcome.recording->warnings) {
    std::fprintf(out, "warning: %s (%llu times)\n", what.c_str(),
                 static_cast<unsigned long long>(times));
  }
  if (k.allocs && k.frees) {
    std::fprintf(out, "kernel pipe pages: %llu allocated, %llu freed (%s)\n",
                 static_cast<unsigned long long>(*k.allocs),
                 static_cast<unsigned long long>(*k.frees), kernel_pages::kSourceName);
  } else {
    std::fprintf(out, "kernel pipe pages: unavailable: %s\n", k.unavailable.c_str());
  }
  return 0;
}

// The session's options: one configuration, one run of every target, the kernel's recorded
// count first; the files the command line asked for.
Options replay_options(const Args& args, std::vector<std::string> targets,
                       const pipepool::PoolSizes& sizes) {
  Options o;
  o.writers = {0};
  o.readers = {0};
  o.msg_sizes = {0};
  o.msg_size = 0;
  o.duration_s = 0;
  o.targets = std::move(targets);
  o.baselines = {"kernel"};
  o.baseline = "kernel";
  o.summary = args.summary;
  o.json_path = args.json.value_or("");
  o.csv_path = args.csv.value_or("");
  o.copy = pipepool::CopyMode::kernel;
  o.pool_sizes = sizes;
  return o;
}

int do_replay(const Args& args, std::FILE* out, std::FILE* err) {
  std::vector<std::string> targets{"kernel"};  // always the first row
  for (const std::string& name : split_list(args.targets)) {
    if (name == "kernel") continue;
    if (name != "kernel-replay" && !pipepool::parse_policy_kind(name)) {
      return usage_error(err, fmt::format("--replay: unknown target \"{}\" (replay targets: "
                                          "kernel-replay, legacy, prealloc, unified, shrinker)",
                                          name));
    }
    targets.push_back(name);
  }
  // The kernel's replay, when asked for, is the row after the kernel's recorded count.
  std::stable_partition(targets.begin() + 1, targets.end(),
                        [](const std::string& t) { return t == "kernel-replay"; });
  pipepool::PoolSizes sizes;
  if (auto why = parse_pool_size_flags(args.pool_sizes, sizes); !why.empty()) {
    return usage_error(err, why);
  }
  ReadRecording read = read_recording_file(*args.replay);
  if (!read.recording) return usage_error(err, "--replay: " + read.error);
  const Recording& recording = *read.recording;
  const Options options = replay_options(args, std::move(targets), sizes);
  RunContext context = collect_context();
  context.copy_mode = "kernel";
  context.pool_sizes = sizes;

  ReplaySource source(*args.replay, recording, sizes, args.tracefs);
  RunObserver quiet;  // the table below is printed once every row is in
  SessionResults session;
  const std::vector<Configuration> plan = make_plan(options);
  if (const int code = run_plan(options, plan, source, quiet, session, err); code != 0) {
    return code;
  }
  std::vector<TargetResult> rows;
  for (const auto& series : session.results.front().series) {
    rows.insert(rows.end(), series.runs.begin(), series.runs.end());
  }
  const ReplayHeader header{*args.replay, recording.recorder, recording.command, sizes};
  print_replay_table(header, rows, out);
  if (args.summary) {
    std::fputs(("\nsummary\n" + format_replay_summary(header, rows)).c_str(), out);
  }
  return write_report_files(options, context, session, {}, err);
}

}  // namespace

bool is_replay_command(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--") return false;
    if (a == "--record" || a == "--replay" || a.starts_with("--record=") ||
        a.starts_with("--replay=")) {
      return true;
    }
  }
  return false;
}

int run_replay_command(int argc, char** argv, std::FILE* out, std::FILE* err) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") {
      for (int j = i + 1; j < argc; ++j) args.command.emplace_back(argv[j]);
      break;
    }
    std::optional<std::string> inline_value;
    if (const std::size_t eq = a.find('='); a.starts_with("--") && eq != std::string_view::npos) {
      inline_value = std::string(a.substr(eq + 1));
      a = a.substr(0, eq);
    }
    auto value = [&](std::optional<std::string>& slot) -> bool {
      if (inline_value) {
        slot = *inline_value;
        return true;
      }
      if (i + 1 >= argc) return false;
      slot = argv[++i];
      return true;
    };
    std::optional<std::string> v;
    if (a == "--record") {
      if (!value(args.record)) return usage_error(err, "--record needs a FILE");
    } else if (a == "--replay") {
      if (!value(args.replay)) return usage_error(err, "--replay needs a FILE");
    } else if (a == "-t" || a == "--targets") {
      if (!value(v)) return usage_error(err, "-t needs a list of policies");
      args.targets = *v;
    } else if (a == "--json") {
      if (!value(args.json)) return usage_error(err, "--json needs a FILE");
    } else if (a == "--csv") {
      if (!value(args.csv)) return usage_error(err, "--csv needs a FILE");
    } else if (a == "--summary") {
      args.summary = true;
    } else if (a == "--legacy-cache") {
      if (!value(args.pool_sizes.legacy_cache)) return usage_error(err, "--legacy-cache needs N");
    } else if (a == "--pool-keep") {
      if (!value(args.pool_sizes.keep)) return usage_error(err, "--pool-keep needs N");
    } else if (a == "--pool-max") {
      if (!value(args.pool_sizes.max)) return usage_error(err, "--pool-max needs N");
    } else if (a == "--recorder") {
      if (!value(v)) return usage_error(err, "--recorder needs tracepoints or strace");
      if (*v == "tracepoints") {
        args.recorder = RecorderChoice::tracepoints;
      } else if (*v == "strace") {
        args.recorder = RecorderChoice::strace;
      } else {
        return usage_error(
            err, fmt::format("--recorder: unknown recorder \"{}\" (tracepoints, strace)", *v));
      }
      args.recorder_given = true;
    } else if (a == "--tracefs") {
      if (!value(v)) return usage_error(err, "--tracefs needs a directory");
      args.tracefs = *v;
    } else {
      return usage_error(
          err, fmt::format("{} is not an option of --record / --replay "
                           "(--record FILE [--recorder R] -- CMD..., --replay FILE [-t POLICIES] "
                           "[--json F] [--csv F] [--summary] [--legacy-cache N] "
                           "[--pool-keep N] [--pool-max N])",
                           a));
    }
  }
  if (args.record && args.replay) return usage_error(err, "--record and --replay are exclusive");
  if (args.record) {
    if (args.command.empty()) return usage_error(err, "--record FILE needs -- CMD [ARGS...]");
    if (args.json || args.csv || args.summary) {
      return usage_error(err, "--json / --csv / --summary go with --replay");
    }
    if (args.pool_sizes.legacy_cache || args.pool_sizes.keep || args.pool_sizes.max) {
      return usage_error(err, "--legacy-cache / --pool-keep / --pool-max go with --replay");
    }
    return do_record(args, out, err);
  }
  if (!args.command.empty()) return usage_error(err, "--replay takes no command");
  if (args.recorder_given) return usage_error(err, "--recorder goes with --record");
  return do_replay(args, out, err);
}

}  // namespace pipe_bench::replay
