#include "lin_report.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <vector>

#include "lin_state.hpp"

namespace pipepool::lin {
namespace {

// The first bytes of `d` and its last one in hex, enough to tell writes apart.
std::string bytes_summary(const std::vector<std::uint8_t>& d) {
  if (d.empty()) return "";
  std::string s = " [";
  char hex[4];
  for (std::size_t i = 0; i < d.size() && i < 4; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", d[i]);
    s += hex;
  }
  if (d.size() > 4) {
    std::snprintf(hex, sizeof hex, "%02x", d.back());
    s += std::string("..") + hex;
  }
  return s + "]";
}

}  // namespace

std::string describe(const History& h, std::size_t i) {
  const Operation& op = h.ops[i];
  char line[256];
  std::snprintf(line, sizeof line, "#%zu t%u [%llu,%llu] %s %s-end", i, op.thread,
                static_cast<unsigned long long>(op.invoke), static_cast<unsigned long long>(op.ret),
                kind_name(op.kind), op.end == End::write ? "write" : "read");
  std::string s = line;
  if (op.kind == OpKind::signal) return s + (op.restart ? " (SA_RESTART)" : " (no SA_RESTART)");
  if (op.blocking) s += " blocking";
  if (op.kind == OpKind::resize) s += " size=" + std::to_string(op.len);
  const bool gives = op.kind == OpKind::write || op.kind == OpKind::vmsplice_in;
  const bool takes = op.kind == OpKind::read || op.kind == OpKind::vmsplice_out;
  if (gives || takes) s += " len=" + std::to_string(op.len);
  if (op.kind == OpKind::vmsplice_in) s += " page_offset=" + std::to_string(op.page_offset);
  if (gives) s += bytes_summary(op.data);
  s += " -> " + std::to_string(op.result);
  if (op.error != 0) s += " errno=" + std::to_string(op.error);
  if (takes) s += bytes_summary(op.data);
  return s;
}

std::string failure_report(const History& h, const CheckResult& r) {
  std::string s = "not linearizable: pipe size " + std::to_string(h.pipe_size) + ", " +
                  std::to_string(h.read_fds) + " read and " + std::to_string(h.write_fds) +
                  " write descriptors, " + std::to_string(h.ops.size()) + " calls\n";
  std::vector<std::size_t> by_invoke(h.ops.size());
  std::iota(by_invoke.begin(), by_invoke.end(), std::size_t{0});
  std::stable_sort(by_invoke.begin(), by_invoke.end(),
                   [&](std::size_t a, std::size_t b) { return h.ops[a].invoke < h.ops[b].invoke; });
  for (std::size_t i : by_invoke) s += "  " + describe(h, i) + "\n";
  s += "longest linearizable prefix (" + std::to_string(r.order.size()) + " of " +
       std::to_string(h.ops.size()) + " calls):";
  const Spec spec(h);
  ModelState state = spec.initial();
  for (const auto& [i, move] : r.steps_taken) {
    (void)spec.apply(state, i, static_cast<Move>(move));
    const bool done = state.calls[i].phase == kDone;
    s += " #" + std::to_string(i);
    if (!done) s += "(part, " + std::to_string(state.calls[i].moved) + " bytes)";
    if (move == static_cast<std::uint8_t>(Move::interrupt)) s += "(interrupted)";
    if (move == static_cast<std::uint8_t>(Move::restart)) s += "(restarted)";
  }
  s += "\nmodel after it: " + std::to_string(state.pipe.available()) + " bytes in " +
       std::to_string(state.pipe.slots.size()) + " of " + std::to_string(state.pipe.max_slots) +
       " slots, " + std::to_string(state.pipe.readers) + " readers, " +
       std::to_string(state.pipe.writers) + " writers";
  for (std::size_t i = 0; i < h.ops.size(); ++i) {
    if (state.calls[i].phase == kAsleep) {
      s += "; #" + std::to_string(i) + " asleep after " + std::to_string(state.calls[i].moved) +
           " bytes";
    }
  }
  s += "\n";
  // The buffered bytes by the call they came from: where a history split a write.
  s += "bytes in the pipe by call:";
  for (const Span& b : state.pipe.bytes) {
    s += " #" + std::to_string(b.op) + "[" + std::to_string(b.offset) + "+" +
         std::to_string(b.len) + "]";
  }
  s += "\n";
  s += "no call left fits next: its result differs from the model's, or a call that must come "
       "before it is not placed\n";
  return s;
}

const char* kind_name(OpKind k) {
  switch (k) {
    case OpKind::write:
      return "write";
    case OpKind::read:
      return "read";
    case OpKind::fionread:
      return "FIONREAD";
    case OpKind::poll:
      return "poll";
    case OpKind::close:
      return "close";
    case OpKind::vmsplice_in:
    case OpKind::vmsplice_out:
      return "vmsplice";
    case OpKind::resize:
      return "F_SETPIPE_SZ";
    case OpKind::signal:
      return "signal";
  }
  return "?";
}

}  // namespace pipepool::lin
