#include "pipe_bench/model_preset.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "pipe_bench_presets.hpp"  // generated: kBuiltinPresets

namespace pipe_bench {
namespace {

using json = nlohmann::ordered_json;

// Large enough for any stall a preset may sensibly describe (one minute).
constexpr double kMaxNs = 60e9;

struct FieldError {
  std::string message;
};

const json& require(const json& doc, const char* field) {
  const auto it = doc.find(field);
  if (it == doc.end()) throw FieldError{fmt::format("field '{}' is missing", field)};
  return *it;
}

double number(const json& value, const char* field, double min, double max) {
  if (!value.is_number()) throw FieldError{fmt::format("field '{}' must be a number", field)};
  const double v = value.get<double>();
  if (!std::isfinite(v) || v < min || v > max) {
    throw FieldError{fmt::format("field '{}' must be from {:.0f} to {:.0f}{}, got {}", field, min,
                                 max, max > 1 ? " ns" : "", value.dump())};
  }
  return v;
}

std::uint64_t nanoseconds(const json& doc, const char* field) {
  return static_cast<std::uint64_t>(std::llround(number(require(doc, field), field, 0, kMaxNs)));
}

std::string text(const json& value, const char* field) {
  if (!value.is_string()) throw FieldError{fmt::format("field '{}' must be a string", field)};
  return value.get<std::string>();
}

bool valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

ModelPreset parse_document(const json& doc) {
  if (!doc.is_object()) throw FieldError{"the preset must be a JSON object"};
  const std::string schema = text(require(doc, "schema"), "schema");
  if (schema != kModelPresetSchema) {
    throw FieldError{
        fmt::format("field 'schema' must be \"{}\", got \"{}\"", kModelPresetSchema, schema)};
  }
  ModelPreset p;
  p.name = text(require(doc, "name"), "name");
  if (!valid_name(p.name)) {
    throw FieldError{fmt::format("field 'name' must match [a-z0-9-]+, got \"{}\"", p.name)};
  }
  if (const auto it = doc.find("description"); it != doc.end()) {
    p.description = text(*it, "description");
  }
  p.alloc_cost_ns = nanoseconds(doc, "alloc_cost_ns");
  p.free_cost_ns = nanoseconds(doc, "free_cost_ns");
  if (const auto it = doc.find("free_share"); it != doc.end()) {
    p.free_share = number(*it, "free_share", 0, 1);
  }
  p.reclaim_stall_probability =
      number(require(doc, "reclaim_stall_probability"), "reclaim_stall_probability", 0, 1);
  p.reclaim_stall_ns = nanoseconds(doc, "reclaim_stall_ns");
  if (const auto it = doc.find("source"); it != doc.end()) {
    if (!it->is_object()) throw FieldError{"field 'source' must be an object"};
    p.source_json = it->dump();
  }
  return p;
}

}  // namespace

PresetOutcome parse_model_preset(std::string_view json_text, std::string origin) {
  try {
    const json doc = json::parse(json_text);
    ModelPreset preset = parse_document(doc);
    preset.origin = std::move(origin);
    return {std::move(preset), {}};
  } catch (const FieldError& e) {
    return {std::nullopt, e.message};
  } catch (const json::parse_error& e) {
    return {std::nullopt, fmt::format("not valid JSON (byte {})", e.byte)};
  } catch (const std::exception& e) {
    return {std::nullopt, e.what()};
  }
}

std::vector<std::string> builtin_preset_names() {
  std::vector<std::string> names;
  for (const auto& p : kBuiltinPresets) names.emplace_back(p.name);
  std::sort(names.begin(), names.end());
  return names;
}

PresetOutcome builtin_preset(std::string_view name) {
  for (const auto& p : kBuiltinPresets) {
    if (name != p.name) continue;
    PresetOutcome out = parse_model_preset(p.json, "built-in");
    if (out.preset && out.preset->name != name) {
      return {std::nullopt,
              fmt::format("built-in preset '{}' is named '{}' inside", name, out.preset->name)};
    }
    return out;
  }
  return {std::nullopt, fmt::format("unknown preset '{}' (known: {})", name,
                                    fmt::join(builtin_preset_names(), ", "))};
}

PresetOutcome preset_from_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) return {std::nullopt, fmt::format("cannot read '{}'", path)};
  std::ostringstream content;
  content << file.rdbuf();
  if (file.bad()) return {std::nullopt, fmt::format("cannot read '{}'", path)};
  PresetOutcome out = parse_model_preset(content.str(), "file " + path);
  if (!out.preset) out.error = fmt::format("'{}': {}", path, out.error);
  return out;
}

CostSplit split_costs(std::uint64_t alloc_cost_ns, std::uint64_t free_cost_ns,
                      double free_share) noexcept {
  const std::uint64_t sum = alloc_cost_ns + free_cost_ns;
  const double share = std::clamp(free_share, 0.0, 1.0);
  const auto free_ns = static_cast<std::uint64_t>(std::llround(share * static_cast<double>(sum)));
  return {sum - std::min(free_ns, sum), std::min(free_ns, sum)};
}

std::string model_cost_text(std::string_view preset, std::string_view alloc,
                            std::uint64_t free_cost_ns, double stall_probability,
                            std::uint64_t stall_ns) {
  std::string out = preset.empty() ? std::string() : fmt::format("preset {}: ", preset);
  out += fmt::format("alloc {} ns, free {} ns", alloc, free_cost_ns);
  if (stall_probability > 0 && stall_ns > 0) {
    out += fmt::format(", stall {:g}% x {:g} us", stall_probability * 100,
                       static_cast<double>(stall_ns) / 1000);
  }
  return out;
}

}  // namespace pipe_bench
