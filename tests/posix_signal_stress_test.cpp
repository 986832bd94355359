// Writers and readers on one blocking pp pipe with its event descriptors taken and polled, while a
// thread sends signals to all of them, with SA_RESTART (SIGUSR2) and without (SIGUSR1). Records
// are one page each, written one or two at a time: a write returns -1 EINTR only when it stored
// nothing, else the bytes it stored (whole records), and the writer sends the rest again. Every
// record arrives exactly once, whole, and nobody hangs. Both copy modes.
#include <poll.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "event_fd_support.hpp"
#include "pipe_ops.hpp"
#include "signal_support.hpp"

namespace pipepool::testing {
namespace {

constexpr std::size_t kRecord = 4096;  // PIPE_BUF: one record per page, never merged
constexpr int kWriters = 4;
constexpr int kReaders = 3;
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr std::uint32_t kRecordsPerWriter = 600;
#else
constexpr std::uint32_t kRecordsPerWriter = 4000;
#endif

std::atomic<long> g_handled{0};

void on_signal(int) {
  g_handled.fetch_add(1, std::memory_order_relaxed);
}

void fill(char* rec, std::uint32_t writer, std::uint32_t seq) {
  std::memcpy(rec, &writer, sizeof writer);
  std::memcpy(rec + 4, &seq, sizeof seq);
  for (std::size_t i = 8; i < kRecord; ++i) rec[i] = static_cast<char>(writer * 131 + seq * 7 + i);
}

// Returns true and the record's (writer, seq) when its bytes are the ones fill() made.
bool parse(const char* rec, std::uint32_t& writer, std::uint32_t& seq) {
  std::memcpy(&writer, rec, sizeof writer);
  std::memcpy(&seq, rec + 4, sizeof seq);
  if (writer >= kWriters || seq >= kRecordsPerWriter) return false;
  for (std::size_t i = 8; i < kRecord; ++i) {
    if (rec[i] != static_cast<char>(writer * 131 + seq * 7 + i)) return false;
  }
  return true;
}

// Runs `f` when the scope ends, however the worker's body left it (an ASSERT returns early).
template <class F>
struct ScopeExit {
  explicit ScopeExit(F& f) : f_(f) {}
  ~ScopeExit() { f_(); }
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  F& f_;
};

struct PosixSignalStress : ::testing::TestWithParam<pp_copy_mode> {};

TEST_P(PosixSignalStress, EveryRecordOnceWhileSignalsFly) {
  Watchdog dog(std::chrono::seconds(120));
  ScopedDisposition eintr(SIGUSR1, on_signal);
  ScopedDisposition restart(SIGUSR2, on_signal, SA_RESTART);
  EventPipe p(GetParam(), 0);
  ASSERT_GE(p.r(), 0);
  const int ev_r = pp_event_fd(p.r());
  const int ev_w = pp_event_fd(p.w());
  ASSERT_GE(ev_r, 0);
  ASSERT_GE(ev_w, 0);
  g_handled = 0;

  std::atomic<long> write_eintr{0};
  std::atomic<long> short_writes{0};
  std::atomic<long> read_eintr{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  std::vector<pthread_t> targets(kWriters + kReaders);
  std::atomic<int> started{0};
  // Workers stay alive until the signaller stopped (a joined thread must not be signalled).
  std::atomic<int> finished{0};
  std::atomic<bool> release{false};
  const auto finish = [&] {
    finished.fetch_add(1);
    while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  };

  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      targets[w] = pthread_self();
      started.fetch_add(1);
      std::vector<char> buf(2 * kRecord);
      std::mt19937 rng(static_cast<unsigned>(w));
      std::uint32_t seq = 0;
      ScopeExit done(finish);
      while (seq < kRecordsPerWriter) {
        const std::uint32_t n = (rng() & 1) != 0 && seq + 1 < kRecordsPerWriter ? 2 : 1;
        for (std::uint32_t i = 0; i < n; ++i) fill(buf.data() + i * kRecord, w, seq + i);
        std::size_t off = 0;
        while (off < n * kRecord) {
          const long r = pp_write(p.w(), buf.data() + off, n * kRecord - off);
          if (r < 0) {
            ASSERT_EQ(errno, EINTR);
            write_eintr.fetch_add(1);
            continue;
          }
          ASSERT_EQ(static_cast<std::size_t>(r) % kRecord, 0u) << "a write split a record";
          if (off + static_cast<std::size_t>(r) < n * kRecord) short_writes.fetch_add(1);
          off += static_cast<std::size_t>(r);
        }
        seq += n;
      }
    });
  }
  std::mutex seen_mutex;
  std::vector<std::vector<int>> seen(kWriters, std::vector<int>(kRecordsPerWriter, 0));
  std::atomic<long> torn{0};
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      targets[kWriters + r] = pthread_self();
      started.fetch_add(1);
      std::vector<char> buf(3 * kRecord);
      ScopeExit done(finish);
      for (;;) {
        const long n = pp_read(p.r(), buf.data(), buf.size());
        if (n < 0) {
          ASSERT_EQ(errno, EINTR);
          read_eintr.fetch_add(1);
          continue;
        }
        if (n == 0) return;  // EOF: every writer is done
        if (static_cast<std::size_t>(n) % kRecord != 0) {
          torn.fetch_add(1);
          continue;
        }
        std::lock_guard lock(seen_mutex);
        for (long off = 0; off < n; off += static_cast<long>(kRecord)) {
          std::uint32_t writer = 0;
          std::uint32_t seq = 0;
          if (!parse(buf.data() + off, writer, seq)) {
            torn.fetch_add(1);
            continue;
          }
          ++seen[writer][seq];
        }
      }
    });
  }
  // Polls both event descriptors, as an event loop would, so readiness updates run throughout.
  std::thread poller([&] {
    while (!stop.load()) {
      pollfd fds[2] = {{ev_r, POLLIN, 0}, {ev_w, POLLIN, 0}};
      (void)::poll(fds, 2, 1);
    }
  });
  while (started.load() != kWriters + kReaders) std::this_thread::yield();
  std::thread signaller([&] {
    std::mt19937 rng(7);
    while (!stop.load()) {
      const pthread_t t = targets[rng() % targets.size()];
      pthread_kill(t, (rng() & 1) != 0 ? SIGUSR1 : SIGUSR2);
      std::this_thread::sleep_for(std::chrono::microseconds(50 + rng() % 150));
    }
  });

  while (finished.load() < kWriters) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // Readers get EOF once the write end closes; signals keep coming until they have it.
  p.close_write();
  while (finished.load() < kWriters + kReaders) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stop = true;
  signaller.join();
  poller.join();
  release = true;
  for (std::thread& t : threads) t.join();

  EXPECT_EQ(torn.load(), 0);
  long missing = 0;
  long duplicated = 0;
  for (const auto& per_writer : seen) {
    for (const int count : per_writer) {
      missing += count == 0;
      duplicated += count > 1;
    }
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(duplicated, 0);
  EXPECT_GT(g_handled.load(), 0);
  std::printf("signals handled %ld, write EINTR %ld, short writes %ld, read EINTR %ld\n",
              g_handled.load(), write_eintr.load(), short_writes.load(), read_eintr.load());
}

EVENT_FD_INSTANTIATE(PosixSignalStress);

}  // namespace
}  // namespace pipepool::testing
