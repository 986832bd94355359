// Linearizability check of a History against the pipe model (lin_state.hpp): is there one order
// of all its calls, consistent with real time (a call that returned before another began comes
// first), in which the model returns every recorded result? Wing & Gong's search as refined by
// Lowe: take a call that may go next (its invoke precedes every pending call's return), apply it
// to the model, go deeper if the results match, otherwise try the next one; backtrack when no
// call fits. A blocking write may take several steps (lin_state.hpp); a call counts as placed
// when its last step is. Configurations already seen (where every call stands and the model
// state) are skipped, as Porcupine does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "lin_history.hpp"

namespace pipepool::lin {

inline constexpr std::size_t kMaxCheckedOps = 256;

struct CheckResult {
  bool linearizable = false;
  // A linearization (indices into History::ops, each call where its last step is) when
  // linearizable; otherwise the longest sequence of calls the search could place.
  std::vector<std::size_t> order;
  // The steps behind `order`: (call, Move) pairs, every step of a multi-step call.
  std::vector<std::pair<std::size_t, std::uint8_t>> steps_taken;
  std::uint64_t steps = 0;  // calls applied to the model during the search
};

// `h` has at most kMaxCheckedOps calls, each with invoke <= ret.
[[nodiscard]] CheckResult check(const History& h);

}  // namespace pipepool::lin
