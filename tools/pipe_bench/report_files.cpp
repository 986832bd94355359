#include "pipe_bench/report_files.hpp"

#include <fmt/format.h>

#include <fstream>

#include "pipe_bench/csv_report.hpp"
#include "pipe_bench/json_report.hpp"
#include "pipe_bench/plot.hpp"
#include "pipe_bench/resolve_report.hpp"

namespace pipe_bench {
namespace {

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::trunc);
  file << text;
  file.close();
  return static_cast<bool>(file);
}

int fail(std::FILE* err, const std::string& line) {
  std::fputs(fmt::format("pipe_bench: {}\n", line).c_str(), err);
  std::fflush(err);
  return 1;
}

}  // namespace

int write_report_files(const Options& options, const RunContext& context,
                       const SessionResults& session, const std::string& plot_title,
                       std::FILE* err) {
  if (!options.json_path.empty()) {
    auto doc = session_json(context, session.results, session.comparisons, options.baselines);
    const auto runs = runs_options_json(options);
    for (const auto& [key, value] : runs.items()) doc["options"][key] = value;
    if (!write_file(options.json_path, doc.dump(2) + "\n")) {
      return fail(err, fmt::format("--json: writing '{}' failed", options.json_path));
    }
  }
  if (!options.csv_path.empty() && !write_file(options.csv_path, to_csv(session.results))) {
    return fail(err, fmt::format("--csv: writing '{}' failed", options.csv_path));
  }
  if (!options.plot_path.empty()) {
    PlotRequest request;
    request.path = options.plot_path;
    request.results = &session.results;
    request.title = plot_title;
    std::string error;
    if (!draw_plot(options.gnuplot, request, error)) return fail(err, error);
  }
  return 0;
}

}  // namespace pipe_bench
