#include "pipe_bench/sim/costs.hpp"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace pipe_bench::sim {
namespace {

constexpr const char* kSchema = "pipepool-model-preset/1";

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

SimCosts default_costs() {
  // The medians of tools/pipe_bench/sim/default_probe.json (tests/sim_costs_test.cpp checks that
  // they still are).
  SimCosts c;
  c.syscall_ns = 221;
  c.copy_write_ns = 130;
  c.copy_read_ns = 130;
  c.alloc_ns = 272;
  c.free_ns = 348;
  c.wakeup_ns = 28642;
  c.handoff_ns = 43;
  c.source =
      "built-in defaults, from tools/pipe_bench/sim/default_probe.json (pipe_bench --probe "
      "--probe-samples 20000, host vm, kernel 6.18.44-fc-v1272, 2026-12-07T08:00:10Z)";
  c.wakeup_source =
      "built-in defaults, from tools/pipe_bench/sim/default_probe.json: futex_wakeup_ns and "
      "mutex_handoff_ns medians (CPU 0 -> CPU 1, 2000 rounds)";
  return c;
}

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
  c.source = fmt::format("probe file {} (host {}, kernel {}, {})", path, string_at(source, "host"),
                         string_at(source, "kernel"), string_at(source, "date"));
  c.wakeup_source = fmt::format(
      "probe file {}: futex_wakeup_ns and mutex_handoff_ns medians ({}, {} rounds)", path,
      string_at(source, "cross_cpu"), figures.at("futex_wakeup_ns").value("samples", 0));
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
      "free {:.0f} ns, wake-up onto an idle CPU {:.0f} ns, mutex hand-off {:.0f} ns",
      c.syscall_ns, c.copy_write_ns, c.copy_read_ns, c.alloc_ns, c.free_ns, c.wakeup_ns,
      c.handoff_ns);
}

}  // namespace pipe_bench::sim
