#include "pipe_bench/sim/costs.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "pipe_bench/model_preset.hpp"
#include "pipe_bench_sim_default_probe.hpp"

namespace pipe_bench::sim {
namespace {

constexpr const char* kSchema = "pipepool-model-preset/1";
constexpr const char* kDefaultProbePath = "tools/pipe_bench/sim/default_probe.json";

// A non-negative number at `key` of `object`, or nullopt.
std::optional<double> number_at(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) return std::nullopt;
  const nlohmann::json& v = object.at(key);
  if (!v.is_number() || v.get<double>() < 0) return std::nullopt;
  return v.get<double>();
}

std::string string_at(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object.at(key).is_string()) return "?";
  return object.at(key).get<std::string>();
}

}  // namespace

CostsOutcome costs_from_probe_text(const std::string& text, const std::string& path) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  const auto fail = [&](const std::string& why) {
    return CostsOutcome{std::nullopt, fmt::format("--sim-costs {}: {}", path, why)};
  };
  if (doc.is_discarded() || !doc.is_object()) return fail("not a JSON object");
  if (string_at(doc, "schema") != kSchema) return fail(fmt::format("schema is not {}", kSchema));
  SimCosts c;
  const auto alloc = number_at(doc, "alloc_cost_ns");
  const auto free = number_at(doc, "free_cost_ns");
  if (!alloc) return fail("field 'alloc_cost_ns' missing or negative");
  if (!free) return fail("field 'free_cost_ns' missing or negative");
  c.alloc_ns = *alloc;
  c.free_ns = *free;
  const nlohmann::json source = doc.value("source", nlohmann::json::object());
  const nlohmann::json figures = source.value("figures", nlohmann::json::object());
  const auto median = [&](const char* name) -> std::optional<double> {
    return figures.contains(name) ? number_at(figures.at(name), "median") : std::nullopt;
  };
  const auto syscall = median("syscall_ns");
  const auto copy_write = median("copy_ns_per_page");
  const auto copy_read = median("copy_read_ns_per_page");
  if (!syscall) return fail("source.figures.syscall_ns.median missing or negative");
  if (!copy_write) return fail("source.figures.copy_ns_per_page.median missing or negative");
  if (!copy_read) return fail("source.figures.copy_read_ns_per_page.median missing or negative");
  const auto wakeup = median("futex_wakeup_ns");
  const auto handoff = median("mutex_handoff_ns");
  if (!wakeup) return fail("source.figures.futex_wakeup_ns.median missing or negative");
  if (!handoff) return fail("source.figures.mutex_handoff_ns.median missing or negative");
  c.syscall_ns = *syscall;
  c.copy_write_ns = *copy_write;
  c.copy_read_ns = *copy_read;
  c.wakeup_ns = *wakeup;
  c.handoff_ns = *handoff;
  const std::pair<const char*, double SimCosts::*> cross[] = {
      {"cross_cpu_copy_ns_per_page", &SimCosts::copy_write_cross_ns},
      {"cross_cpu_copy_read_ns_per_page", &SimCosts::copy_read_cross_ns},
      {"cross_cpu_alloc_ns_per_page", &SimCosts::alloc_cross_ns},
      {"cross_cpu_free_ns_per_page", &SimCosts::free_cross_ns}};
  for (const auto& [name, field] : cross) {
    const auto v = median(name);
    if (!v) return fail(fmt::format("source.figures.{}.median missing or negative", name));
    c.*field = *v;
  }
  const nlohmann::json quantiles = figures.value("futex_wakeup_quantiles_ns", nlohmann::json());
  if (!quantiles.is_array() || quantiles.size() < 2)
    return fail("source.figures.futex_wakeup_quantiles_ns missing or not a list of 2 or more");
  for (const auto& q : quantiles) {
    if (!q.is_number() || q.get<double>() < 0 ||
        (!c.wakeup_quantiles_ns.empty() && q.get<double>() < c.wakeup_quantiles_ns.back()))
      return fail("source.figures.futex_wakeup_quantiles_ns not ascending non-negative numbers");
    c.wakeup_quantiles_ns.push_back(q.get<double>());
  }
  c.source = fmt::format("probe file {} (host {}, kernel {}, {})", path, string_at(source, "host"),
                         string_at(source, "kernel"), string_at(source, "date"));
  c.wakeup_source = fmt::format(
      "probe file {}: futex_wakeup_ns quantiles and mutex_handoff_ns median ({}, {} rounds); "
      "cross_cpu_* medians ({})",
      path, string_at(source, "cross_cpu"), figures.at("futex_wakeup_ns").value("samples", 0),
      string_at(source, "cross_cpu_pipe"));
  return {c, {}};
}

