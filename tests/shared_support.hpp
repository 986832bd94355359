// Helpers for the shared-pipe tests (pp_pipe2 with PP_O_SHARED): forked children that report the
// line of their first failed check, whole reads and writes, and a hang guard for the parent.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fork_support.hpp"
#include "pipepool/posix.h"

namespace pipepool::testing {

// In a child: the first failed check's line, or 0 at the end.
#define SHARED_CHILD_CHECK(cond)  \
  do {                            \
    if (!(cond)) return __LINE__; \
  } while (0)

// Kills the test process (SIGALRM's default action) when it is not destroyed within `seconds`:
// a parent blocked forever in a pipe call fails instead of hanging.
class HangGuard {
 public:
  explicit HangGuard(unsigned seconds = test::kUnderTsan ? 60 : 20) { ::alarm(seconds); }
  ~HangGuard() { ::alarm(0); }
  HangGuard(const HangGuard&) = delete;
  HangGuard& operator=(const HangGuard&) = delete;
};

// Writes all of `len` bytes (blocking). Returns true when every byte went in.
inline bool write_all(int fd, const void* buf, std::size_t len) {
  const auto* p = static_cast<const std::byte*>(buf);
  while (len != 0) {
    const ssize_t n = pp_write(fd, p, len);
    if (n <= 0) return false;
    p += n;
    len -= static_cast<std::size_t>(n);
  }
  return true;
}

// Reads until EOF. Returns the bytes, or sets `error` to the errno of a failed read.
inline std::vector<std::uint8_t> read_to_eof(int fd, int& error) {
  std::vector<std::uint8_t> out;
  std::uint8_t buf[8192];
  error = 0;
  for (;;) {
    const ssize_t n = pp_read(fd, buf, sizeof buf);
    if (n < 0) {
      error = errno;
      return out;
    }
    if (n == 0) return out;
    out.insert(out.end(), buf, buf + n);
  }
}

// The byte at position `i` of a test stream tagged `tag`.
inline std::uint8_t pattern(std::size_t i, unsigned tag = 0) {
  return static_cast<std::uint8_t>((i * 131 + tag * 17 + (i >> 12)) & 0xff);
}

}  // namespace pipepool::testing
