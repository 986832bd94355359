#include "pipe_bench/workload.hpp"

#include <fmt/format.h>

#include <atomic>
#include <latch>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "pipe_bench/io_loops.hpp"

namespace pipe_bench {
namespace {

// Shared by all threads of one run.
struct Shared {
  Shared(Endpoints& e, const WorkloadConfig& config)
      : endpoints(e),
        start(static_cast<std::ptrdiff_t>(config.writers) + config.readers + 1),
        readers_left(config.readers) {}

  Endpoints& endpoints;
  std::latch start;
  Clock::time_point t0;  // written before the main thread arrives at `start`
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

void writer_thread(Shared& shared, WriterJob job, WriterTally& tally) {
  shared.start.arrive_and_wait();
  job.start = shared.t0;
  run_writer(shared.endpoints, job, tally);
  if (tally.failure.failed) shared.fail(describe(tally.failure));
}

void reader_thread(Shared& shared, std::size_t read_size, Ledger* ledger, ReaderTally& tally) {
  shared.start.arrive_and_wait();
  run_reader(shared.endpoints, read_size, ledger, tally);
  if (tally.failure.failed) shared.fail(describe(tally.failure));
  // When every reader has failed, nobody drains the pipe: close the read end (no reader is left
  // inside read) so that blocked writers get EPIPE instead of waiting forever.
  if (shared.readers_left.fetch_sub(1) == 1 && tally.failure.failed) {
    shared.endpoints.close_reader();
  }
}

}  // namespace

void finish_result(WorkloadResult& result, const Ledger* ledger,
                   const std::vector<std::uint64_t>& sent_per_writer) {
  if (result.ok() && result.bytes_read != result.bytes_written) {
    result.error = fmt::format("bytes read ({}) != bytes written ({})", result.bytes_read,
                               result.bytes_written);
  }
  if (ledger != nullptr) {
    result.verify = ledger->finish(sent_per_writer);
    if (!result.verify->ok()) {
      const std::string what = fmt::format("verify: {}", result.verify->describe());
      result.error = result.ok() ? what : fmt::format("{}; {}", result.error, what);
    }
  }
}

WorkloadResult run_workload(Endpoints& endpoints, const WorkloadConfig& config) {
  WorkloadResult result;
  std::unique_ptr<Ledger> ledger;
  if (config.verify) {
    ledger = Ledger::create(config.writers);
    if (!ledger) {
      endpoints.close_writer();
      endpoints.close_reader();
      result.error = "verify: cannot map the record ledger";
      return result;
    }
  }
  Shared shared(endpoints, config);
  std::vector<WriterTally> writer_tallies(config.writers);
  std::vector<ReaderTally> reader_tallies(config.readers);
  std::vector<std::thread> writers;
  std::vector<std::thread> readers;
  writers.reserve(config.writers);
  readers.reserve(config.readers);
  for (auto& tally : reader_tallies) {
    readers.emplace_back(reader_thread, std::ref(shared), config.msg_size, ledger.get(),
                         std::ref(tally));
  }
  for (unsigned i = 0; i < config.writers; ++i) {
    WriterJob job;
    job.stop = &shared.stop;
    job.msg_size = config.msg_size;
    job.rate = config.rate;
    job.verify = config.verify;
    job.writer = i;
    writers.emplace_back(writer_thread, std::ref(shared), job, std::ref(writer_tallies[i]));
  }

  shared.t0 = Clock::now();
  shared.start.arrive_and_wait();
  const auto t0 = shared.t0;
  const auto deadline = t0 + config.duration;
  // Sleep in slices so that a failing thread or a cancel request ends the run early.
  while (!shared.stop.load(std::memory_order_relaxed)) {
    if (config.cancel != nullptr && config.cancel->load(std::memory_order_relaxed)) {
      result.cancelled = true;
      break;
    }
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

  result.elapsed_s = std::chrono::duration<double>(t1 - t0).count();
  std::vector<std::uint64_t> sent;
  for (const auto& tally : writer_tallies) {
    result.writes += tally.writes;
    result.bytes_written += tally.bytes;
    result.latency.merge(tally.latency);
    sent.push_back(tally.writes);
  }
  for (const auto& tally : reader_tallies) result.bytes_read += tally.bytes;
  result.pipe_stats = endpoints.stats();
  result.error = std::move(shared.error);
  finish_result(result, ledger.get(), sent);
  return result;
}

}  // namespace pipe_bench
