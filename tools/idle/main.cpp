// pipepool_idle: pages held by N idle pipes per policy before and after a pressure event.
// Exit 0 on success, 1 when a measurement or the JSON write fails, 2 on bad input.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "idle/idle_run.hpp"

namespace {

constexpr char kHelp[] =
    "usage: pipepool_idle [--pipes N] [--policies LIST] [--allocator KIND] [--json FILE]\n"
    "Creates N pipes per policy (default 1000), writes 64 KiB to each and reads it back, then\n"
    "reports the pages their pools hold and the allocator's live pages, before and after one\n"
    "pressure event (pipepool::shrink_all()).\n"
    "  --pipes N          pipes per policy, 1..1000000 (default 1000)\n"
    "  --policies LIST    comma list of legacy, prealloc, unified, shrinker (default all)\n"
    "  --allocator KIND   os, heap or model (default os)\n"
    "  --json FILE        also write the results as JSON to FILE\n";

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  std::string json_path, error;
  bool help = false;
  const auto options = pipepool_idle::parse_args(args, json_path, help, error);
  if (!options) {
    std::fprintf(stderr, "pipepool_idle: %s\n", error.c_str());
    return 2;
  }
  if (help) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  const auto rows = pipepool_idle::measure(*options, error);
  if (!rows) {
    std::fprintf(stderr, "pipepool_idle: %s\n", error.c_str());
    return 1;
  }
  std::fputs(pipepool_idle::format_table(*rows, *options).c_str(), stdout);
  if (!json_path.empty()) {
    std::ofstream out(json_path, std::ios::trunc);
    out << pipepool_idle::to_json(*rows, *options);
    if (!out.flush()) {
      std::fprintf(stderr, "pipepool_idle: --json: cannot write %s\n", json_path.c_str());
      return 1;
    }
  }
  return 0;
}
