// Text for a failed linearizability check: the calls of the history in invoke order, and the
// longest sequence of them the search could place, with the model's state after it.
#pragma once

#include <string>

#include "lin_checker.hpp"
#include "lin_history.hpp"

namespace pipepool::lin {

// The call's name as reports print it ("write", "vmsplice", "F_SETPIPE_SZ", ...).
[[nodiscard]] const char* kind_name(OpKind k);

// One line for call `i` of `h`: thread, interval, call, result.
[[nodiscard]] std::string describe(const History& h, std::size_t i);

// The whole report for a history `check` rejected with `r`.
[[nodiscard]] std::string failure_report(const History& h, const CheckResult& r);

}  // namespace pipepool::lin
