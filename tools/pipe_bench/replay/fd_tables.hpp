// The descriptor tables of a traced process tree, as far as pipes go: which pipe each descriptor
// of each table refers to, tables shared by threads (CLONE_FILES) and copied by fork, and when a
// pipe loses its last descriptor in every process (its release). Descriptors a process had before
// the trace began are unknown: their pipes are released when the replay ends.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>

namespace pipe_bench::replay {

class FdTables {
 public:
  // Called with a pipe's inode when its last descriptor goes away.
  explicit FdTables(std::function<void(std::uint64_t)> on_release)
      : on_release_(std::move(on_release)) {}

  // `pid` refers to `pipe` through `fd` (pipe(), dup, or a descriptor seen in a call); a pipe the
  // descriptor referred to before loses that reference.
  void set(int pid, int fd, std::uint64_t pipe);
  void close(int pid, int fd);
  // `child` starts with a copy of `parent`'s table, or the same table when `share_files`.
  void fork(int parent, int child, bool share_files);
  [[nodiscard]] bool known(int pid) const { return pids_.count(pid) != 0; }
  // Makes `pid` known, with an empty table when it has none yet.
  void touch(int pid) { (void)table_of(pid); }
  // The process (or thread) ended: its table goes when no other task uses it.
  void exit(int pid);
  // Which pipe `fd` of `pid` refers to, if a pipe.
  [[nodiscard]] std::optional<std::uint64_t> pipe_of(int pid, int fd) const;
  // Pipes that still have a descriptor somewhere.
  [[nodiscard]] std::set<std::uint64_t> open_pipes() const;

 private:
  struct Table {
    std::map<int, std::uint64_t> fds;
    int users = 0;
  };
  std::shared_ptr<Table> table_of(int pid);
  void drop(std::uint64_t pipe);

  std::function<void(std::uint64_t)> on_release_;
  std::map<int, std::shared_ptr<Table>> pids_;
  std::map<std::uint64_t, std::uint64_t> refs_;  // pipe inode -> descriptors referring to it
};

}  // namespace pipe_bench::replay
