// The page-cache side of ReclaimCgroup: a sparse file on a disk filesystem, and the child process
// that keeps a memory cgroup full of that file's (clean, reclaimable) page cache.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace pipe_bench {

// A sparse file of `bytes` in `dir`, already unlinked (O_TMPFILE, else mkstemp + unlink), so that
// nothing is left on disk once the last descriptor closes; readahead is off for it. -1 with `error`
// set when `dir` is on tmpfs or ramfs (their pages are not reclaimable without swap) or the file
// cannot be made. `fs_type` receives a name for the filesystem ("ext4/xfs/...": the statfs magic in
// hex).
[[nodiscard]] int open_cache_file(const std::string& dir, std::uint64_t bytes, std::string& fs_type,
                                  std::string& error);

// True when `dir` is on tmpfs or ramfs.
[[nodiscard]] bool cache_dir_is_memory_fs(const std::string& dir);

struct CacheChildArgs {
  int file_fd = -1;
  std::uint64_t file_bytes = 0;
  const char* procs_path = nullptr;  // the cgroup's cgroup.procs: the child joins it first
  const char* usage_path = nullptr;  // memory.usage_in_bytes (v1) or memory.current (v2)
  std::uint64_t limit = 0;
  int ready_fd = -1;  // one byte is written here once the file has been read through once
  pid_t parent = 0;
};

// The child's body, after fork(): async-signal-safe calls only (the parent may have threads).
// Own process group (a terminal's Ctrl-C reaches only pipe_bench), SIGKILL when the forking
// thread dies, joins the cgroup, reads the whole file once, reports ready, then reads on
// (wrapping around) 256 KiB at a time whenever usage + 512 KiB <= limit, polling usage every
// 5 ms. Never returns;
// exits 3 if it cannot join the cgroup.
[[noreturn]] void run_cache_child(const CacheChildArgs& args) noexcept;

}  // namespace pipe_bench
