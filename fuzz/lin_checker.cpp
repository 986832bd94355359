#include "lin_checker.hpp"

#include <algorithm>
#include <cstdlib>
#include <unordered_set>
#include <utility>

#include "lin_state.hpp"

namespace pipepool::lin {
namespace {

struct StateHash {
  std::size_t operator()(const ModelState& s) const {
    return static_cast<std::size_t>(state_hash(s));
  }
};

struct Frame {
  ModelState state;
  std::size_t next = 0;  // the next candidate: call * kMoves + move
  std::size_t call = 0;  // the move that led here (unused at the root)
  std::uint8_t move = 0;
  std::size_t placed = 0;  // calls done in `state`
};

// The latest a call not yet done may be invoked and still go next: the earliest return among
// the calls not done (equal stamps count as overlapping).
std::uint64_t horizon(const History& h, const ModelState& s) {
  std::uint64_t t = static_cast<std::uint64_t>(-1);
  for (std::size_t i = 0; i < h.ops.size(); ++i) {
    if (s.calls[i].phase != kDone) t = std::min(t, h.ops[i].ret);
  }
  return t;
}

}  // namespace

CheckResult check(const History& h) {
  if (h.ops.size() > kMaxCheckedOps) std::abort();
  CheckResult result;
  const Spec spec(h);
  std::unordered_set<ModelState, StateHash> seen;
  std::vector<Frame> stack;
  stack.push_back({spec.initial(), 0, 0, 0, 0});
  seen.insert(stack.back().state);
  std::size_t best = 0;
  const std::size_t candidates = h.ops.size() * kMoves;

  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.placed > best || top.placed == h.ops.size()) {
      best = top.placed;
      result.order.clear();
      result.steps_taken.clear();
      for (std::size_t k = 1; k < stack.size(); ++k) {
        result.steps_taken.emplace_back(stack[k].call, stack[k].move);
        if (stack[k].placed > stack[k - 1].placed) result.order.push_back(stack[k].call);
      }
      if (top.placed == h.ops.size()) {
        result.linearizable = true;
        return result;
      }
    }
    const std::uint64_t latest = horizon(h, top.state);
    bool descended = false;
    while (top.next < candidates) {
      const std::size_t c = top.next++;
      const std::size_t op = c / kMoves;
      const auto move = static_cast<Move>(c % kMoves);
      if (top.state.calls[op].phase == kDone || h.ops[op].invoke > latest) continue;
      if (move != Move::step && !spec.signaled(op)) continue;
      ModelState next = top.state;
      ++result.steps;
      if (!spec.apply(next, op, move) || !seen.insert(next).second) continue;
      const std::size_t placed = top.placed + (next.calls[op].phase == kDone ? 1 : 0);
      stack.push_back({std::move(next), 0, op, static_cast<std::uint8_t>(move), placed});
      descended = true;
      break;
    }
    if (!descended) stack.pop_back();
  }
  return result;
}

}  // namespace pipepool::lin
