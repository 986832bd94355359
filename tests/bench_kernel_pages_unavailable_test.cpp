// Kernel page counters that cannot be opened (here: a tracefs path with no tracefs, or with a
// format file that lacks the flags): the run still happens, its pages row names the reason and
// has no counts, in the table, the JSON and the CSV. Never an estimate in their place.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "bench_test_support.hpp"
#include "pipe_bench/csv_report.hpp"
#include "pipe_bench/json_report.hpp"
#include "pipe_bench/kernel_pages/kernel_counters.hpp"
#include "pipe_bench/report.hpp"
#include "pipe_bench/targets/registry.hpp"

namespace {

using pipe_bench::kernel_pages::open_kernel_page_counters;

TEST(BenchKernelPagesUnavailable, NoTracefsIsOneLineReason) {
  const auto opened = open_kernel_page_counters("/nonexistent/tracing");
  EXPECT_EQ(opened.counters, nullptr);
  EXPECT_EQ(opened.unavailable, "no tracefs at /nonexistent/tracing");
}

TEST(BenchKernelPagesUnavailable, FormatWithoutFlagsIsOneLineReason) {
  const std::string root = bench_test::temp_path("tracing");
  const std::string dir = root + "/events/kmem/mm_page_alloc";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/format") << "name: mm_page_alloc\nID: 1\nformat:\n"
                                    "\tfield:unsigned int order;\toffset:16;\tsize:4;\tsigned:0;\n"
                                    "\tfield:unsigned long gfp_flags;\toffset:24;\tsize:8;\n";
  const auto opened = open_kernel_page_counters(root);
  EXPECT_EQ(opened.counters, nullptr);
  EXPECT_EQ(opened.unavailable, "mm_page_alloc's flag table has no __GFP_HIGHMEM");

  std::filesystem::remove(dir + "/format");
  const auto missing = open_kernel_page_counters(root);
  EXPECT_EQ(missing.unavailable.rfind("cannot read " + dir + "/format: ", 0), 0u)
      << missing.unavailable;
}

TEST(BenchKernelPagesUnavailable, KernelRunReportsTheReasonAndNoCounts) {
  pipe_bench::TargetConfig config;
  config.pipe_size = 65536;
  config.tracefs_root = "/nonexistent/tracing";
  auto target = pipe_bench::make_target("kernel", config);
  ASSERT_NE(target, nullptr);
  pipe_bench::WorkloadConfig workload;
  workload.writers = 1;
  workload.readers = 1;
  workload.msg_size = 4096;
  workload.duration = std::chrono::milliseconds(50);
  auto attempt = target->run(workload);
  ASSERT_TRUE(attempt.result.has_value()) << attempt.error;
  ASSERT_TRUE(attempt.result->kernel_pages.has_value());
  EXPECT_FALSE(attempt.result->kernel_pages->allocs.has_value());
  EXPECT_FALSE(attempt.result->kernel_pages->frees.has_value());

  pipe_bench::TargetResult r;
  r.target = "kernel";
  r.run = std::move(*attempt.result);
  const std::string table = pipe_bench::format_pool_table({r});
  EXPECT_NE(
      table.find("kernel          tracepoints unavailable: no tracefs at /nonexistent/tracing"),
      std::string::npos)
      << table;

  const auto json = pipe_bench::to_json(pipe_bench::RunContext{}, {r});
  const auto& pages = json["results"][0]["metrics"]["pages"];
  EXPECT_EQ(pages["source"], "kernel tracepoints");
  EXPECT_TRUE(pages["allocs"].is_null());
  EXPECT_TRUE(pages["frees"].is_null());
  EXPECT_EQ(pages["unavailable"], "no tracefs at /nonexistent/tracing");

  const std::string row = pipe_bench::csv_row(pipe_bench::Configuration{}, r);
  EXPECT_NE(row.find(",kernel tracepoints,,,no tracefs at /nonexistent/tracing\n"),
            std::string::npos)
      << row;
}

}  // namespace
