// fork() and shared pipes: the child's inherited shared descriptors keep working, and count as new
// ends, as fork takes a reference to every open file in the kernel.
//
// The parent lends the child its references before fork: prepare counts one more end, in the
// parent's entry of the pipe's process table, for every shared end open in the descriptor table
// (an end open at several descriptors once). The child moves that count to an entry of its own.
// So no moment exists at which the pipe's counts miss the child's ends: a parent that closes its
// ends right after fork cannot make the child's reader see EOF. When fork fails, the parent
// handler takes the loan back (fork failed: errno, which prepare cleared, is non-zero then).
// A child that finds the pipe's process table full keeps its descriptors detached (every call
// fails with EIO) and the loan is returned.
#pragma once

namespace pipepool::internal {

class FdTable;

// Called by the fork handlers (internal/fork_guard.hpp) with the descriptor table locked (in the
// child: single-threaded).
void shared_fork_prepare(FdTable& table) noexcept;
void shared_fork_parent(FdTable& table) noexcept;
void shared_fork_child(FdTable& table) noexcept;

}  // namespace pipepool::internal
