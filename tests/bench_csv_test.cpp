// pipe_bench's CSV: a header and exactly one row per run, with as many fields as the header.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "bench_test_support.hpp"
#include "pipe_bench/csv_report.hpp"

namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(BenchCsv, OneRowPerRunInRunOrder) {
  // 2 configurations x 3 targets x 4 runs = 24 rows.
  const auto results = bench_test::make_session({"kernel", "legacy", "unified"}, 2, 4);
  const auto rows = lines(pipe_bench::to_csv(results));
  ASSERT_EQ(rows.size(), 1u + 24u);
  EXPECT_EQ(rows[0] + "\n", pipe_bench::csv_header());
  const auto fields = std::count(rows[0].begin(), rows[0].end(), ',');
  for (const auto& row : rows) EXPECT_EQ(std::count(row.begin(), row.end(), ','), fields) << row;
  // Interleaved order: run 1 of each target, then run 2, ...
  EXPECT_NE(rows[1].find(",kernel,1,"), std::string::npos) << rows[1];
  EXPECT_NE(rows[2].find(",legacy,1,"), std::string::npos) << rows[2];
  EXPECT_NE(rows[4].find(",kernel,2,"), std::string::npos) << rows[4];
  EXPECT_EQ(rows[13].rfind("1,2,5,", 0), 0u) << rows[13];  // second configuration: 2 writers
}

TEST(BenchCsv, KernelRowsHaveEmptyPoolFields) {
  const auto row = pipe_bench::csv_row({0, 2, 3, 0}, bench_test::make_run("kernel", 10, 1, false));
  EXPECT_NE(row.find(",,,,,,"), std::string::npos) << row;
}

TEST(BenchCsv, FieldsWithCommasAreQuoted) {
  auto run = bench_test::make_run("unified", 10);
  run.config.pressure = "stress-ng --vm 1,x";
  const auto row = pipe_bench::csv_row({0, 2, 3, 0}, run);
  EXPECT_NE(row.find("\"stress-ng --vm 1,x\""), std::string::npos) << row;
}

TEST(BenchCsv, ModelColumnsFollowTheLockColumns) {
  const std::string header = pipe_bench::csv_header();
  EXPECT_NE(header.find(",verify_ok,lock_hold_ns_per_write,lock_wait_ns_per_write,"
                        "lock_contended_per_write,free_cost_ns,reclaim_stall_probability,"
                        "reclaim_stall_ns,model_preset,"),
            std::string::npos)
      << header;
  auto run = bench_test::make_run("unified", 10);
  run.config.allocator = "model";
  run.config.free_cost_ns = 150;
  run.config.reclaim_stall_probability = 0.02;
  run.config.reclaim_stall_ns = 20000;
  run.config.model_preset = "kernel-reclaim";
  const auto row = pipe_bench::csv_row({0, 2, 3, 200}, run);
  EXPECT_NE(row.find(",150,0.02,20000,kernel-reclaim,"), std::string::npos) << row;
  const auto plain = pipe_bench::csv_row({0, 2, 3, 0}, bench_test::make_run("unified", 10));
  EXPECT_NE(plain.find(",0,0,0,,"), std::string::npos) << plain;
}

}  // namespace
