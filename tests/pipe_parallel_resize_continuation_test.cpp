// A blocking write that slept on a full pipe and is woken by a resize that gives it room for all
// it has left stores the rest in one step, as pipe_write does (it never sleeps again, so the
// kernel lets no other writer in): another writer's bytes land before that continuation or after
// it, never inside. A 256 KiB write fills a 64 KiB pipe and sleeps; the pipe grows to 1 MiB (room
// for the 48 pages left); the write's copy is held on a missing page (userfaultfd) inside the
// continuation while a second writer writes 100 bytes, itself held mid-copy when its copy runs
// outside the mutex. Both copy modes, several rounds.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/ioctl.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "pipepool/posix.h"
#include "stalled_source.hpp"

namespace pipepool {
namespace {

constexpr std::size_t kPage = StalledSource::kPage;
constexpr std::size_t kBig = 256 * 1024;  // 64 pages
constexpr int kMissing = 18;              // inside the continuation (pages 16..63)
constexpr std::size_t kSmall = 100;

int available(int fd) {
  int n = 0;
  return pp_ioctl(fd, FIONREAD, &n) == 0 ? n : -1;
}

// One round; returns the bytes the pipe held, in order, once both writes returned.
std::string round_trip(pp_copy_mode copy) {
  StalledSource big(kMissing, 'A', kBig / kPage);
  StalledSource small(0, 'B');
  if (!big.ok() || !small.ok()) return {};
  pp_options o{};
  o.copy = copy;
  int fds[2];
  if (pp_pipe_opts(fds, 0, &o) != 0) return {};
  ssize_t big_wrote = 0;
  ssize_t small_wrote = 0;
  std::thread w1([&] { big_wrote = pp_write(fds[1], big.data(), kBig); });
  // W1 fills the 64 KiB pipe with its first 16 pages and sleeps.
  while (available(fds[0]) < 65536) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(pp_fcntl(fds[1], F_SETPIPE_SZ, 1 << 20), 1 << 20);
  // W1's continuation reaches the missing page 18 and stops there.
  EXPECT_TRUE(big.wait_for_fault());
  std::atomic<bool> small_stalled{false};
  std::thread fault([&] { small_stalled = small.wait_for_fault(); });
  std::thread w2([&] { small_wrote = pp_write(fds[1], small.data(), kSmall); });
  // Parallel mode: W2 reserves and stops in its own copy while W1's copy is held. Kernel mode:
  // W1 holds the mutex, so W2 waits for it and copies (and stops) only once W1 is released.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
  while (!small_stalled && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const bool small_first = small_stalled;
  if (small_first) {
    EXPECT_TRUE(small.resolve('B'));
  }
  EXPECT_TRUE(big.resolve('A'));
  fault.join();
  EXPECT_TRUE(small_stalled);
  if (!small_first) {
    EXPECT_TRUE(small.resolve('B'));
  }
  w1.join();
  w2.join();
  EXPECT_EQ(big_wrote, static_cast<ssize_t>(kBig));
  EXPECT_EQ(small_wrote, static_cast<ssize_t>(kSmall));
  pp_close(fds[1]);
  std::string out;
  std::vector<char> buf(kBig + kPage);
  for (;;) {
    const ssize_t n = pp_read(fds[0], buf.data(), buf.size());
    if (n <= 0) break;
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  pp_close(fds[0]);
  return out;
}

class PipeResizeContinuation : public testing::TestWithParam<pp_copy_mode> {};

TEST_P(PipeResizeContinuation, NoOtherWriterBytesInsideTheContinuation) {
  constexpr int kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    const std::string out = round_trip(GetParam());
    if (out.empty()) GTEST_SKIP() << "userfaultfd (user mode) is not available";
    ASSERT_EQ(out.size(), kBig + kSmall);
    // The first 16 pages are W1's; W2's 100 bytes come right after them or after W1's end.
    const std::size_t b = out.find('B');
    ASSERT_NE(b, std::string::npos);
    EXPECT_TRUE(b == 65536 || b == kBig)
        << "round " << round << ": W2's bytes at offset " << b << ", inside W1's continuation ("
        << (b - 65536) / kPage << " pages into it)";
    EXPECT_EQ(out.find_first_not_of('B', b), b == kBig ? std::string::npos : b + kSmall);
  }
}

INSTANTIATE_TEST_SUITE_P(CopyModes, PipeResizeContinuation,
                         testing::Values(PP_COPY_KERNEL, PP_COPY_PARALLEL),
                         [](const testing::TestParamInfo<pp_copy_mode>& info) {
                           return std::string(info.param == PP_COPY_KERNEL ? "kernel" : "parallel");
                         });

}  // namespace
}  // namespace pipepool
