#include "pipe_bench/replay/recording.hpp"

#include <array>
#include <utility>

namespace pipe_bench::replay {
namespace {

constexpr std::array<std::pair<CallKind, std::string_view>, 11> kNames{{
    {CallKind::create, "create"},
    {CallKind::write, "write"},
    {CallKind::read, "read"},
    {CallKind::splice_in, "splice_in"},
    {CallKind::splice_out, "splice_out"},
    {CallKind::splice, "splice"},
    {CallKind::tee, "tee"},
    {CallKind::vmsplice, "vmsplice"},
    {CallKind::set_size, "set_size"},
    {CallKind::release, "release"},
    {CallKind::resume, "resume"},
}};

}  // namespace

std::string_view to_string(CallKind kind) noexcept {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<CallKind> parse_call_kind(std::string_view name) noexcept {
  for (const auto& [k, n] : kNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

}  // namespace pipe_bench::replay
