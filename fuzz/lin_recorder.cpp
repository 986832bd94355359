#include "lin_recorder.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "lin_report.hpp"

namespace pipepool::lin {
namespace {

// Busy-wait iterations at the start gate before a thread yields (about a millisecond).
constexpr unsigned kSpins = 200000;

// Handlers that ran in a recording thread, stamped from the recording's clock by the handler
// itself (lock-free atomics only: async-signal-safe).
constexpr unsigned kMaxSignals = 512;

struct SignalLog {
  std::uint64_t stamp[kMaxSignals];
  bool restart[kMaxSignals];
  std::atomic<unsigned> count{0};
};

thread_local SignalLog* t_signal_log = nullptr;
std::atomic<std::atomic<std::uint64_t>*> g_signal_clock{nullptr};

extern "C" void on_recorded_signal(int sig) {
  SignalLog* log = t_signal_log;
  std::atomic<std::uint64_t>* clock = g_signal_clock.load(std::memory_order_relaxed);
  if (log == nullptr || clock == nullptr) return;
  const unsigned k = log->count.load(std::memory_order_relaxed);
  if (k >= kMaxSignals) return;
  log->stamp[k] = clock->fetch_add(1);
  log->restart[k] = sig == SIGUSR2;
  log->count.store(k + 1, std::memory_order_relaxed);
}

// SIGUSR1 without SA_RESTART and SIGUSR2 with it, for the recording's lifetime.
class Handlers {
 public:
  Handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_recorded_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    ::sigaction(SIGUSR1, &sa, &old1_);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGUSR2, &sa, &old2_);
  }
  ~Handlers() {
    ::sigaction(SIGUSR1, &old1_, nullptr);
    ::sigaction(SIGUSR2, &old2_, nullptr);
  }
  Handlers(const Handlers&) = delete;
  Handlers& operator=(const Handlers&) = delete;

 private:
  struct sigaction old1_ {};
  struct sigaction old2_ {};
};

struct ThreadFds {
  int read = -1;
  int write = -1;
  bool read_blocks = false;
  bool write_blocks = false;
};

// One call, stamped from `clock` right before and right after it. `spliced`: where a
// vmsplice_in's bytes are (c.data at c.page_offset in its page), alive until the pipe is gone.
Operation run_call(const PlannedCall& c, const ThreadFds& fds, const std::uint8_t* spliced,
                   std::atomic<std::uint64_t>& clock) {
  Operation op;
  op.kind = c.kind;
  op.end = c.end;
  op.len = c.len;
  op.page_offset = c.page_offset;
  op.blocking = c.end == End::write ? fds.write_blocks : fds.read_blocks;
  const int fd = c.end == End::write ? fds.write : fds.read;
  std::int64_t r = 0;
  int err = 0;
  switch (c.kind) {
    case OpKind::write: {
      op.data = c.data;
      op.invoke = clock.fetch_add(1);
      r = pp_write(fd, c.data.data(), c.len);
      err = errno;
      op.ret = clock.fetch_add(1);
      break;
    }
    case OpKind::read: {
      op.data.resize(c.len);
      op.invoke = clock.fetch_add(1);
      r = pp_read(fd, op.data.data(), c.len);
      err = errno;
      op.ret = clock.fetch_add(1);
      op.data.resize(r > 0 ? static_cast<std::size_t>(r) : 0);
      break;
    }
    case OpKind::vmsplice_in: {
      op.data = c.data;
      iovec v{const_cast<std::uint8_t*>(spliced), c.len};
      op.invoke = clock.fetch_add(1);
      r = pp_vmsplice(fd, &v, 1, SPLICE_F_NONBLOCK);
      err = errno;
      op.ret = clock.fetch_add(1);
      break;
    }
    case OpKind::vmsplice_out: {
      op.data.resize(c.len);
      iovec v{op.data.data(), c.len};
      op.invoke = clock.fetch_add(1);
      r = pp_vmsplice(fd, &v, 1, SPLICE_F_NONBLOCK);
      err = errno;
      op.ret = clock.fetch_add(1);
      op.data.resize(r > 0 ? static_cast<std::size_t>(r) : 0);
      break;
    }
    case OpKind::fionread: {
      int value = 0;
      op.invoke = clock.fetch_add(1);
      r = pp_ioctl(fd, FIONREAD, &value);
      err = errno;
      op.ret = clock.fetch_add(1);
      if (r == 0) r = value;
      break;
    }
    case OpKind::poll: {
      pollfd p{fd, POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM, 0};
      op.invoke = clock.fetch_add(1);
      r = pp_poll(&p, 1, 0);
      err = errno;
      op.ret = clock.fetch_add(1);
      if (r >= 0) r = p.revents;
      break;
    }
    case OpKind::close:
      op.invoke = clock.fetch_add(1);
      r = pp_close(fd);
      err = errno;
      op.ret = clock.fetch_add(1);
      break;
    case OpKind::resize:
      op.invoke = clock.fetch_add(1);
      r = pp_fcntl(fd, F_SETPIPE_SZ, static_cast<int>(c.len));
      err = errno;
      op.ret = clock.fetch_add(1);
      break;
    case OpKind::signal:
      break;
  }
  op.result = r < 0 ? -1 : r;
  op.error = r < 0 ? err : 0;
  return op;
}

