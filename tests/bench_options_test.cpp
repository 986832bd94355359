// pipe_bench's command line: defaults, size suffixes, and one-line errors naming the flag.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "bench_options_support.hpp"
#include "pipe_bench/options.hpp"

namespace {

using pipe_bench::parse_size;
using pipe_bench::ParseOutcome;

using bench_test::expect_error;
using bench_test::parse;

TEST(BenchOptions, Defaults) {
  const ParseOutcome out = parse({});
  ASSERT_TRUE(out.options.has_value()) << out.output;
  const auto& o = *out.options;
  // Neither -w nor -r: the selftest's sweep.
  EXPECT_TRUE(o.sweep);
  EXPECT_EQ(o.writers, (std::vector<unsigned>{1, 2, 5}));
  EXPECT_EQ(o.readers, (std::vector<unsigned>{1, 5, 10}));
  EXPECT_EQ(o.msg_size, 64u * 1024);
  EXPECT_DOUBLE_EQ(o.duration_s, 3.0);
  EXPECT_EQ(o.pipe_size, 1024u * 1024);
  EXPECT_EQ(o.targets, (std::vector<std::string>{"kernel", "legacy", "prealloc", "unified"}));
  EXPECT_EQ(o.allocator, pipepool::AllocatorKind::os);
  EXPECT_EQ(o.alloc_costs, (std::vector<std::uint64_t>{0}));
  EXPECT_EQ(o.runs, 1u);
  EXPECT_EQ(o.baseline, "kernel");
  EXPECT_EQ(o.baselines, (std::vector<std::string>{"kernel"}));
  EXPECT_FALSE(o.summary);
  EXPECT_FALSE(o.pressure.has_value());
  EXPECT_DOUBLE_EQ(o.rate, 0.0);
  EXPECT_FALSE(o.verify);
  EXPECT_TRUE(o.json_path.empty());
  EXPECT_TRUE(o.csv_path.empty());
  EXPECT_TRUE(o.plot_path.empty());
}

TEST(BenchOptions, OneThreadFlagFixesTheOtherAtFive) {
  const ParseOutcome out = parse({"-w", "2"});
  ASSERT_TRUE(out.options.has_value()) << out.output;
  EXPECT_FALSE(out.options->sweep);
  EXPECT_EQ(out.options->writers, (std::vector<unsigned>{2}));
  EXPECT_EQ(out.options->readers, (std::vector<unsigned>{5}));
}

TEST(BenchOptions, ListsRunsBaselineRateAndPressure) {
  const ParseOutcome out =
      parse({"-w", "1,2,5", "-r", "10", "-t", "legacy,unified,memcpy", "--runs", "3", "--baseline",
             "memcpy", "--summary", "--rate", "2500.5", "--verify", "-a", "model", "--alloc-cost",
             "0,250,16000", "--memory-pressure=2:64M"});
  ASSERT_TRUE(out.options.has_value()) << out.output;
  const auto& o = *out.options;
  EXPECT_EQ(o.writers, (std::vector<unsigned>{1, 2, 5}));
  EXPECT_EQ(o.readers, (std::vector<unsigned>{10}));
  EXPECT_EQ(o.runs, 3u);
  EXPECT_EQ(o.baseline, "memcpy");
  EXPECT_EQ(o.baselines, (std::vector<std::string>{"memcpy"}));
  EXPECT_TRUE(o.summary);
  EXPECT_DOUBLE_EQ(o.rate, 2500.5);
  EXPECT_TRUE(o.verify);
  EXPECT_EQ(o.alloc_costs, (std::vector<std::uint64_t>{0, 250, 16000}));
  ASSERT_TRUE(o.pressure.has_value());
  EXPECT_EQ(o.pressure->workers, 2u);
  EXPECT_EQ(o.pressure->vm_bytes, "64M");
  EXPECT_FALSE(o.stress_ng.empty());
}

TEST(BenchOptions, SeveralBaselines) {
  const ParseOutcome out =
      parse({"-t", "legacy,prealloc,unified", "--baseline", "prealloc,legacy"});
  ASSERT_TRUE(out.options.has_value()) << out.output;
  EXPECT_EQ(out.options->baselines, (std::vector<std::string>{"prealloc", "legacy"}));
  EXPECT_EQ(out.options->baseline, "prealloc");
}

TEST(BenchOptions, MemoryPressureWithoutSpecUsesTheSelftestDefault) {
  const ParseOutcome out = parse({"--memory-pressure", "-d", "1"});
  ASSERT_TRUE(out.options.has_value()) << out.output;
  ASSERT_TRUE(out.options->pressure.has_value());
  EXPECT_EQ(out.options->pressure->workers, 4u);
  EXPECT_EQ(out.options->pressure->vm_bytes, "80%");
  EXPECT_EQ(out.options->pressure->method, "all");
  EXPECT_DOUBLE_EQ(out.options->duration_s, 1.0);
}

TEST(BenchOptions, ParsesEveryFlag) {
  const ParseOutcome out =
      parse({"-w", "2", "--readers", "3", "-s", "4K", "-d", "0.25", "-p", "256k", "-t",
             "unified,kernel", "-a", "model", "--alloc-cost", "500"});
  ASSERT_TRUE(out.options.has_value()) << out.output;
  const auto& o = *out.options;
  EXPECT_EQ(o.writers, (std::vector<unsigned>{2}));
  EXPECT_EQ(o.readers, (std::vector<unsigned>{3}));
  EXPECT_EQ(o.msg_size, 4096u);
  EXPECT_DOUBLE_EQ(o.duration_s, 0.25);
  EXPECT_EQ(o.pipe_size, 256u * 1024);
  EXPECT_EQ(o.targets, (std::vector<std::string>{"unified", "kernel"}));
  EXPECT_EQ(o.allocator, pipepool::AllocatorKind::model);
  EXPECT_EQ(o.alloc_costs, (std::vector<std::uint64_t>{500}));
}

TEST(BenchOptions, SizeSuffixesArePowersOf1024) {
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("64K"), 65536u);
  EXPECT_EQ(parse_size("64k"), 65536u);
  EXPECT_EQ(parse_size("1M"), 1048576u);
  EXPECT_EQ(parse_size("2g"), 2147483648u);
  EXPECT_EQ(parse_size(""), std::nullopt);
  EXPECT_EQ(parse_size("K"), std::nullopt);
  EXPECT_EQ(parse_size("64X"), std::nullopt);
  EXPECT_EQ(parse_size("64KB"), std::nullopt);
  EXPECT_EQ(parse_size("-1"), std::nullopt);
  EXPECT_EQ(parse_size("1.5M"), std::nullopt);
  EXPECT_EQ(parse_size("99999999999999999999"), std::nullopt);
  EXPECT_EQ(parse_size("99999999999999G"), std::nullopt);
}

