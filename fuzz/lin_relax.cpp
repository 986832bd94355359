#include "lin_relax.hpp"

#include <algorithm>

namespace pipepool::lin {

History defer_write_returns(const History& h) {
  History out = h;
  for (std::size_t i = 0; i < h.ops.size(); ++i) {
    if (h.ops[i].kind != OpKind::write) continue;
    for (const Operation& v : h.ops) {
      if (v.kind == OpKind::write && v.invoke < h.ops[i].ret) {
        out.ops[i].ret = std::max(out.ops[i].ret, v.ret);
      }
    }
  }
  return out;
}

}  // namespace pipepool::lin
