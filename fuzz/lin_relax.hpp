// The weaker specification the parallel copy mode meets: writes commit in the order they
// reserved, so a write's bytes may become visible only once every write that reserved before it
// has finished copying, after its own call returned. defer_write_returns() moves each write's
// return stamp to the latest return of any write invoked before it returned (every write that
// can have reserved before it); checking the result asks whether the history is linearizable
// when a write counts as complete only then.
#pragma once

#include "lin_history.hpp"

namespace pipepool::lin {

[[nodiscard]] History defer_write_returns(const History& h);

}  // namespace pipepool::lin
