// The reclaim proof in the reports: the text line under each run, the JSON "reclaim" object (or
// null), the CSV columns, and the plain "no reclaim" labelling of runs whose counters did not
// grow (never presented as measured under pressure).
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bench_test_support.hpp"
#include "pipe_bench/csv_report.hpp"
#include "pipe_bench/json_report.hpp"
#include "pipe_bench/pressure_control.hpp"
#include "pipe_bench/report.hpp"
#include "pipe_bench/summary.hpp"

namespace {

using namespace pipe_bench;

ReclaimCounters delta(std::uint64_t failcnt) {
  ReclaimCounters d;
  d.source = "cgroup v1 /cg/pipe_bench-1 + /proc/vmstat";
  d.failcnt = failcnt;
  d.pgpgin = 10;
  d.pgpgout = 9;
  d.vm_pgscan_direct = 0;
  d.vm_pgsteal_direct = 0;
  d.vm_allocstall = 0;
  return d;
}

// Two targets, two runs each; run 2 of unified caused no reclaim.
std::vector<ConfigResults> session() {
  auto results = bench_test::make_session({"legacy", "unified"}, 1, 2);
  for (auto& s : results[0].series) {
    for (auto& r : s.runs) r.reclaim = delta(s.target == "unified" && r.run_index == 2 ? 0 : 2210);
  }
  return results;
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream s(line);
  std::string item;
  while (std::getline(s, item, ',')) out.push_back(item);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

TEST(BenchReclaimReport, TextLineUnderEachRun) {
  auto r = bench_test::make_run("kernel", 10, 1, false);
  EXPECT_EQ(format_reclaim_row(r), "");
  r.reclaim = delta(2210);
  EXPECT_EQ(format_reclaim_row(r),
            "                 reclaim: failcnt +2210, pgpgin +10, pgpgout +9; global "
            "pgscan_direct +0, pgsteal_direct +0, allocstall +0\n");
  r.reclaim = delta(0);
  EXPECT_NE(format_reclaim_row(r).find("reclaim: no reclaim (failcnt +0"), std::string::npos);
}

TEST(BenchReclaimReport, JsonHasTheDeltaPerRunOrNull) {
  auto results = session();
  results[0].series[0].runs[1].reclaim.reset();  // a run without pressure
  const auto doc = session_json(RunContext{}, results, {}, {"legacy"});
  const auto& legacy = doc["results"][0]["runs"];
  EXPECT_EQ(legacy[0]["reclaim"]["failcnt"], 2210);
  EXPECT_EQ(legacy[0]["reclaim"]["reclaimed"], true);
  EXPECT_EQ(legacy[0]["reclaim"]["source"], "cgroup v1 /cg/pipe_bench-1 + /proc/vmstat");
  EXPECT_TRUE(legacy[0]["reclaim"]["pgscan"].is_null());
  EXPECT_EQ(legacy[0]["reclaim"]["vm_pgscan_direct"], 0);
  EXPECT_TRUE(legacy[1]["reclaim"].is_null());
  const auto& unified = doc["results"][1]["runs"];
  EXPECT_EQ(unified[1]["reclaim"]["reclaimed"], false);
  EXPECT_EQ(unified[1]["reclaim"]["failcnt"], 0);
}

TEST(BenchReclaimReport, CsvHasTheCountersAsTwelveColumns) {
  auto results = session();
  results[0].series[0].runs[1].reclaim.reset();
  const std::string csv = to_csv(results);
  std::stringstream lines(csv);
  std::string header, row1, row2;
  std::getline(lines, header);
  std::getline(lines, row1);  // legacy run 1
  std::getline(lines, row2);  // unified run 1
  const auto h = split_csv_line(header);
  const auto first = std::find(h.begin(), h.end(), "reclaim_source");
  ASSERT_NE(first, h.end());
  const auto at = static_cast<std::size_t>(first - h.begin());
  ASSERT_GE(h.size(), at + 12);
  EXPECT_EQ(h[at + 11], "vm_allocstall");
  const auto r1 = split_csv_line(row1);
  ASSERT_EQ(r1.size(), h.size()) << row1;
  EXPECT_EQ(r1[at + 1], "1");     // reclaimed
  EXPECT_EQ(r1[at + 2], "2210");  // reclaim_failcnt
  EXPECT_EQ(r1[at + 5], "");      // reclaim_pgscan: not on v1
  std::string line, without;
  while (std::getline(lines, line))
    without = line.find(",legacy,2,") != std::string::npos ? line : without;
  const auto r3 = split_csv_line(without);
  ASSERT_EQ(r3.size(), h.size()) << without;
  for (std::size_t i = at; i < at + 12; ++i) EXPECT_EQ(r3[i], "") << h[i];
}

TEST(BenchReclaimReport, RunsWithoutReclaimAreNamedWithTheReason) {
  const auto results = session();
  EXPECT_EQ(no_reclaim_note(results, "cgroup usage peaked at 10 MiB"),
            "no reclaim was caused in 1 of 4 runs (unified run 2): cgroup usage peaked at 10 MiB");
  EXPECT_EQ(no_reclaim_note(bench_test::make_session({"legacy"}, 1, 2), "x"), "");
  auto all = session();
  for (auto& s : all[0].series) {
    for (auto& r : s.runs) r.reclaim = delta(2210);
  }
  EXPECT_EQ(no_reclaim_note(all, "x"), "");
}

TEST(BenchReclaimReport, SummaryDoesNotCallANoReclaimComparisonPressured) {
  RunContext ctx;
  PressureInfo info;
  info.mode = "cgroup";
  info.cgroup_version = 1;
  info.limit_bytes = 256ull << 20;
  ctx.pressure = info;
  auto results = session();
  const std::string some = format_summary(results, compare_with_baseline(results, "legacy"), ctx);
  EXPECT_NE(some.find("memory pressure: requested (memory cgroup v1, limit 256 MiB kept full of "
                      "page cache) but no reclaim was caused in 1 of 4 runs"),
            std::string::npos)
      << some;
  for (auto& s : results[0].series) {
    for (auto& r : s.runs) r.reclaim = delta(5);
  }
  const std::string all = format_summary(results, compare_with_baseline(results, "legacy"), ctx);
  EXPECT_NE(all.find("memory pressure: memory cgroup v1, limit 256 MiB kept full of page cache\n"),
            std::string::npos)
      << all;
}

}  // namespace
