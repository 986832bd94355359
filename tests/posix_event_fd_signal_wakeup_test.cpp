// A reader blocked in pp_read, released by a writer that fills the pipe, takes a signal (handler
// without SA_RESTART) before its wake-up arrives. With the pipe's event descriptors taken the
// writer updates them in between, sampling the pipe under its mutex, so a released reader that
// waited for its wake-up holding the mutex would hang both. Test hooks hold the window: the
// writer, at its readiness update (or, without event descriptors, just before it wakes the
// reader), signals the reader and lets it run before going on. The reader then reads the data
// (its condition holds, as in the kernel's wait). Both copy modes; a hang aborts the binary
// through the watchdog.
#include <poll.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <thread>
#include <vector>

#include "event_fd_support.hpp"
#include "internal/fd_table.hpp"
#include "internal/pipe_core.hpp"
#include "internal/readiness.hpp"
#include "internal/wait_queue.hpp"
#include "pipe_ops.hpp"
#include "signal_support.hpp"

namespace pipepool::testing {
namespace {

using Clock = std::chrono::steady_clock;

// The reader thread and what the hook does in the window; one scenario at a time.
std::atomic<pthread_t> g_reader{};
std::atomic<int> g_handled{0};
std::atomic<bool> g_reader_done{false};
std::atomic<int> g_drain_fd{-1};  // when >= 0, the hook also reads a page from it (makes room)
std::atomic<int> g_hook_calls{0};
std::atomic<long> g_hook_read{0};  // bytes the hook read
std::atomic<bool> g_signal_sent{false};
std::atomic<bool> g_hook_done{false};

void on_signal(int) {
  g_handled.fetch_add(1);
}

// In the writer, with the pipe mutex dropped: signal the reader, wait until its handler ran and it
// had time to act on it (or it returned), optionally free a page, then let the update go on.
void hold_window() {
  if (g_hook_calls.fetch_add(1) != 0) return;  // the first update only: the writer's, when full
  pthread_kill(g_reader.load(), SIGUSR1);
  g_signal_sent = true;
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (g_handled.load() == 0 && Clock::now() < deadline) std::this_thread::yield();
  const auto settle = Clock::now() + std::chrono::milliseconds(100);
  while (!g_reader_done.load() && Clock::now() < settle) std::this_thread::yield();
  const int fd = g_drain_fd.load();
  if (fd >= 0) {
    std::vector<char> page(4096);
    g_hook_read = pp_read(fd, page.data(), page.size());  // needs the pipe mutex
  }
  g_hook_done = true;
}

PipeStats stats_of(int fd) {
  return internal::FdTable::global().get(fd)->pipe().stats();
}

struct ReleasedReaderSignal : ::testing::TestWithParam<pp_copy_mode> {
  // Runs the scenario. `watch`: event descriptors taken, the window held at the readiness update
  // (else at the wake-up); `drain`: the hook also reads a page, so the pipe is no longer full when
  // the writer gets its mutex back (its wait then returns at once).
  void run(bool watch, bool drain) {
    Watchdog dog(std::chrono::seconds(20));
    ScopedDisposition h(SIGUSR1, on_signal);  // no SA_RESTART
    EventPipe p(GetParam(), 0);
    ASSERT_GE(p.r(), 0);
    if (watch) {
      ASSERT_GE(pp_event_fd(p.r()), 0);
      ASSERT_GE(pp_event_fd(p.w()), 0);
    }
    g_handled = 0;
    g_reader_done = false;
    g_hook_calls = 0;
    g_hook_read = 0;
    g_signal_sent = false;
    g_hook_done = false;
    g_drain_fd = drain ? p.r() : -1;

    char first[4096];
    long got = 0;
    int err = 0;
    std::thread reader([&] {
      errno = 0;
      got = pp_read(p.r(), first, sizeof first);
      err = errno;
      g_reader_done = true;
      // Stay alive until the hook has signalled this thread (a joined thread cannot be).
      const auto deadline = Clock::now() + std::chrono::seconds(5);
      while (!g_signal_sent.load() && Clock::now() < deadline) std::this_thread::yield();
    });
    g_reader = reader.native_handle();
    while (stats_of(p.r()).reads_blocked == 0) std::this_thread::yield();

    if (watch) {
      internal::test_hooks::before_readiness_update.store(hold_window);
    } else {
      internal::test_hooks::before_wake.store(hold_window);
    }
    std::vector<char> data(2 * 65536);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 13 + 1);
    long wrote = 0;
    std::thread writer([&] { wrote = pp_write(p.w(), data.data(), data.size()); });

    reader.join();
    // The hook ran its window (and took its page) before the rest is read here.
    while (!g_hook_done.load()) std::this_thread::yield();
    // Whatever the signal did to the reader (it took its wake-up and read, or it returned EINTR),
    // the writer goes on: read the rest, until every byte written is accounted for.
    std::vector<char> out;
    if (got > 0) out.insert(out.end(), first, first + got);
    const std::size_t taken_by_hook = static_cast<std::size_t>(g_hook_read.load());
    std::vector<char> buf(65536);
    while (out.size() + taken_by_hook < data.size()) {
      const long n = pp_read(p.r(), buf.data(), buf.size());
      ASSERT_GT(n, 0) << "errno " << errno;
      out.insert(out.end(), buf.data(), buf.data() + n);
    }
    writer.join();
    internal::test_hooks::before_readiness_update.store(nullptr);
    internal::test_hooks::before_wake.store(nullptr);

    EXPECT_GE(g_hook_calls.load(), 1);
    EXPECT_GE(g_handled.load(), 1);
    EXPECT_EQ(wrote, static_cast<long>(data.size()));
    EXPECT_GT(got, 0) << "errno " << err;  // woken with data there: it reads, signal or not
    EXPECT_EQ(taken_by_hook, drain ? 4096u : 0u);
    ASSERT_EQ(out.size() + taken_by_hook, data.size());
    if (!drain) {
      EXPECT_EQ(std::memcmp(out.data(), data.data(), data.size()), 0);
    }
  }
};

TEST_P(ReleasedReaderSignal, WriterUpdateDoesNotWaitForTheReader) {
  run(true, false);
}

TEST_P(ReleasedReaderSignal, UpdateThatMakesRoomStillWakesTheReader) {
  run(true, true);
}

TEST_P(ReleasedReaderSignal, WithoutEventFdTheReaderTakesItsWakeup) {
  run(false, false);
}

EVENT_FD_INSTANTIATE(ReleasedReaderSignal);

}  // namespace
}  // namespace pipepool::testing
