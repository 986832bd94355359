// pipepool_idle's command line.
#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "idle/idle_run.hpp"

namespace pipepool_idle {
namespace {

std::optional<std::size_t> parse_count(const std::string& text) {
  if (text.empty() || text[0] < '0' || text[0] > '9') return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || v == 0 || v > 1'000'000) return std::nullopt;
  return static_cast<std::size_t>(v);
}

}  // namespace

std::optional<IdleOptions> parse_args(const std::vector<std::string>& args, std::string& json_path,
                                      bool& help, std::string& error) {
  IdleOptions options;
  help = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "-h" || flag == "--help") {
      help = true;
      return options;
    }
    if (flag != "--pipes" && flag != "--policies" && flag != "--allocator" && flag != "--json") {
      error = "unknown argument \"" + flag + "\" (see --help)";
      return std::nullopt;
    }
    if (i + 1 >= args.size()) {
      error = flag + " needs a value";
      return std::nullopt;
    }
    const std::string& value = args[++i];
    if (flag == "--pipes") {
      const auto n = parse_count(value);
      if (!n) {
        error = "--pipes: \"" + value + "\" is not a count from 1 to 1000000";
        return std::nullopt;
      }
      options.pipes = *n;
    } else if (flag == "--policies") {
      options.policies.clear();
      std::istringstream list(value);
      for (std::string name; std::getline(list, name, ',');) {
        const auto kind = pipepool::parse_policy_kind(name);
        if (!kind) {
          error =
              "--policies: unknown policy \"" + name + "\" (legacy, prealloc, unified, shrinker)";
          return std::nullopt;
        }
        options.policies.push_back(*kind);
      }
      if (options.policies.empty()) {
        error = "--policies: empty list";
        return std::nullopt;
      }
    } else if (flag == "--allocator") {
      const auto kind = pipepool::parse_allocator_kind(value);
      if (!kind) {
        error = "--allocator: unknown allocator \"" + value + "\" (os, heap, model)";
        return std::nullopt;
      }
      options.allocator = *kind;
    } else {
      if (value.empty()) {
        error = "--json: empty file name";
        return std::nullopt;
      }
      json_path = value;
    }
  }
  return options;
}

}  // namespace pipepool_idle
