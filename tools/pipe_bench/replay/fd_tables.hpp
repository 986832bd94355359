// The descriptor tables of a traced process tree: which descriptors each table holds, which pipe
// (and which end) each pipe descriptor refers to, close-on-exec flags, tables shared by threads
// (CLONE_FILES) and copied by fork, and when a pipe loses its last descriptor in every process
// (its release). The strace parser records only pipe descriptors (strace names each call's
// pipe); the tracepoint follower records every descriptor, because a new descriptor's number is
// the lowest one its table leaves free. Descriptors a process had before the trace began and the
// table was not given are unknown: their pipes are released when the replay ends.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

namespace pipe_bench::replay {

struct Descriptor {
  std::optional<std::uint64_t> pipe;  // unset: not a pipe
  bool write_end = false;             // a pipe's write end
  bool cloexec = false;               // closed by a successful execve
  bool operator==(const Descriptor&) const = default;
};

class FdTables {
 public:
  // Called with a pipe's id when its last descriptor goes away.
  explicit FdTables(std::function<void(std::uint64_t)> on_release)
      : on_release_(std::move(on_release)) {}

  // `fd` of `pid` now is `d` (pipe(), dup, open, ...); what it referred to before loses that
  // reference.
  void open(int pid, int fd, Descriptor d);
  // `pid` refers to `pipe` through `fd` (an end not known).
  void set(int pid, int fd, std::uint64_t pipe) { open(pid, fd, Descriptor{pipe, false, false}); }
  void close(int pid, int fd);
  // Closes (or, with `cloexec_only`, marks close-on-exec) every descriptor in [first, last].
  void close_range(int pid, int first, int last, bool cloexec_only);
  void set_cloexec(int pid, int fd, bool cloexec);
  // `child` starts with a copy of `parent`'s table, or the same table when `share_files`.
  void fork(int parent, int child, bool share_files);
  // `pid` gets a table of its own, a copy of the one it shared (unshare(CLONE_FILES), execve).
  void unshare(int pid);
  // A successful execve: `pid`'s table is its own, without its close-on-exec descriptors.
  void exec(int pid);
  [[nodiscard]] bool known(int pid) const { return pids_.count(pid) != 0; }
  // Makes `pid` known, with an empty table when it has none yet.
  void touch(int pid) { (void)table_of(pid); }
  // The process (or thread) ended: its table goes when no other task uses it.
  void exit(int pid);
  [[nodiscard]] std::optional<Descriptor> get(int pid, int fd) const;
  // Which pipe `fd` of `pid` refers to, if a pipe.
  [[nodiscard]] std::optional<std::uint64_t> pipe_of(int pid, int fd) const;
  // The `n` lowest descriptor numbers `pid`'s table leaves free, in increasing order.
  [[nodiscard]] std::vector<int> lowest_free(int pid, int n) const;
  // Pipes that still have a descriptor somewhere.
  [[nodiscard]] std::set<std::uint64_t> open_pipes() const;

 private:
  struct Table {
    std::map<int, Descriptor> fds;
    int users = 0;
  };
  std::shared_ptr<Table> table_of(int pid);
  // A table of its own for one task, holding the same descriptors (their pipes referred once more).
  std::shared_ptr<Table> copy_of(const Table& table);
  void add_ref(const Descriptor& d);
  void drop(const Descriptor& d);

  std::function<void(std::uint64_t)> on_release_;
  std::map<int, std::shared_ptr<Table>> pids_;
  std::map<std::uint64_t, std::uint64_t> refs_;  // pipe -> descriptors referring to it
};

}  // namespace pipe_bench::replay
