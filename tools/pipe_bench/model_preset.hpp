// Model allocator presets: the JSON a preset file holds (schema "pipepool-model-preset/1", written
// by `pipe_bench --probe`), the presets compiled into pipe_bench (tools/pipe_bench/presets/), and
// how a preset's costs are re-split by --free-share. Errors are returned as one-line messages
// naming the field; nothing throws out of these functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pipe_bench {

inline constexpr std::string_view kModelPresetSchema = "pipepool-model-preset/1";

struct ModelPreset {
  std::string name;  // [a-z0-9-]+
  std::string description;
  std::uint64_t alloc_cost_ns = 0;  // rounded to whole nanoseconds
  std::uint64_t free_cost_ns = 0;
  std::optional<double> free_share;  // 0..1, as the preset's author chose it
  double reclaim_stall_probability = 0;
  std::uint64_t reclaim_stall_ns = 0;
  std::string source_json;  // the "source" object, compact, or empty when absent
  std::string origin;       // "built-in" or "file PATH"
};

struct PresetOutcome {
  std::optional<ModelPreset> preset;
  std::string error;  // one line when preset is nullopt, e.g. "field 'alloc_cost_ns': ..."
};

// Parses and validates a preset document. `origin` is stored as is.
[[nodiscard]] PresetOutcome parse_model_preset(std::string_view json_text, std::string origin);

// The names of the presets compiled in, sorted.
[[nodiscard]] std::vector<std::string> builtin_preset_names();
// A compiled-in preset by name; an unknown name's error lists the known ones.
[[nodiscard]] PresetOutcome builtin_preset(std::string_view name);
// A preset file; an unreadable file or bad content is an error naming the path.
[[nodiscard]] PresetOutcome preset_from_file(const std::string& path);

// alloc + free re-split so that free = share * sum (rounded; the sum is kept exactly).
struct CostSplit {
  std::uint64_t alloc_cost_ns = 0;
  std::uint64_t free_cost_ns = 0;
};
[[nodiscard]] CostSplit split_costs(std::uint64_t alloc_cost_ns, std::uint64_t free_cost_ns,
                                    double free_share) noexcept;

// The model allocator's costs as reports print them:
//   "preset kernel: alloc 200 ns, free 200 ns, stall 2% x 20 us"
//   "alloc 250 ns, free 0 ns" (no preset, no stall); `alloc` may be a list ("0,250,1000").
[[nodiscard]] std::string model_cost_text(std::string_view preset, std::string_view alloc,
                                          std::uint64_t free_cost_ns, double stall_probability,
                                          std::uint64_t stall_ns);

}  // namespace pipe_bench
