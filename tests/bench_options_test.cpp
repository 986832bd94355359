// pipe_bench's command line: defaults, size suffixes, and one-line errors naming the flag.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "pipe_bench/options.hpp"

namespace {

using pipe_bench::parse_options;
using pipe_bench::parse_size;
using pipe_bench::ParseOutcome;

ParseOutcome parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv{"pipe_bench"};
  argv.insert(argv.end(), args.begin(), args.end());
  return parse_options(static_cast<int>(argv.size()), argv.data());
}

// Expects exit 2 with a single line that names `flag`.
void expect_error(std::initializer_list<const char*> args, const std::string& flag) {
  const ParseOutcome out = parse(args);
  EXPECT_FALSE(out.options.has_value());
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.output.find(flag), std::string::npos) << out.output;
  EXPECT_EQ(out.output.find('\n'), std::string::npos) << out.output;
}

TEST(BenchOptions, Defaults) {
  const ParseOutcome out = parse({});
  ASSERT_TRUE(out.options.has_value()) << out.output;
  const auto& o = *out.options;
  EXPECT_EQ(o.writers, 5u);
  EXPECT_EQ(o.readers, 5u);
  EXPECT_EQ(o.msg_size, 64u * 1024);
  EXPECT_DOUBLE_EQ(o.duration_s, 3.0);
  EXPECT_EQ(o.pipe_size, 1024u * 1024);
  EXPECT_EQ(o.targets, (std::vector<std::string>{"kernel", "legacy", "prealloc", "unified"}));
  EXPECT_EQ(o.allocator, pipepool::AllocatorKind::os);
  EXPECT_EQ(o.alloc_cost_ns, 0u);
  EXPECT_TRUE(o.json_path.empty());
}

TEST(BenchOptions, ParsesEveryFlag) {
  const ParseOutcome out =
      parse({"-w", "2", "--readers", "3", "-s", "4K", "-d", "0.25", "-p", "256k", "-t",
             "unified,kernel", "-a", "model", "--alloc-cost", "500"});
  ASSERT_TRUE(out.options.has_value()) << out.output;
  const auto& o = *out.options;
  EXPECT_EQ(o.writers, 2u);
  EXPECT_EQ(o.readers, 3u);
  EXPECT_EQ(o.msg_size, 4096u);
  EXPECT_DOUBLE_EQ(o.duration_s, 0.25);
  EXPECT_EQ(o.pipe_size, 256u * 1024);
  EXPECT_EQ(o.targets, (std::vector<std::string>{"unified", "kernel"}));
  EXPECT_EQ(o.allocator, pipepool::AllocatorKind::model);
  EXPECT_EQ(o.alloc_cost_ns, 500u);
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
  for (const char* flag : {"--writers", "--readers", "--msg-size", "--duration", "--pipe-size",
                           "--target", "--allocator", "--alloc-cost", "--json", "--help"}) {
    EXPECT_NE(out.output.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
