#include "pipe_bench/io_loops.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "pipe_bench/test_hooks.hpp"

namespace pipe_bench {
namespace {

constexpr std::size_t kPage = 4096;
constexpr auto kSleepSlice = std::chrono::milliseconds(50);

struct FreeDeleter {
  void operator()(std::byte* p) const noexcept { std::free(p); }
};

// A writer's buffers go back through its endpoints, which may keep them while the pipe refers
// to them.
struct AdoptDeleter {
  Endpoints* endpoints;
  void operator()(std::byte* p) const noexcept { endpoints->adopt_writer_buffers(p); }
};

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Sleeps until `when`, in slices so that a stop request is seen. False when stopped first.
bool sleep_until(Clock::time_point when, const std::atomic<bool>& stop) noexcept {
  for (;;) {
    if (stop.load(std::memory_order_relaxed)) return false;
    const auto now = Clock::now();
    if (now >= when) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(when - now, kSleepSlice));
  }
}

}  // namespace

std::string describe(const IoFailure& f) {
  const std::string why = f.error != 0 ? std::strerror(f.error) : std::string("returned 0");
  if (f.reading) return fmt::format("read failed: {}", why);
  return fmt::format("write failed after {} of {} bytes: {}", f.done, f.len, why);
}

void run_writer(Endpoints& endpoints, const WriterJob& job, WriterTally& tally) noexcept {
  const std::size_t stride = (job.msg_size + kPage - 1) / kPage * kPage;
  const std::size_t count = std::max<std::size_t>(1, endpoints.writer_buffers(job.msg_size));
  std::unique_ptr<std::byte, AdoptDeleter> buffers(
      static_cast<std::byte*>(std::aligned_alloc(kPage, stride * count)), AdoptDeleter{&endpoints});
  if (!buffers) {
    tally.failure = {true, false, ENOMEM, 0, job.msg_size};
    tally.stop_ns = now_ns();
    return;
  }
  std::memset(buffers.get(), 0x5a, stride * count);
  const auto hook = test_hooks::record_hook();
  const std::chrono::duration<double, std::nano> period(job.rate > 0 ? 1e9 / job.rate : 0.0);

  for (std::uint64_t k = 0; !job.stop->load(std::memory_order_relaxed); ++k) {
    std::byte* buf = buffers.get() + (k % count) * stride;
    if (job.verify) {
      fill_record(buf, job.msg_size, job.writer, k);
      if (hook != nullptr) hook(buf, job.msg_size, job.writer, k);
    }
    Clock::time_point t0;
    if (job.rate > 0) {
      t0 = job.start + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(k));
      if (!sleep_until(t0, *job.stop)) break;
    } else {
      t0 = Clock::now();
    }
    std::size_t done = 0;
    while (done < job.msg_size) {
      const IoStatus r = endpoints.write(buf + done, job.msg_size - done);
      if (r.error != 0 || r.count == 0) {
        tally.bytes += done;
        tally.failure = {true, false, r.error, done, job.msg_size};
        tally.stop_ns = now_ns();
        return;
      }
      done += r.count;
    }
    const auto t1 = Clock::now();
    tally.latency.record(static_cast<std::uint64_t>(std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count())));
    ++tally.writes;
    tally.bytes += done;
  }
  tally.stop_ns = now_ns();
}

void run_reader(Endpoints& endpoints, std::size_t read_size, Ledger* ledger,
                ReaderTally& tally) noexcept {
  std::unique_ptr<std::byte, FreeDeleter> buf(
      static_cast<std::byte*>(std::aligned_alloc(kPage, (read_size + kPage - 1) / kPage * kPage)));
  if (!buf) {
    tally.failure = {true, true, ENOMEM, 0, 0};
    return;
  }
  for (;;) {
    const IoStatus r = endpoints.read(buf.get(), read_size);
    if (r.error != 0) {
      tally.failure = {true, true, r.error, 0, 0};
      return;
    }
    if (r.count == 0) return;  // EOF: every writer is gone and the pipe is empty
    tally.bytes += r.count;
    if (ledger != nullptr) ledger->receive(buf.get(), r.count);
  }
}

}  // namespace pipe_bench
