// pp_options with a policy and the three pool size fields set (0 = the kernel's default), for the
// pp_pipe_opts pool size tests.
#pragma once

#include "pipepool/posix.h"

namespace pipepool::testing {

inline pp_options with_pool_sizes(pp_policy policy, unsigned legacy_cache, unsigned keep,
                                  unsigned max) {
  pp_options o{};
  o.policy = policy;
  o.legacy_cache = legacy_cache;
  o.pool_keep = keep;
  o.pool_max = max;
  return o;
}

}  // namespace pipepool::testing
