// The sequential specification the checker linearizes against: the reference model of one pipe
// (pipe_model.hpp) plus the descriptors still open on each end. apply() runs one recorded call on
// the model, non-blocking, and says whether the model returns what the call returned.
#pragma once

#include <cstdint>

#include "lin_history.hpp"
#include "pipe_model.hpp"

namespace pipepool::lin {

struct ModelState {
  fuzz::PipeModel pipe;
  unsigned read_fds = 0;
  unsigned write_fds = 0;

  bool operator==(const ModelState&) const = default;
};

// The state before the first call of `h`: both ends open, the pipe empty and `h.pipe_size` big.
[[nodiscard]] ModelState initial_state(const History& h);

// Applies `op` to `s` and returns true when the model's result equals the recorded one (count,
// errno, bytes read or vmsplice'd out, FIONREAD value, revents). On false, `s` is unspecified.
[[nodiscard]] bool apply(ModelState& s, const Operation& op);

// A hash of `s` consistent with ==.
[[nodiscard]] std::uint64_t state_hash(const ModelState& s);

}  // namespace pipepool::lin
