// Runs a Plan (lin_plan.hpp) on a real pp pipe, one thread per ThreadPlan, all released together,
// and records every call's arguments, result and interval as a History. With the plan's signals,
// a further thread sends SIGUSR1 (handler without SA_RESTART) and/or SIGUSR2 (with SA_RESTART) to
// the threads still making calls, every few tens of microseconds, and each handler that ran inside
// a call of its thread is recorded as an OpKind::signal entry.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "lin_history.hpp"
#include "lin_plan.hpp"
#include "pipepool/posix.h"

namespace pipepool::lin {

struct FreePages {
  void operator()(std::uint8_t* p) const noexcept { std::free(p); }
};

struct Recording {
  History history;
  std::string error;  // set when the pipe could not be set up (no calls were made)
  // The page-aligned memory the vmsplice_in calls pointed the pipe at, each call's bytes at its
  // planned offset in pages of its own. Never written once the calls start, and owned here so
  // it outlives the pipe (closed before record() returns) whatever the pipe still referenced.
  std::unique_ptr<std::uint8_t, FreePages> spliced;
};

// Each thread gets its own descriptors (pp_dup of the pipe's): a close call closes the thread's
// descriptor, and an end closes with its last one. Descriptors left open are closed at the end.
// vmsplice calls pass SPLICE_F_NONBLOCK (vmsplice ignores the descriptors' O_NONBLOCK).
// A recording that has not finished after `deadline_s` seconds has a call that never returned
// (a plan's blocking calls always end, lin_plan.hpp): the recorder prints the plan's calls, those
// still in progress, and aborts.
[[nodiscard]] Recording record(const Plan& plan, const pp_options& options,
                               unsigned deadline_s = 60);

}  // namespace pipepool::lin
