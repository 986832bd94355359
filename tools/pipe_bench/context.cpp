#include "pipe_bench/context.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <ctime>
#include <fstream>

#ifndef PIPE_BENCH_BUILD_TYPE
#define PIPE_BENCH_BUILD_TYPE "unknown"
#endif
#ifndef PIPE_BENCH_PIPEPOOL_VERSION
#define PIPE_BENCH_PIPEPOOL_VERSION "unknown"
#endif
#if __has_include("pipe_bench_git_revision.hpp")
#include "pipe_bench_git_revision.hpp"  // generated at configure time
#endif
#ifndef PIPE_BENCH_GIT_REVISION
#define PIPE_BENCH_GIT_REVISION "unknown"
#endif

namespace pipe_bench {
namespace {

std::string utc_now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::array<char, 32> buf{};
  const auto n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf.data(), n);
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) break;
    const auto start = line.find_first_not_of(" \t", colon + 1);
    return start == std::string::npos ? std::string("unknown") : line.substr(start);
  }
  return "unknown";
}

}  // namespace

RunContext collect_context() {
  RunContext ctx;
  ctx.date = utc_now_iso8601();
  std::array<char, 256> host{};
  ctx.host = ::gethostname(host.data(), host.size() - 1) == 0 ? host.data() : "unknown";
  utsname uts{};
  ctx.kernel = ::uname(&uts) == 0 ? uts.release : "unknown";
  ctx.cpu_model = cpu_model();
  const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  ctx.cores = cores > 0 ? static_cast<unsigned>(cores) : 0;
  ctx.build_type = PIPE_BENCH_BUILD_TYPE;
  ctx.pipepool_version = PIPE_BENCH_PIPEPOOL_VERSION;
  ctx.git_revision = PIPE_BENCH_GIT_REVISION;
  return ctx;
}

}  // namespace pipe_bench