std::string failure(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

constexpr std::size_t kPage = 4096;

std::size_t pages_of(const PlannedCall& c) {
  return c.kind == OpKind::vmsplice_in ? (c.page_offset + c.len + kPage - 1) / kPage : 0;
}

// Lays out every vmsplice_in's bytes in `out.spliced`, each call in pages of its own at its
// planned offset, and returns where each call's bytes start (nullptr for other calls).
std::vector<std::vector<const std::uint8_t*>> lay_out_spliced(const Plan& plan, Recording& out) {
  std::size_t pages = 0;
  for (const ThreadPlan& t : plan.threads) {
    for (const PlannedCall& c : t.calls) pages += pages_of(c);
  }
  std::vector<std::vector<const std::uint8_t*>> at(plan.threads.size());
  if (pages != 0) {
    out.spliced.reset(static_cast<std::uint8_t*>(std::aligned_alloc(kPage, pages * kPage)));
    if (!out.spliced) {
      out.error = "aligned_alloc of the vmsplice pages failed";
      return at;
    }
  }
  std::size_t page = 0;
  for (std::size_t i = 0; i < plan.threads.size(); ++i) {
    for (const PlannedCall& c : plan.threads[i].calls) {
      if (c.kind != OpKind::vmsplice_in) {
        at[i].push_back(nullptr);
        continue;
      }
      std::uint8_t* start = out.spliced.get() + page * kPage + c.page_offset;
      std::memcpy(start, c.data.data(), c.len);
      at[i].push_back(start);
      page += pages_of(c);
    }
  }
  return at;
}

// The signal entries of thread `i`: the handlers that ran inside one of its blocking reads or
// writes (the only calls a signal changes). To bound the search, each call keeps only the first
// two handlers of each kind (with and without SA_RESTART): a later handler of a kind allows
// nothing an earlier one does not (a signal lets its call return anywhere after it).
void add_signals(const SignalLog& log, unsigned thread, const std::vector<Operation>& calls,
                 std::vector<Operation>& out) {
  constexpr unsigned kPerKind = 2;
  std::vector<unsigned> per_call(2 * calls.size(), 0);
  for (unsigned k = 0; k < log.count.load(std::memory_order_relaxed); ++k) {
    for (std::size_t c = 0; c < calls.size(); ++c) {
      const Operation& op = calls[c];
      if (!op.blocking || op.invoke >= log.stamp[k] || log.stamp[k] >= op.ret) continue;
      if (per_call[2 * c + (log.restart[k] ? 1 : 0)]++ >= kPerKind) break;
      Operation sig;
      sig.kind = OpKind::signal;
      sig.thread = thread;
      sig.invoke = sig.ret = log.stamp[k];
      sig.restart = log.restart[k];
      out.push_back(sig);
      break;
    }
  }
}

[[noreturn]] void report_hang(const Plan& plan, const std::vector<std::atomic<std::size_t>>& at,
                              unsigned deadline_s) {
  std::fprintf(stderr,
               "recording did not finish within %u s (pipe size %zu, %s reads, %s writes, "
               "signals %d, event fds %d); every blocking call of this plan has a release, so a "
               "call that never returns is a lost wake-up or a deadlock:\n",
               deadline_s, plan.pipe_size, plan.block_reads ? "blocking" : "non-blocking",
               plan.block_writes ? "blocking" : "non-blocking", static_cast<int>(plan.signals),
               plan.event_fds ? 1 : 0);
  for (std::size_t i = 0; i < plan.threads.size(); ++i) {
    const std::size_t k = at[i].load();
    std::fprintf(stderr, "  thread %zu:", i);
    for (std::size_t j = 0; j < plan.threads[i].calls.size(); ++j) {
      const PlannedCall& c = plan.threads[i].calls[j];
      std::fprintf(stderr, " %s%s %s-end len=%zu%s", j == k ? "[IN PROGRESS: " : "",
                   kind_name(c.kind), c.end == End::write ? "write" : "read", c.len,
                   j == k ? "]" : "");
    }
    std::fprintf(stderr, "%s\n", k >= plan.threads[i].calls.size() ? " (finished)" : "");
  }
  std::fflush(stderr);
  std::abort();
}

}  // namespace