TEST(BenchOptions, MessageLargerThanThePipeIsAllowed) {
  const ParseOutcome out = parse({"-s", "2M", "-p", "64K"});
  ASSERT_TRUE(out.options.has_value()) << out.output;
  EXPECT_EQ(out.options->msg_size, 2u * 1024 * 1024);
}

TEST(BenchOptions, BadValuesNameTheirFlag) {
  expect_error({"-s", "0"}, "--msg-size");
  expect_error({"-s", "64X"}, "--msg-size");
  expect_error({"-p", "1Q"}, "--pipe-size");
  expect_error({"-p", "0"}, "--pipe-size");
  expect_error({"-d", "0"}, "--duration");
  expect_error({"--duration=-1"}, "--duration");
  expect_error({"-d", "abc"}, "--duration");
  expect_error({"-d", "inf"}, "--duration");
  expect_error({"-w", "0"}, "--writers");
  expect_error({"-r", "0"}, "--readers");
  expect_error({"-w", "many"}, "--writers");
  expect_error({"-t", "kernel,bogus"}, "--target");
  expect_error({"-t", "kernel,,unified"}, "--target");
  expect_error({"-t", "kernel,kernel"}, "--target");
  expect_error({"-a", "slab"}, "--allocator");
  expect_error({"--alloc-cost", "100"}, "--alloc-cost");  // needs -a model
  expect_error({"-a", "model", "--alloc-cost", "1us"}, "--alloc-cost");
  expect_error({"-a", "model", "--alloc-cost", "0,,5"}, "--alloc-cost");
  expect_error({"-a", "model", "--alloc-cost", "5,5"}, "--alloc-cost");
  expect_error({"-w", "1,2,2"}, "--writers");
  expect_error({"-r", "1,0"}, "--readers");
  expect_error({"--runs", "0"}, "--runs");
  expect_error({"--runs", "x"}, "--runs");
  expect_error({"-t", "legacy,unified", "--baseline", "kernel"}, "--baseline");
  expect_error({"-t", "legacy,unified", "--baseline", "legacy,legacy"}, "--baseline");
  expect_error({"--rate", "0"}, "--rate");
  expect_error({"--rate", "-5"}, "--rate");
  expect_error({"--memory-pressure=0"}, "--memory-pressure");
  expect_error({"--memory-pressure=2:lots"}, "--memory-pressure");
  expect_error({"--memory-pressure=2:0"}, "--memory-pressure");
  expect_error({"--memory-pressure=2:101%"}, "--memory-pressure");
  expect_error({"--plot", "/tmp/pipe_bench_plot.jpg"}, "--plot");
  expect_error({"--plot", "/nonexistent-dir-for-pipe-bench/p.png"}, "--plot");
  expect_error({"--csv", "/nonexistent-dir-for-pipe-bench/out.csv"}, "--csv");
  expect_error({"--verify", "-s", "16"}, "--verify");
}

TEST(BenchOptions, UnknownFlagIsExit2) {
  const ParseOutcome out = parse({"--bogus"});
  EXPECT_FALSE(out.options.has_value());
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.output.find("--bogus"), std::string::npos) << out.output;
}

TEST(BenchOptions, UnwritableJsonPathIsRejectedUpFront) {
  expect_error({"--json", "/nonexistent-dir-for-pipe-bench/out.json"}, "--json");
}

TEST(BenchOptions, WritableJsonPathIsAcceptedAndNotTruncated) {
  char path[] = "/tmp/pipe_bench_options_XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "x", 1), 1);
  ::close(fd);
  const ParseOutcome out = parse({"--json", path});
  ASSERT_TRUE(out.options.has_value()) << out.output;
  EXPECT_EQ(out.options->json_path, path);
  struct stat st {};
  ASSERT_EQ(::stat(path, &st), 0);
  EXPECT_EQ(st.st_size, 1);
  ::unlink(path);
}

TEST(BenchOptions, HelpDocumentsEveryFlag) {
  const ParseOutcome out = parse({"--help"});
  EXPECT_FALSE(out.options.has_value());
  EXPECT_EQ(out.exit_code, 0);
  for (const char* flag :
       {"--writers", "--readers", "--msg-size", "--duration", "--pipe-size", "--target",
        "--allocator", "--alloc-cost", "--runs", "--baseline", "--summary", "--memory-pressure",
        "--rate", "--verify", "--json", "--csv", "--plot", "--help"}) {
    EXPECT_NE(out.output.find(flag), std::string::npos) << flag;
  }
  // The CI method and coordinated omission are explained.
  EXPECT_NE(out.output.find("Student's t"), std::string::npos);
  EXPECT_NE(out.output.find("Coordinated omission"), std::string::npos);
}

}  // namespace
