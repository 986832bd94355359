// One thread, one edge-triggered epoll set holding the event descriptors of both ends of many pp
// pipes: it writes each pipe until EAGAIN when its write end turns ready and reads until EAGAIN
// when its read end does, closes a write end once everything is sent and a read end at end of
// file. Nothing blocks, so the loop finishes only if every not-ready -> ready change of either end
// makes a new edge.
#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <vector>

#include "event_fd_support.hpp"
#include "pipe_ops.hpp"

namespace pipepool::testing {
namespace {

constexpr int kPipes = 16;
constexpr std::size_t kBytesPerPipe = 300'000;
constexpr std::size_t kChunk = 5000;

unsigned char pattern(int pipe, std::size_t offset) {
  return static_cast<unsigned char>(offset * 17u + static_cast<unsigned>(pipe) * 3u);
}

class PosixEpollBothEndsTest : public ::testing::TestWithParam<pp_copy_mode> {};

struct Duplex {
  int r = -1;
  int w = -1;
  std::size_t sent = 0;
  std::size_t received = 0;
  std::size_t mismatches = 0;
};

std::uint64_t key(int pipe, bool writer) {
  return static_cast<std::uint64_t>(pipe) * 2 + (writer ? 1 : 0);
}

TEST_P(PosixEpollBothEndsTest, PumpsEveryPipeEdgeTriggered) {
  Watchdog watchdog(std::chrono::seconds(120));
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  ASSERT_GE(ep, 0);
  std::vector<Duplex> pipes(kPipes);
  for (int i = 0; i < kPipes; ++i) {
    pp_options o{};
    o.copy = GetParam();
    int fds[2];
    ASSERT_EQ(pp_pipe_opts(fds, O_NONBLOCK, &o), 0);
    pipes[i].r = fds[0];
    pipes[i].w = fds[1];
    for (const bool writer : {false, true}) {
      const int evfd = pp_event_fd(fds[writer ? 1 : 0]);
      ASSERT_GE(evfd, 0);
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLET;
      ev.data.u64 = key(i, writer);
      ASSERT_EQ(::epoll_ctl(ep, EPOLL_CTL_ADD, evfd, &ev), 0);
    }
  }

  int open_ends = 2 * kPipes;
  std::vector<unsigned char> buf(kChunk);
  std::uint64_t events_seen = 0;
  std::array<epoll_event, 32> events;
  while (open_ends > 0) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 30'000);
    ASSERT_GT(n, 0) << "no edge in 30 s with " << open_ends << " ends open";
    events_seen += static_cast<std::uint64_t>(n);
    for (int k = 0; k < n; ++k) {
      const int i = static_cast<int>(events[k].data.u64 / 2);
      const bool writer = (events[k].data.u64 & 1) != 0;
      Duplex& d = pipes[i];
      if (writer) {
        ASSERT_GE(d.w, 0) << "event for a closed write end";
        for (;;) {
          if (d.sent == kBytesPerPipe) {
            ASSERT_EQ(pp_close(d.w), 0);
            d.w = -1;
            --open_ends;
            break;
          }
          const std::size_t len = std::min(kChunk, kBytesPerPipe - d.sent);
          for (std::size_t b = 0; b < len; ++b) buf[b] = pattern(i, d.sent + b);
          const ssize_t w = pp_write(d.w, buf.data(), len);
          if (w < 0) {
            ASSERT_EQ(errno, EAGAIN);
            break;
          }
          d.sent += static_cast<std::size_t>(w);
        }
      } else {
        ASSERT_GE(d.r, 0) << "event for a closed read end";
        for (;;) {
          const ssize_t got = pp_read(d.r, buf.data(), buf.size());
          if (got < 0) {
            ASSERT_EQ(errno, EAGAIN);
            break;
          }
          if (got == 0) {
            ASSERT_EQ(pp_close(d.r), 0);
            d.r = -1;
            --open_ends;
            break;
          }
          for (ssize_t b = 0; b < got; ++b) d.mismatches += buf[b] != pattern(i, d.received + b);
          d.received += static_cast<std::size_t>(got);
        }
      }
    }
  }
  for (int i = 0; i < kPipes; ++i) {
    EXPECT_EQ(pipes[i].received, kBytesPerPipe) << "pipe " << i;
    EXPECT_EQ(pipes[i].mismatches, 0u) << "pipe " << i;
  }
  // Each pipe is more than four times its capacity: both ends turned ready again and again.
  EXPECT_GT(events_seen, static_cast<std::uint64_t>(kPipes) * 8);
  ::close(ep);
}

EVENT_FD_INSTANTIATE(PosixEpollBothEndsTest);

}  // namespace
}  // namespace pipepool::testing
