#include "pipe_bench/runner.hpp"

#include <fmt/format.h>

#include <chrono>
#include <fstream>

#include "pipe_bench/context.hpp"
#include "pipe_bench/report.hpp"
#include "pipe_bench/targets/registry.hpp"
#include "pipe_bench/workload.hpp"

namespace pipe_bench {
namespace {

TargetConfig target_config(const Options& options) {
  TargetConfig config;
  config.pipe_size = options.pipe_size;
  config.allocator = options.allocator;
  config.alloc_cost_ns = options.alloc_cost_ns;
  return config;
}

RunConfig run_config(const Options& options, std::string_view allocator) {
  RunConfig config;
  config.writers = options.writers;
  config.readers = options.readers;
  config.msg_size = options.msg_size;
  config.duration_s = options.duration_s;
  config.pipe_size = options.pipe_size;
  config.allocator = std::string(allocator);
  config.alloc_cost_ns = options.alloc_cost_ns;
  return config;
}

void print(std::FILE* f, const std::string& text) {
  std::fputs(text.c_str(), f);
  std::fflush(f);
}

}  // namespace

int preflight(const Options& options, std::FILE* err) {
  for (const auto& name : options.targets) {
    auto target = make_target(name, target_config(options));
    if (!target) {
      print(err, fmt::format("pipe_bench: --target: unknown target '{}'\n", name));
      return 2;
    }
    OpenResult opened = target->open();
    if (!opened.endpoints) {
      print(err, fmt::format("pipe_bench: {}\n", opened.error));
      return opened.exit_code;
    }
  }
  return 0;
}

std::optional<TargetResult> run_target(const Options& options, const std::string& name,
                                       std::FILE* err, int& exit_code) {
  auto target = make_target(name, target_config(options));
  if (!target) {
    print(err, fmt::format("pipe_bench: --target: unknown target '{}'\n", name));
    exit_code = 2;
    return std::nullopt;
  }
  OpenResult opened = target->open();
  if (!opened.endpoints) {
    print(err, fmt::format("pipe_bench: {}\n", opened.error));
    exit_code = opened.exit_code;
    return std::nullopt;
  }
  WorkloadConfig workload;
  workload.writers = options.writers;
  workload.readers = options.readers;
  workload.msg_size = options.msg_size;
  workload.duration = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(options.duration_s));
  TargetResult result{name, run_config(options, target->allocator_label()),
                      run_workload(*opened.endpoints, workload)};
  if (!result.run.ok()) {
    print(err, fmt::format("pipe_bench: {}: {}\n", name, result.run.error));
    exit_code = 1;
    return std::nullopt;
  }
  return result;
}

int run_benchmark(const Options& options, std::FILE* out, std::FILE* err) {
  if (const int code = preflight(options, err); code != 0) return code;
  const RunContext context = collect_context();
  print(out, format_header(run_config(options, pipepool::to_string(options.allocator)), context));
  print(out, format_table_header());
  std::vector<TargetResult> results;
  for (const auto& name : options.targets) {
    int exit_code = 0;
    auto result = run_target(options, name, err, exit_code);
    if (!result) return exit_code;
    print(out, format_row(*result));
    results.push_back(std::move(*result));
  }
  print(out, format_pool_table(results));
  print(out, format_ratios(results));
  if (!options.json_path.empty()) {
    std::ofstream file(options.json_path, std::ios::trunc);
    file << to_json(context, results).dump(2) << '\n';
    file.close();
    if (!file) {
      print(err, fmt::format("pipe_bench: --json: writing '{}' failed\n", options.json_path));
      return 1;
    }
  }
  return 0;
}

}  // namespace pipe_bench
