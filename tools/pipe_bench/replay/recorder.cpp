#include "pipe_bench/replay/recorder.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "pipe_bench/exec_path.hpp"
#include "pipe_bench/kernel_pages/kernel_counters.hpp"
#include "pipe_bench/replay/strace_parse.hpp"
#include "pipe_bench/replay/tracepoint_recorder.hpp"

namespace pipe_bench::replay {
namespace {

// Runs argv to its end; its exit status, or -1 with `error` set.
int run(const std::vector<std::string>& argv, std::string& error) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    error = fmt::format("fork failed: {}", std::strerror(errno));
    return -1;
  }
  if (pid == 0) {
    execvp(args[0], args.data());
    std::fprintf(stderr, "pipe_bench: cannot run %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      error = fmt::format("waitpid failed: {}", std::strerror(errno));
      return -1;
    }
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace

std::string shell_quote(const std::vector<std::string>& command) {
  std::string out;
  for (const auto& word : command) {
    if (!out.empty()) out += ' ';
    const bool plain = !word.empty() && word.find_first_not_of(
                                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_./=:,+@%") == std::string::npos;
    if (plain) {
      out += word;
      continue;
    }
    out += '\'';
    for (char c : word) {
      if (c == '\'') {
        out += "'\\''";
      } else if (c == '\n') {
        out += "'$'\\n''";
      } else {
        out += c;
      }
    }
    out += '\'';
  }
  return out;
}

RecordOutcome record(const std::vector<std::string>& command, const std::string& tracefs_root,
                     RecorderChoice choice, std::FILE* err) {
  if (choice == RecorderChoice::tracepoints) {
    return record_with_tracepoints(command, tracefs_root, err);
  }
  if (choice == RecorderChoice::strace) return record_with_strace(command, tracefs_root, err);
  const std::string why = tracepoints_unavailable(tracefs_root);
  if (why.empty()) return record_with_tracepoints(command, tracefs_root, err);
  RecordOutcome out = record_with_strace(command, tracefs_root, err);
  out.note = "syscall tracepoints unavailable (" + why + "), recorded with strace";
  return out;
}

RecordOutcome record_with_strace(const std::vector<std::string>& command,
                                 const std::string& tracefs_root, std::FILE* err) {
  RecordOutcome out;
  const auto strace = find_executable("strace");
  if (!strace) {
    out.error = "strace not found in $PATH (scripts/install-deps.sh installs it)";
    return out;
  }
  char trace_path[] = "/tmp/pipe_bench-strace-XXXXXX";
  const int fd = mkstemp(trace_path);
  if (fd < 0) {
    out.error = fmt::format("cannot create a temporary file: {}", std::strerror(errno));
    return out;
  }
  ::close(fd);
  // -s 2: strings cut to 2 bytes, yet pipe2's array printed in full (-s 0 prints `[...]`).
  // -q, not -qq: the `+++ exited` lines say when a process's descriptors close.
  std::vector<std::string> traced = {*strace, "-f",       "-q",
                                     "-y",    "-ttt",     "-s",
                                     "2",     "-e",       std::string("trace=") + kStraceSyscalls,
                                     "-o",    trace_path, "--"};
  traced.insert(traced.end(), command.begin(), command.end());
  std::string error;
  const int traced_status = run(traced, error);
  if (traced_status < 0) {
    ::unlink(trace_path);
    out.error = error;
    return out;
  }
  if (traced_status != 0) {
    std::fprintf(err, "pipe_bench: --record: the command exited with %d under strace\n",
                 traced_status);
  }
  StraceParse parsed;
  {
    std::ifstream in(trace_path);
    parsed = parse_strace(in);
  }
  ::unlink(trace_path);
  if (parsed.lines == 0) {
    out.error = "strace wrote no trace (is ptrace allowed here?)";
    return out;
  }

  Recording rec;
  rec.command = shell_quote(command);
  rec.recorder = "strace";
  rec.calls = std::move(parsed.calls);
  kernel_pages::OpenedCounters opened = kernel_pages::open_kernel_page_counters(tracefs_root);
  const int counted_status = run(command, error);
  if (!opened.counters) {
    rec.kernel.unavailable = opened.unavailable;
  } else {
    std::string stop_error;
    const kernel_pages::PageCounts counts = opened.counters->stop(stop_error);
    if (counted_status < 0) {
      rec.kernel.unavailable = error;
    } else if (!stop_error.empty()) {
      rec.kernel.unavailable = stop_error;
    } else {
      rec.kernel.allocs = counts.allocs;
      rec.kernel.frees = counts.frees;
    }
  }
  if (counted_status > 0) {
    std::fprintf(err, "pipe_bench: --record: the command exited with %d\n", counted_status);
  }
  out.summary = fmt::format("{} trace lines, {} not understood", parsed.lines, parsed.unparsed);
  out.recording = std::move(rec);
  return out;
}

}  // namespace pipe_bench::replay
