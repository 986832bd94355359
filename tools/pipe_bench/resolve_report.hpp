// --runs auto around the run loop: the samples the stopping rule (resolve.hpp) reads from a
// configuration's runs, the resolution recorded in its comparisons, and how it is reported
// (table cell, the closing list of unresolved comparisons, JSON).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipe_bench/options.hpp"
#include "pipe_bench/resolve.hpp"
#include "pipe_bench/session.hpp"

namespace pipe_bench {

// The requested comparisons of one configuration: every target but the baseline vs each of
// `baselines`, on writes/s, run i of each paired (round i).
[[nodiscard]] std::vector<PairedSamples> writes_per_s_samples(
    const ConfigResults& results, const std::vector<std::string>& baselines);

// Sets the resolution of the comparisons of `config_index` after `rounds` rounds that ended with
// `decision`: writes/s comparisons take their status from it, the others are measured against
// the same target.
void attach_resolution(std::vector<Comparison>& comparisons, std::size_t config_index,
                       const RoundDecision& decision, unsigned rounds, double ci_target);

// "+-7.2%"; "n/a" for an infinite half-width.
[[nodiscard]] std::string half_width_text(double half_width);

// The comparisons table's cell: "resolved +-3.1%" or "NOT resolved +-7.2% (40 rounds, time
// limit)"; empty without a resolution.
[[nodiscard]] std::string resolution_cell(const Comparison& comparison);

// "5w/5r", with "/250ns" when the configurations differ in alloc cost.
[[nodiscard]] std::string config_label(const std::vector<ConfigResults>& results,
                                       std::size_t config_index);

// One line per unresolved writes/s comparison, e.g. "not resolved: unified / legacy at 5w/5r:
// +-7.2% after 40 rounds (time limit)"; empty when all are resolved or none has a resolution.
[[nodiscard]] std::string format_unresolved(const std::vector<ConfigResults>& results,
                                            const std::vector<Comparison>& comparisons);

// The closing block of --runs auto: how many writes/s comparisons were resolved, then the
// unresolved ones; empty when no comparison has a resolution.
[[nodiscard]] std::string format_resolution(const std::vector<ConfigResults>& results,
                                            const std::vector<Comparison>& comparisons);

// A comparison's "half_width_pct" (null without a CI), "resolved", "rounds" and "stop_reason"
// (null without --runs auto).
[[nodiscard]] nlohmann::ordered_json resolution_json(const Comparison& comparison);

// The options block's "runs" (N or "auto"), "ci_target_pct" and "max_time_s" (null unless auto).
[[nodiscard]] nlohmann::ordered_json runs_options_json(const Options& options);

}  // namespace pipe_bench
