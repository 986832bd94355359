// pipepool_idle's table and JSON.
#include <cstdio>
#include <string>

#include "idle/idle_run.hpp"

namespace pipepool_idle {
namespace {

std::string per_pipe(double pages, std::size_t pipes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", pipes == 0 ? 0.0 : pages / static_cast<double>(pipes));
  return buf;
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string format_table(const std::vector<IdleRow>& rows, const IdleOptions& options) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line,
                "pipepool_idle: %zu pipes per policy, one %zu KiB write + full read each, "
                "allocator %s; pressure event = shrink_all()\n",
                options.pipes, kWriteBytes / 1024,
                std::string(pipepool::to_string(options.allocator)).c_str());
  out += line;
  std::snprintf(line, sizeof line, "%-9s %12s %9s %12s %9s %12s %12s %10s\n", "policy",
                "held before", "per pipe", "held after", "per pipe", "live before", "live after",
                "reclaimed");
  out += line;
  for (const IdleRow& r : rows) {
    std::snprintf(line, sizeof line, "%-9s %12llu %9s %12llu %9s %12lld %12lld %10llu\n",
                  r.policy.c_str(), static_cast<unsigned long long>(r.held_before),
                  per_pipe(static_cast<double>(r.held_before), r.pipes).c_str(),
                  static_cast<unsigned long long>(r.held_after),
                  per_pipe(static_cast<double>(r.held_after), r.pipes).c_str(),
                  static_cast<long long>(r.live_before), static_cast<long long>(r.live_after),
                  static_cast<unsigned long long>(r.reclaimed));
    out += line;
  }
  out +=
      "(pages of 4 KiB; held = pages kept by the pipes' pools, from their stats; live = the "
      "allocator's allocations - frees since the pipes were made)\n";
  return out;
}

std::string to_json(const std::vector<IdleRow>& rows, const IdleOptions& options) {
  std::string out =
      "{\n  \"pipes\": " + std::to_string(options.pipes) +
      ",\n  \"write_bytes\": " + std::to_string(kWriteBytes) +
      ",\n  \"allocator\": " + quoted(std::string(pipepool::to_string(options.allocator))) +
      ",\n  \"results\": [";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const IdleRow& r = rows[i];
    out += (i == 0 ? "\n" : ",\n");
    out += "    {\"policy\": " + quoted(r.policy) + ", \"pipes\": " + std::to_string(r.pipes) +
           ", \"held_before\": " + std::to_string(r.held_before) +
           ", \"held_after\": " + std::to_string(r.held_after) +
           ", \"live_before\": " + std::to_string(r.live_before) +
           ", \"live_after\": " + std::to_string(r.live_after) +
           ", \"reclaimed\": " + std::to_string(r.reclaimed) + "}";
  }
  out += "\n  ]\n}\n";
  return out;
}

}  // namespace pipepool_idle
