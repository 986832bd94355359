// pipepool_shared_soak: the cross-process soak of shared pipes (shared_soak.hpp). Prints one
// summary line; exit status 0 when every record is accounted for, 1 otherwise, 2 on bad arguments.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "shared_soak/shared_soak.hpp"

namespace {

constexpr const char* kUsage =
    "usage: pipepool_shared_soak [options]\n"
    "  --gb N              gigabytes (10^9 bytes) the reader must get (default 10)\n"
    "  --writers N         writer processes at a time, 1..64 (default 4)\n"
    "  --kill-every MS     SIGKILL a writer and start another every MS ms (default 1000)\n"
    "  --min-kills N       also run until N writers were killed (default 0)\n"
    "  --record-max BYTES  largest record, 24..4096 (default 4096)\n"
    "  --timeout S         fail when the run takes longer (default 3600)\n"
    "  --quiet             no progress lines on stderr\n"
    "  --help              this text\n";

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "pipepool_shared_soak: %s\n", what.c_str());
  std::exit(2);
}

double number(const char* s, const std::string& flag, double lo, double hi) {
  char* end = nullptr;
  const double v = std::strtod(s, &end);
  if (end == s || *end != '\0' || !(v >= lo && v <= hi)) usage_error("bad value for " + flag);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pipepool::shared_soak;
  std::signal(SIGPIPE, SIG_IGN);  // a writer whose reader is gone sees EPIPE
  SoakConfig config;
  config.progress = true;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage_error("missing value for " + std::string(a));
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--gb") {
      config.bytes = static_cast<std::uint64_t>(number(value(), "--gb", 1e-6, 1e6) * 1e9);
    } else if (a == "--writers") {
      config.writers = static_cast<unsigned>(number(value(), "--writers", 1, 64));
    } else if (a == "--kill-every") {
      config.kill_interval =
          std::chrono::milliseconds(static_cast<long>(number(value(), "--kill-every", 1, 1e7)));
    } else if (a == "--min-kills") {
      config.min_kills = static_cast<unsigned>(number(value(), "--min-kills", 0, 10000));
    } else if (a == "--record-max") {
      config.record_max = static_cast<std::size_t>(number(value(), "--record-max", 24, 4096));
    } else if (a == "--timeout") {
      config.timeout =
          std::chrono::seconds(static_cast<long>(number(value(), "--timeout", 1, 1e6)));
    } else if (a == "--quiet") {
      config.progress = false;
    } else {
      usage_error("unknown option " + std::string(a));
    }
  }
  const SoakReport r = run_soak(config);
  std::printf(
      "shared_soak: %s: %.3f GB in %.1f s (%.0f MB/s), %llu records, %llu writers started, %llu "
      "killed; lost %llu, duplicated %llu, gaps %llu, corrupt %llu, unexpected %llu, foreign "
      "%llu; killed writers' in-flight records that landed: %llu%s%s\n",
      r.clean() ? "clean" : "FAILED", static_cast<double>(r.bytes) / 1e9, r.seconds,
      r.seconds > 0 ? static_cast<double>(r.bytes) / 1e6 / r.seconds : 0.0,
      static_cast<unsigned long long>(r.records),
      static_cast<unsigned long long>(r.writers_started), static_cast<unsigned long long>(r.kills),
      static_cast<unsigned long long>(r.lost), static_cast<unsigned long long>(r.duplicated),
      static_cast<unsigned long long>(r.gaps), static_cast<unsigned long long>(r.corrupt),
      static_cast<unsigned long long>(r.unexpected), static_cast<unsigned long long>(r.foreign),
      static_cast<unsigned long long>(r.in_flight_landed),
      r.error.empty() ? "" : "; error: ", r.error.c_str());
  return r.clean() ? 0 : 1;
}
