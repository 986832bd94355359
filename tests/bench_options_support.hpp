// Helpers for the tests of pipe_bench's command line: parse a list of arguments as argv.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "pipe_bench/options.hpp"

namespace bench_test {

// parse_options on "pipe_bench" followed by `args`.
inline pipe_bench::ParseOutcome parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv{"pipe_bench"};
  argv.insert(argv.end(), args.begin(), args.end());
  return pipe_bench::parse_options(static_cast<int>(argv.size()), argv.data());
}

// Expects exit 2 with a single line that names `flag`.
inline void expect_error(std::initializer_list<const char*> args, const std::string& flag) {
  const pipe_bench::ParseOutcome out = parse(args);
  EXPECT_FALSE(out.options.has_value());
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.output.find(flag), std::string::npos) << out.output;
  EXPECT_EQ(out.output.find('\n'), std::string::npos) << out.output;
}

}  // namespace bench_test
