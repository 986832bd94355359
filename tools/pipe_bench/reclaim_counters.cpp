#include "pipe_bench/reclaim_counters.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

namespace pipe_bench {
namespace {

using Field = std::optional<std::uint64_t> ReclaimCounters::*;

struct Named {
  const char* name;
  Field field;
};

// In report order: cgroup counters, then the global ones.
constexpr Named kCgroupFields[] = {
    {"failcnt", &ReclaimCounters::failcnt},         {"pgpgin", &ReclaimCounters::pgpgin},
    {"pgpgout", &ReclaimCounters::pgpgout},         {"pgscan", &ReclaimCounters::pgscan},
    {"pgsteal", &ReclaimCounters::pgsteal},         {"events max", &ReclaimCounters::events_max},
    {"events high", &ReclaimCounters::events_high},
};
constexpr Named kGlobalFields[] = {
    {"pgscan_direct", &ReclaimCounters::vm_pgscan_direct},
    {"pgsteal_direct", &ReclaimCounters::vm_pgsteal_direct},
    {"allocstall", &ReclaimCounters::vm_allocstall},
};

std::optional<std::uint64_t> to_u64(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Calls `visit(key, value)` for every "<key> <number>" line of `text`.
template <typename Visit>
void for_each_pair(std::string_view text, Visit visit) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    const auto space = line.find(' ');
    if (space == std::string_view::npos) continue;
    const auto value = to_u64(line.substr(space + 1));
    if (value) visit(line.substr(0, space), *value);
  }
}

std::optional<std::string> slurp(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

void parse_memory_stat(std::string_view text, ReclaimCounters& out) {
  for_each_pair(text, [&](std::string_view key, std::uint64_t value) {
    if (key == "pgpgin") out.pgpgin = value;
    if (key == "pgpgout") out.pgpgout = value;
    if (key == "pgscan") out.pgscan = value;
    if (key == "pgsteal") out.pgsteal = value;
  });
}

void parse_memory_events(std::string_view text, ReclaimCounters& out) {
  for_each_pair(text, [&](std::string_view key, std::uint64_t value) {
    if (key == "max") out.events_max = value;
    if (key == "high") out.events_high = value;
  });
}

void parse_vmstat(std::string_view text, ReclaimCounters& out) {
  for_each_pair(text, [&](std::string_view key, std::uint64_t value) {
    if (key == "pgscan_direct") out.vm_pgscan_direct = value;
    if (key == "pgsteal_direct") out.vm_pgsteal_direct = value;
    if (key.substr(0, 11) == "allocstall_")
      out.vm_allocstall = out.vm_allocstall.value_or(0) + value;
  });
}

std::optional<std::uint64_t> parse_single(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  return to_u64(text);
}

ReclaimCounters read_reclaim_counters(const std::string& dir, const std::string& source) {
  ReclaimCounters c;
  c.source = source;
  if (!dir.empty()) {
    if (const auto t = slurp(dir + "/memory.failcnt")) c.failcnt = parse_single(*t);
    if (const auto t = slurp(dir + "/memory.stat")) parse_memory_stat(*t, c);
    if (const auto t = slurp(dir + "/memory.events")) parse_memory_events(*t, c);
  }
  if (const auto t = slurp("/proc/vmstat")) parse_vmstat(*t, c);
  return c;
}

ReclaimCounters reclaim_delta(const ReclaimCounters& before, const ReclaimCounters& after) {
  ReclaimCounters d;
  d.source = after.source;
  const auto diff = [&](Field f) {
    if (!(before.*f) || !(after.*f)) return;
    d.*f = *(after.*f) >= *(before.*f) ? *(after.*f) - *(before.*f) : 0;
  };
  for (const auto& n : kCgroupFields) diff(n.field);
  for (const auto& n : kGlobalFields) diff(n.field);
  return d;
}

bool reclaim_caused(const ReclaimCounters& delta) {
  for (const Field f : {&ReclaimCounters::failcnt, &ReclaimCounters::pgscan,
                        &ReclaimCounters::pgsteal, &ReclaimCounters::events_max,
                        &ReclaimCounters::events_high, &ReclaimCounters::vm_pgscan_direct,
                        &ReclaimCounters::vm_pgsteal_direct, &ReclaimCounters::vm_allocstall}) {
    if ((delta.*f).value_or(0) > 0) return true;
  }
  return false;
}

std::string format_counters(const ReclaimCounters& delta) {
  std::vector<std::string> local, global;
  for (const auto& n : kCgroupFields) {
    if (delta.*n.field) local.push_back(fmt::format("{} +{}", n.name, *(delta.*n.field)));
  }
  for (const auto& n : kGlobalFields) {
    if (delta.*n.field) global.push_back(fmt::format("{} +{}", n.name, *(delta.*n.field)));
  }
  std::string out = fmt::format("{}", fmt::join(local, ", "));
  if (!global.empty()) {
    out += fmt::format("{}global {}", out.empty() ? "" : "; ", fmt::join(global, ", "));
  }
  return out;
}

std::string format_reclaim(const ReclaimCounters& delta) {
  if (reclaim_caused(delta)) return format_counters(delta);
  const std::string counters = format_counters(delta);
  return fmt::format("no reclaim ({})", counters.empty() ? "no counter available" : counters);
}

}  // namespace pipe_bench