CostsOutcome costs_from_probe_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {std::nullopt, fmt::format("--sim-costs {}: cannot read the file", path)};
  std::ostringstream text;
  text << in.rdbuf();
  return costs_from_probe_text(text.str(), path);
}

std::string costs_text(const SimCosts& c) {
  return fmt::format(
             "syscall {:.0f} ns, copy in {:.0f} ns/page, copy out {:.0f} ns/page, alloc {:.0f} ns, "
             "free {:.0f} ns; across CPUs: copy in {:.0f} ns/page, copy out {:.0f} ns/page, alloc "
             "{:.0f} "
             "ns, free {:.0f} ns; wake-up onto an idle CPU {:.0f} ns (median{}), mutex hand-off "
             "{:.0f} "
             "ns",
             c.syscall_ns, c.copy_write_ns, c.copy_read_ns, c.alloc_ns, c.free_ns,
             c.copy_write_cross_ns, c.copy_read_cross_ns, c.alloc_cross_ns, c.free_cross_ns,
             c.wakeup_ns,
             c.wakeup_quantiles_ns.empty()
                 ? std::string(", every wake-up")
                 : fmt::format(", drawn from {} quantiles {:.0f}..{:.0f}",
                               c.wakeup_quantiles_ns.size(), c.wakeup_quantiles_ns.front(),
                               c.wakeup_quantiles_ns.back()),
             c.handoff_ns) +
         (c.reclaim_stall_probability > 0
              ? fmt::format("; reclaim stall {:.0f} ns with probability {:g} per allocation",
                            c.reclaim_stall_ns, c.reclaim_stall_probability)
              : std::string());
}

std::string apply_memory_pressure(SimCosts& costs) {
  const PresetOutcome reclaim = builtin_preset("kernel-reclaim");
  if (!reclaim.preset) return "built-in preset kernel-reclaim: " + reclaim.error;
  const ModelPreset& p = *reclaim.preset;
  costs.reclaim_stall_probability = p.reclaim_stall_probability;
  costs.reclaim_stall_ns = static_cast<double>(p.reclaim_stall_ns);
  const nlohmann::json source = nlohmann::json::parse(p.source_json, nullptr, false);
  costs.reclaim_source = fmt::format(
      "built-in preset kernel-reclaim: reclaim_stall_probability and reclaim_stall_ns of a probe "
      "inside a memory cgroup at its limit (host {}, kernel {}, {})",
      string_at(source, "host"), string_at(source, "kernel"), string_at(source, "date"));
  return {};
}

SimCosts default_costs() {
  // The checked-in probe file, compiled in; tests/sim_costs_test.cpp reads it too.
  CostsOutcome parsed = costs_from_probe_text(kDefaultProbeJson, kDefaultProbePath);
  if (!parsed.costs) {  // the build embeds a file the tests check: this cannot be reached
    std::fprintf(stderr, "pipe_bench: built-in probe file: %s\n", parsed.error.c_str());
    std::abort();
  }
  SimCosts c = *parsed.costs;
  c.source = "built-in defaults, from " + c.source;
  c.wakeup_source = "built-in defaults, from " + c.wakeup_source;
  return c;
}

}  // namespace pipe_bench::sim
