// Helpers shared by pipe_bench's unit tests: synthetic results and running the binary.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pipe_bench/result.hpp"
#include "pipe_bench/session.hpp"

#ifndef PIPE_BENCH_EXE
#error "PIPE_BENCH_EXE (the pipe_bench binary's path) comes from pipe_bench_lib's CMake target"
#endif

namespace bench_test {

// A run of `target` with `writes` writes over 2 s, latencies 1..writes us, and pool counters
// when `with_pool`.
inline pipe_bench::TargetResult make_run(const std::string& target, std::uint64_t writes,
                                         unsigned run_index = 1, bool with_pool = true) {
  pipe_bench::TargetResult r;
  r.target = target;
  r.config.writers = 2;
  r.config.readers = 3;
  r.config.msg_size = 65536;
  r.config.duration_s = 2.0;
  r.config.pipe_size = 1048576;
  r.config.allocator = with_pool ? "os" : "kernel";
  r.run_index = run_index;
  r.run.writes = writes;
  r.run.bytes_written = writes * 65536;
  r.run.bytes_read = writes * 65536;
  r.run.elapsed_s = 2.0;
  for (std::uint64_t i = 1; i <= writes; ++i) r.run.latency.record(i * 1000);
  if (with_pool) {
    pipepool::PipeStats stats;
    stats.pool.allocs_in_lock = writes * 16;
    stats.pool.pool_peak = 2;
    r.run.pipe_stats = stats;
  }
  return r;
}

// `configs` configurations (writers 1..configs, 5 readers) of every target in `targets`, each run
// `runs` times; run r (1-based) of target t (0-based) has 100 * (t + 1) + 10 * r writes.
inline std::vector<pipe_bench::ConfigResults> make_session(const std::vector<std::string>& targets,
                                                           std::size_t configs, unsigned runs) {
  std::vector<pipe_bench::ConfigResults> out;
  for (std::size_t c = 0; c < configs; ++c) {
    pipe_bench::ConfigResults cr;
    cr.config = {c, static_cast<unsigned>(c + 1), 5, 0};
    for (std::size_t t = 0; t < targets.size(); ++t) {
      pipe_bench::Series s{targets[t], {}};
      for (unsigned r = 1; r <= runs; ++r) {
        auto run = make_run(targets[t], 100 * (t + 1) + 10 * r, r, targets[t] != "kernel");
        run.config.writers = cr.config.writers;
        run.config.readers = cr.config.readers;
        s.runs.push_back(std::move(run));
      }
      cr.series.push_back(std::move(s));
    }
    out.push_back(std::move(cr));
  }
  return out;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A path in a fresh temporary directory, e.g. temp_path("r.json").
inline std::string temp_path(const std::string& name) {
  char dir[] = "/tmp/pipe_bench_test_XXXXXX";
  if (::mkdtemp(dir) == nullptr) return "/tmp/" + name;
  return std::string(dir) + "/" + name;
}

struct Exec {
  int exit_code = -1;  // -1: did not exit normally
  int signal = 0;
  std::string out;
  std::string err;
};

// Runs the pipe_bench binary with `args`, stdout and stderr captured into files, and waits for
// it. `path_env`, when not empty, replaces $PATH in the child.
inline Exec run_pipe_bench(const std::vector<std::string>& args, const std::string& path_env = {}) {
  const std::string out_path = temp_path("stdout");
  const std::string err_path = out_path.substr(0, out_path.rfind('/')) + "/stderr";
  Exec result;
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    if (!path_env.empty()) ::setenv("PATH", path_env.c_str(), 1);
    std::vector<char*> argv{const_cast<char*>(PIPE_BENCH_EXE)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(PIPE_BENCH_EXE, argv.data());
    ::_exit(127);
  }
  int status = 0;
  if (pid > 0) ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

}  // namespace bench_test
