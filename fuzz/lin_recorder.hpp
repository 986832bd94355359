// Runs a Plan (lin_plan.hpp) on a real non-blocking pp pipe, one thread per ThreadPlan, all
// released together, and records every call's arguments, result and interval as a History.
#pragma once

#include <string>

#include "lin_history.hpp"
#include "lin_plan.hpp"
#include "pipepool/posix.h"

namespace pipepool::lin {

struct Recording {
  History history;
  std::string error;  // set when the pipe could not be set up (no calls were made)
};

// Each thread gets its own descriptors (pp_dup of the pipe's): a close call closes the thread's
// descriptor, and an end closes with its last one. Descriptors left open are closed at the end.
[[nodiscard]] Recording record(const Plan& plan, const pp_options& options);

}  // namespace pipepool::lin
