#include "pipe_bench/workload.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstring>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

namespace pipe_bench {
namespace {

using Clock = std::chrono::steady_clock;

struct WriterState {
  Histogram latency;
  std::uint64_t writes = 0;
  std::uint64_t bytes = 0;
};

struct ReaderState {
  std::uint64_t bytes = 0;
};

// Shared by all threads of one run.
struct Shared {
  Shared(Endpoints& e, const WorkloadConfig& config)
      : endpoints(e),
        msg_size(config.msg_size),
        start(static_cast<std::ptrdiff_t>(config.writers) + config.readers + 1),
        readers_left(config.readers) {}

  Endpoints& endpoints;
  std::size_t msg_size;
  std::latch start;
  std::atomic<bool> stop{false};
  std::atomic<unsigned> readers_left;
  std::mutex error_mutex;
  std::string error;

  void fail(std::string message) {
    stop.store(true, std::memory_order_relaxed);
    std::lock_guard lock(error_mutex);
    if (error.empty()) error = std::move(message);
  }
};

void writer_loop(Shared& shared, WriterState& state) {
  std::vector<std::byte> buf(shared.msg_size, std::byte{0x5a});
  shared.start.arrive_and_wait();
  while (!shared.stop.load(std::memory_order_relaxed)) {
    const auto t0 = Clock::now();
    std::size_t done = 0;
    while (done < buf.size()) {
      const IoStatus r = shared.endpoints.write(buf.data() + done, buf.size() - done);
      if (r.error != 0 || r.count == 0) {
        state.bytes += done;
        shared.fail(fmt::format("write failed after {} of {} bytes: {}", done, buf.size(),
                                r.error != 0 ? std::strerror(r.error) : "returned 0"));
        return;
      }
      done += r.count;
    }
    const auto t1 = Clock::now();
    state.latency.record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
    ++state.writes;
    state.bytes += done;
  }
}

void reader_loop(Shared& shared, ReaderState& state) {
  std::vector<std::byte> buf(shared.msg_size);
  shared.start.arrive_and_wait();
  bool failed = false;
  for (;;) {
    const IoStatus r = shared.endpoints.read(buf.data(), buf.size());
    if (r.error != 0) {
      shared.fail(fmt::format("read failed: {}", std::strerror(r.error)));
      failed = true;
      break;
    }
    if (r.count == 0) break;  // EOF: every writer is gone and the pipe is empty
    state.bytes += r.count;
  }
  // When every reader has failed, nobody drains the pipe: close the read end (no reader is left
  // inside read) so that blocked writers get EPIPE instead of waiting forever.
  if (shared.readers_left.fetch_sub(1) == 1 && failed) shared.endpoints.close_reader();
}

}  // namespace

WorkloadResult run_workload(Endpoints& endpoints, const WorkloadConfig& config) {
  Shared shared(endpoints, config);
  std::vector<WriterState> writer_states(config.writers);
  std::vector<ReaderState> reader_states(config.readers);
  std::vector<std::thread> writers;
  std::vector<std::thread> readers;
  writers.reserve(config.writers);
  readers.reserve(config.readers);
  for (auto& state : reader_states) {
    readers.emplace_back(reader_loop, std::ref(shared), std::ref(state));
  }
  for (auto& state : writer_states) {
    writers.emplace_back(writer_loop, std::ref(shared), std::ref(state));
  }

  shared.start.arrive_and_wait();
  const auto t0 = Clock::now();
  const auto deadline = t0 + config.duration;
  // Sleep in slices so that a failing thread ends the run early.
  while (!shared.stop.load(std::memory_order_relaxed)) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    std::this_thread::sleep_for(
        std::min<Clock::duration>(deadline - now, std::chrono::milliseconds(50)));
  }
  shared.stop.store(true, std::memory_order_relaxed);
  for (auto& t : writers) t.join();
  const auto t1 = Clock::now();
  endpoints.close_writer();
  for (auto& t : readers) t.join();
  endpoints.close_reader();

  WorkloadResult result;
  result.elapsed_s = std::chrono::duration<double>(t1 - t0).count();
  for (const auto& state : writer_states) {
    result.writes += state.writes;
    result.bytes_written += state.bytes;
    result.latency.merge(state.latency);
  }
  for (const auto& state : reader_states) result.bytes_read += state.bytes;
  result.pipe_stats = endpoints.stats();
  result.error = std::move(shared.error);
  if (result.ok() && result.bytes_read != result.bytes_written) {
    result.error = fmt::format("bytes read ({}) != bytes written ({})", result.bytes_read,
                               result.bytes_written);
  }
  return result;
}

}  // namespace pipe_bench
