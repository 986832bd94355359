// The fork handlers of shared pipes (internal/shared_fork.hpp).
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "internal/fd_table.hpp"
#include "internal/shared_fork.hpp"
#include "internal/shared_pipe.hpp"

namespace pipepool::internal {
namespace {

// State of the fork in progress, made in prepare under the descriptor table's lock (the child
// inherits a copy).
std::uint64_t fork_pass = 0;
pid_t lender = 0;
int errno_before_fork = 0;

// Calls `f` once for every shared end open in `table`.
template <typename F>
void each_end_once(FdTable& table, F f) {
  const std::uint64_t pass = ++fork_pass;
  table.for_each_shared_locked([&](SharedEnd& end) {
    if (end.mark == pass) return;
    end.mark = pass;
    f(end);
  });
}

}  // namespace

void shared_fork_prepare(FdTable& table) noexcept {
  lender = getpid();
  each_end_once(table, [](SharedEnd& end) { end.lend_for_fork(); });
  errno_before_fork = errno;
  errno = 0;
}

void shared_fork_parent(FdTable& table) noexcept {
  // fork(2)'s own errors; anything else (or nothing) means the child exists.
  const int e = errno;
  if (e != EAGAIN && e != ENOMEM && e != ENOSYS) {
    errno = errno_before_fork;
    return;
  }
  each_end_once(table, [](SharedEnd& end) { end.return_after_failed_fork(); });
}

void shared_fork_child(FdTable& table) noexcept {
  errno = errno_before_fork;
  const pid_t parent = lender;
  each_end_once(table, [parent](SharedEnd& end) { end.adopt_after_fork(parent); });
}

}  // namespace pipepool::internal
