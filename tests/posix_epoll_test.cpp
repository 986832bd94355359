// An epoll loop serving many pp pipes through pp_event_fd, level- and edge-triggered: writer
// threads (blocking pp_write) each fill one pipe and close it; the loop reads every pipe to end of
// file with non-blocking pp_read, checks every byte, and closes the read end, which removes its
// event descriptor from the epoll set.
#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <thread>
#include <tuple>
#include <vector>

#include "event_fd_support.hpp"
#include "pipe_ops.hpp"

namespace pipepool::testing {
namespace {

constexpr int kPipes = 64;
constexpr std::size_t kBytesPerPipe = 100'000;  // not a page multiple
constexpr std::size_t kChunk = 3000;            // writes straddle pages and merge

unsigned char pattern(int pipe, std::size_t offset) {
  return static_cast<unsigned char>(offset * 131u + static_cast<unsigned>(pipe) * 7u + 1u);
}

using Param = std::tuple<bool /*edge*/, pp_copy_mode>;

class PosixEpollTest : public ::testing::TestWithParam<Param> {};

struct Served {
  int fd = -1;  // read end
  std::size_t received = 0;
  std::size_t mismatches = 0;
  bool eof = false;
};

// Reads what `s` has: until EAGAIN or end of file when edge-triggered, once otherwise.
void serve(Served& s, int index, bool edge) {
  std::array<unsigned char, 8192> buf;
  for (;;) {
    const ssize_t n = pp_read(s.fd, buf.data(), buf.size());
    if (n < 0) {
      ASSERT_EQ(errno, EAGAIN);
      return;
    }
    if (n == 0) {
      s.eof = true;
      return;
    }
    for (ssize_t i = 0; i < n; ++i) s.mismatches += buf[i] != pattern(index, s.received + i);
    s.received += static_cast<std::size_t>(n);
    if (!edge) return;
  }
}

TEST_P(PosixEpollTest, ServesManyPipesToEndOfFile) {
  const auto [edge, copy] = GetParam();
  Watchdog watchdog(std::chrono::seconds(120));
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  ASSERT_GE(ep, 0);
  std::vector<Served> served(kPipes);
  std::vector<int> write_ends(kPipes);
  std::vector<int> event_fds(kPipes);
  for (int i = 0; i < kPipes; ++i) {
    pp_options o{};
    o.copy = copy;
    int fds[2];
    ASSERT_EQ(pp_pipe_opts(fds, 0, &o), 0);
    ASSERT_EQ(pp_fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);  // the writers block, the loop does not
    served[i].fd = fds[0];
    write_ends[i] = fds[1];
    event_fds[i] = pp_event_fd(fds[0]);
    ASSERT_GE(event_fds[i], 0);
    epoll_event ev{};
    ev.events = EPOLLIN | (edge ? EPOLLET : 0u);
    ev.data.u32 = static_cast<std::uint32_t>(i);
    ASSERT_EQ(::epoll_ctl(ep, EPOLL_CTL_ADD, event_fds[i], &ev), 0);
  }

  std::vector<std::thread> writers;
  for (int i = 0; i < kPipes; ++i) {
    writers.emplace_back([i, fd = write_ends[i]] {
      std::vector<unsigned char> chunk(kChunk);
      std::size_t sent = 0;
      while (sent < kBytesPerPipe) {
        const std::size_t n = std::min(kChunk, kBytesPerPipe - sent);
        for (std::size_t k = 0; k < n; ++k) chunk[k] = pattern(i, sent + k);
        const ssize_t w = pp_write(fd, chunk.data(), n);
        if (w <= 0) {
          ADD_FAILURE() << "pp_write: errno " << errno;
          break;
        }
        sent += static_cast<std::size_t>(w);
      }
      EXPECT_EQ(pp_close(fd), 0);
    });
  }

  int open = kPipes;
  std::array<epoll_event, 16> events;
  while (open > 0) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 30'000);
    ASSERT_GT(n, 0) << "no event in 30 s with " << open << " pipes open";
    for (int k = 0; k < n; ++k) {
      const auto i = static_cast<int>(events[k].data.u32);
      Served& s = served[i];
      ASSERT_FALSE(s.eof) << "event for a closed pipe";
      serve(s, i, edge);
      if (s.eof) {
        ASSERT_EQ(pp_close(s.fd), 0);  // its event descriptor closes and leaves the epoll set
        --open;
      }
    }
  }
  for (std::thread& t : writers) t.join();

  for (int i = 0; i < kPipes; ++i) {
    EXPECT_EQ(served[i].received, kBytesPerPipe) << "pipe " << i;
    EXPECT_EQ(served[i].mismatches, 0u) << "pipe " << i;
    errno = 0;
    EXPECT_EQ(::fcntl(event_fds[i], F_GETFD), -1);
    EXPECT_EQ(errno, EBADF);
  }
  epoll_event none[1];
  EXPECT_EQ(::epoll_wait(ep, none, 1, 0), 0);  // nothing left in the set
  ::close(ep);
}

std::string ParamName(const ::testing::TestParamInfo<Param>& info) {
  return std::string(std::get<0>(info.param) ? "Edge" : "Level") +
         (std::get<1>(info.param) == PP_COPY_KERNEL ? "KernelCopy" : "ParallelCopy");
}

INSTANTIATE_TEST_SUITE_P(Trigger, PosixEpollTest,
                         ::testing::Combine(::testing::Bool(),
                                            ::testing::Values(PP_COPY_KERNEL, PP_COPY_PARALLEL)),
                         ParamName);

}  // namespace
}  // namespace pipepool::testing
