#include "pipe_bench/text_report.hpp"

#include <fmt/format.h>

#include "pipe_bench/report.hpp"
#include "pipe_bench/resolve_report.hpp"
#include "pipe_bench/summary.hpp"

namespace pipe_bench {
namespace {

void print(std::FILE* f, const std::string& text) {
  std::fputs(text.c_str(), f);
  std::fflush(f);
}

}  // namespace

TextReporter::TextReporter(const Options& options, std::size_t configs, std::FILE* out,
                           std::string source)
    : options_(options), configs_(configs), out_(out), source_(std::move(source)) {}

void TextReporter::config_started(const Configuration& config) {
  if (configs_ > 1 || !source_.empty()) {
    print(out_, format_config_header(
                    config, configs_, options_.alloc_costs.size() > 1,
                    options_.msg_sizes.size() > 1 ? message_size(options_, config) : 0, source_));
  }
  print(out_, format_table_header(options_.runs > 1));
}

void TextReporter::run_finished(const TargetResult& result) {
  print(out_, format_row(result, options_.runs > 1));
  print(out_, format_reclaim_row(result));
  if (result.run.verify) {
    print(out_, fmt::format("{:>15}  verify: {}\n", "", result.run.verify->describe()));
  }
}

void TextReporter::config_finished(const ConfigResults& results,
                                   const std::vector<Comparison>& comparisons) {
  std::vector<TargetResult> pooled_runs;
  for (const auto& s : results.series) pooled_runs.push_back(pooled(s));
  if (options_.runs > 1) {
    print(out_, format_medians(results));
    print(out_, format_pool_table(pooled_runs));
    print(out_, format_comparisons(comparisons, results.config.index));
  } else {
    print(out_, format_pool_table(pooled_runs));
    print(out_, format_ratios(pooled_runs, options_.baseline));
  }
}

std::string format_closing(const Options& options, const SessionResults& session,
                           const RunContext& context) {
  std::string text;
  if (session.results.size() > 1) {
    text += format_sweep_table(session.results, options.alloc_costs.size() > 1);
  }
  text += format_resolution(session.results, session.comparisons);
  if (options.summary) {
    text += "\nsummary\n" + format_summary(session.results, session.comparisons, context);
  }
  return text;
}

}  // namespace pipe_bench
