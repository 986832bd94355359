// pipepool_soak: the long soak of issue 4. For each policy, 10 writers and 10 readers push
// >= 10 GB of checksummed records (packet mode, <= 4096 bytes) mixed with 64 KiB writes through
// one pipe, and account for every unit: losses, duplicates, corruptions must all be 0.
// Exit status: 0 when every policy ran clean, 1 otherwise, 2 on bad arguments.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "soak_run.hpp"

namespace {

constexpr const char* kUsage =
    "usage: pipepool_soak [options]\n"
    "  --gb N            gigabytes (10^9 bytes) through the pipe per policy (default 10)\n"
    "  --policies LIST   comma-separated: legacy,prealloc,unified,shrinker (default: every\n"
    "                    policy this build has)\n"
    "  --allocator KIND  os, heap or model (default os)\n"
    "  --writers N       writer threads (default 10)\n"
    "  --readers N       reader threads (default 10)\n"
    "  --pipe-size BYTES F_SETPIPE_SZ of the pipe (default 1048576)\n"
    "  --quiet           no progress lines on stderr\n"
    "  --help            this text\n";

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "pipepool_soak: %s\n%s", what.c_str(), kUsage);
  std::exit(2);
}

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    const std::size_t comma = s.find(',');
    out.push_back(s.substr(0, comma));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

double number(const char* s, const char* flag) {
  char* end = nullptr;
  const double v = std::strtod(s, &end);
  if (end == s || *end != '\0' || !(v > 0)) usage_error(std::string("bad value for ") + flag);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pipepool;
  std::signal(SIGPIPE, SIG_IGN);  // a writer whose readers are gone sees EPIPE
  soak::SoakConfig base;
  std::vector<PolicyKind> policies;
  double gb = 10;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage_error(std::string("missing value for ") + argv[i]);
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--gb") {
      gb = number(value(), "--gb");
    } else if (a == "--policies") {
      for (std::string_view name : split(value())) {
        const auto kind = parse_policy_kind(name);
        if (!kind) usage_error("unknown policy " + std::string(name));
        policies.push_back(*kind);
      }
    } else if (a == "--allocator") {
      const auto kind = parse_allocator_kind(value());
      if (!kind) usage_error("unknown allocator");
      base.allocator = *kind;
    } else if (a == "--writers") {
      base.writers = static_cast<unsigned>(number(value(), "--writers"));
    } else if (a == "--readers") {
      base.readers = static_cast<unsigned>(number(value(), "--readers"));
    } else if (a == "--pipe-size") {
      base.pipe_size = static_cast<std::size_t>(number(value(), "--pipe-size"));
    } else if (a == "--quiet") {
      base.progress = false;
    } else {
      usage_error("unknown option " + std::string(a));
    }
  }
  if (base.writers > 65535) usage_error("at most 65535 writers");
  base.bytes = static_cast<std::uint64_t>(gb * 1e9);
  if (policies.empty()) {
    for (PolicyKind k :
         {PolicyKind::legacy, PolicyKind::prealloc, PolicyKind::unified, PolicyKind::shrinker}) {
      if (make_pool(k, make_allocator({AllocatorKind::heap, {}})) != nullptr) policies.push_back(k);
    }
  }

  std::printf(
      "pipepool_soak: %u writers, %u readers, pipe %zu bytes, allocator %s, %.1f GB per "
      "policy; records of 32..4096 bytes (packet mode) + 64 KiB writes (stream)\n",
      base.writers, base.readers, base.pipe_size, std::string(to_string(base.allocator)).c_str(),
      gb);
  std::printf("%-9s %15s %10s %10s %10s %7s %10s %11s %8s %7s %10s\n", "policy", "bytes", "records",
              "64k_writes", "pages", "losses", "duplicates", "corruptions", "seconds", "GB/s",
              "allocs");
  std::fflush(stdout);
  bool clean = true;
  for (PolicyKind k : policies) {
    soak::SoakConfig cfg = base;
    cfg.policy = k;
    const soak::SoakResult r = soak::run_soak(cfg);
    std::printf("%-9s %15llu %10llu %10llu %10llu %7llu %10llu %11llu %8.1f %7.2f %10llu\n",
                std::string(to_string(k)).c_str(), static_cast<unsigned long long>(r.bytes),
                static_cast<unsigned long long>(r.records),
                static_cast<unsigned long long>(r.big_writes),
                static_cast<unsigned long long>(r.pages), static_cast<unsigned long long>(r.losses),
                static_cast<unsigned long long>(r.duplicates),
                static_cast<unsigned long long>(r.corruptions), r.seconds,
                r.seconds > 0 ? static_cast<double>(r.bytes) / 1e9 / r.seconds : 0.0,
                static_cast<unsigned long long>(r.allocs));
    if (r.write_errors != 0) {
      std::printf("%-9s %llu writes did not return their full length\n",
                  std::string(to_string(k)).c_str(),
                  static_cast<unsigned long long>(r.write_errors));
    }
    std::fflush(stdout);
    clean = clean && r.clean();
  }
  std::printf("%s\n", clean ? "soak: PASS (no loss, duplicate or corruption)" : "soak: FAIL");
  return clean ? 0 : 1;
}
