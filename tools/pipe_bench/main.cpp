// pipe_bench: command-line entry point. Parsing lives in options.cpp, the run in runner.cpp.
#include <cstdio>

#include "pipe_bench/options.hpp"
#include "pipe_bench/runner.hpp"

int main(int argc, char** argv) {
  const pipe_bench::ParseOutcome parsed = pipe_bench::parse_options(argc, argv);
  if (!parsed.options) {
    std::fputs(parsed.output.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    if (parsed.exit_code != 0) std::fputc('\n', stderr);
    return parsed.exit_code;
  }
  return pipe_bench::run_benchmark(*parsed.options, stdout, stderr);
}