Recording record(const Plan& plan, const pp_options& options, unsigned deadline_s) {
  Recording out;
  History& h = out.history;
  h.pipe_size = plan.pipe_size;
  const std::vector<std::vector<const std::uint8_t*>> spliced = lay_out_spliced(plan, out);
  if (!out.error.empty()) return out;
  int pipe_fds[2];
  if (pp_pipe_opts(pipe_fds, O_NONBLOCK, &options) != 0) {
    out.error = failure("pp_pipe_opts");
    return out;
  }
  bool ok = true;
  if (plan.block_reads && pp_fcntl(pipe_fds[0], F_SETFL, 0) != 0) {
    out.error = failure("F_SETFL");
    ok = false;
  }
  if (ok && plan.block_writes && pp_fcntl(pipe_fds[1], F_SETFL, 0) != 0) {
    out.error = failure("F_SETFL");
    ok = false;
  }
  // The readiness descriptors belong to the ends' open files: the last close closes them.
  if (ok && plan.event_fds && (pp_event_fd(pipe_fds[0]) < 0 || pp_event_fd(pipe_fds[1]) < 0)) {
    out.error = failure("pp_event_fd");
    ok = false;
  }
  const int size = ok ? pp_fcntl(pipe_fds[1], F_SETPIPE_SZ, static_cast<int>(plan.pipe_size)) : 0;
  std::vector<ThreadFds> fds(plan.threads.size());
  if (ok && size != static_cast<int>(plan.pipe_size)) {
    out.error = failure("F_SETPIPE_SZ");
    ok = false;
  }
  h.read_fds = h.write_fds = 0;
  for (std::size_t i = 0; i < plan.threads.size() && ok; ++i) {
    fds[i].read_blocks = plan.block_reads;
    fds[i].write_blocks = plan.block_writes;
    if (plan.threads[i].read_fd) {
      fds[i].read = pp_dup(pipe_fds[0]);
      ++h.read_fds;
    }
    if (plan.threads[i].write_fd) {
      fds[i].write = pp_dup(pipe_fds[1]);
      ++h.write_fds;
    }
    if ((plan.threads[i].read_fd && fds[i].read < 0) ||
        (plan.threads[i].write_fd && fds[i].write < 0)) {
      out.error = failure("pp_dup");
      ok = false;
    }
  }
  (void)pp_close(pipe_fds[0]);
  (void)pp_close(pipe_fds[1]);

  const std::size_t n = plan.threads.size();
  std::vector<std::vector<Operation>> done(n);
  std::vector<SignalLog> logs(n);
  if (ok) {
    std::atomic<std::uint64_t> clock{1};
    std::atomic<std::size_t> arrived{0};
    std::atomic<std::size_t> finished{0};
    std::vector<std::atomic<std::size_t>> at(n);
    std::vector<std::thread> threads;
    std::unique_ptr<Handlers> handlers;
    if (plan.signals != Signals::none) {
      handlers = std::make_unique<Handlers>();
      g_signal_clock.store(&clock);
    }
    for (std::size_t i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        t_signal_log = &logs[i];
        // Every thread starts its calls once all are running, so their calls overlap. The first
        // ones busy-wait rather than yield: a thread that yields on a loaded machine may lose its
        // CPU for a whole time slice, and the last one would make all its calls alone.
        arrived.fetch_add(1);
        for (unsigned spin = 0; arrived.load() < n; ++spin) {
          if (spin > kSpins) std::this_thread::yield();
        }
        for (std::size_t k = 0; k < plan.threads[i].calls.size(); ++k) {
          at[i].store(k);
          done[i].push_back(run_call(plan.threads[i].calls[k], fds[i], spliced[i][k], clock));
          done[i].back().thread = static_cast<unsigned>(i);
        }
        at[i].store(plan.threads[i].calls.size());
        finished.fetch_add(1);
      });
    }
    // The signalling thread: SIGUSR1 and/or SIGUSR2 to a thread still making calls, every
    // 20-200 microseconds.
    std::thread signaller;
    if (plan.signals != Signals::none) {
      signaller = std::thread([&] {
        std::mt19937 rng(static_cast<unsigned>(plan.pipe_size + n));
        while (finished.load() < n) {
          std::this_thread::sleep_for(
              std::chrono::microseconds(std::uniform_int_distribution<int>(20, 200)(rng)));
          const std::size_t i = std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
          if (at[i].load() >= plan.threads[i].calls.size()) continue;
          int sig = plan.signals == Signals::eintr ? SIGUSR1 : SIGUSR2;
          if (plan.signals == Signals::both && (rng() & 1) != 0) sig = SIGUSR1;
          (void)pthread_kill(threads[i].native_handle(), sig);
        }
      });
    }
    const auto start = std::chrono::steady_clock::now();
    while (finished.load() < n) {
      if (std::chrono::steady_clock::now() - start > std::chrono::seconds(deadline_s)) {
        report_hang(plan, at, deadline_s);
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (signaller.joinable()) signaller.join();
    for (std::thread& t : threads) t.join();
    g_signal_clock.store(nullptr);
  }
  for (std::size_t i = 0; i < n; ++i) {
    bool closed[2] = {false, false};
    for (const Operation& op : done[i]) {
      if (op.kind == OpKind::close && op.result == 0) closed[op.end == End::write] = true;
    }
    if (fds[i].read >= 0 && !closed[0]) (void)pp_close(fds[i].read);
    if (fds[i].write >= 0 && !closed[1]) (void)pp_close(fds[i].write);
    std::vector<Operation> signals;
    add_signals(logs[i], static_cast<unsigned>(i), done[i], signals);
    for (Operation& op : done[i]) h.ops.push_back(std::move(op));
    for (Operation& op : signals) h.ops.push_back(op);
  }
  return out;
}

}  // namespace pipepool::lin
