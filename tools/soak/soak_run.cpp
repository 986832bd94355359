#include "soak_run.hpp"

#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "internal/pipe_core.hpp"
#include "pipepool/pipe.hpp"
#include "unit.hpp"

namespace pipepool::soak {
namespace {

constexpr std::size_t kBigWrite = 64 * 1024;
constexpr unsigned kOpsPerBigWrite = 32;

// A unit's identity in the readers' logs.
std::uint64_t unit_id(std::uint64_t writer, std::uint64_t seq) {
  return (writer << 48) | seq;
}

struct WriterLog {
  std::uint64_t units = 0;                 // sequence numbers 0..units-1 were used
  std::vector<std::uint64_t> not_written;  // of those, the ones a write did not take
  std::uint64_t big_writes = 0;
  std::uint64_t write_errors = 0;
};

struct alignas(64) ReaderLog {
  std::vector<std::uint64_t> ids;
  std::uint64_t records = 0;
  std::uint64_t pages = 0;
  std::uint64_t corruptions = 0;
  std::atomic<std::uint64_t> bytes{0};
};

void write_loop(unsigned w, std::uint64_t budget, Writer packets, Writer stream, WriterLog& log) {
  std::mt19937_64 rng(0x5eed0000u + w);
  std::vector<unsigned char> buf(kBigWrite);
  std::uint64_t written = 0;
  for (unsigned op = 0; written < budget; ++op) {
    if (op % kOpsPerBigWrite == kOpsPerBigWrite - 1) {
      for (std::size_t p = 0; p < kBigWrite / kPage; ++p) {
        make_unit(&buf[p * kPage], UnitKind::page, static_cast<std::uint16_t>(w), log.units + p,
                  kPage);
      }
      const IoResult r = stream.write(std::as_bytes(std::span(buf)));
      ++log.big_writes;
      if (r.count != kBigWrite) {
        ++log.write_errors;
        for (std::size_t p = r.count / kPage; p < kBigWrite / kPage; ++p) {
          log.not_written.push_back(log.units + p);
        }
      }
      log.units += kBigWrite / kPage;
      written += r.count;
    } else {
      const std::size_t len = kMinUnit + rng() % (kPage - kMinUnit + 1);
      make_unit(buf.data(), UnitKind::record, static_cast<std::uint16_t>(w), log.units, len);
      const IoResult r = packets.write(std::as_bytes(std::span(buf.data(), len)));
      if (r.count != len) {
        ++log.write_errors;
        log.not_written.push_back(log.units);
      }
      ++log.units;
      written += r.count;
    }
  }
}

// Splits one read into units and checks each; a bad unit ends the parse (no boundary is known
// after it).
void parse_read(const unsigned char* p, std::size_t n, ReaderLog& log) {
  std::size_t at = 0;
  while (at < n) {
    UnitHeader h;
    if (n - at < sizeof h) {
      ++log.corruptions;
      return;
    }
    std::memcpy(&h, p + at, sizeof h);
    const bool shape_ok =
        h.magic == kUnitMagic && h.len >= kMinUnit && h.len <= kPage && h.len <= n - at &&
        (h.kind == UnitKind::record || (h.kind == UnitKind::page && h.len == kPage));
    if (!shape_ok || h.checksum != unit_checksum(h, p + at + sizeof h, h.len - sizeof h)) {
      ++log.corruptions;
      return;
    }
    log.ids.push_back(unit_id(h.writer, h.seq));
    ++(h.kind == UnitKind::record ? log.records : log.pages);
    at += h.len;
  }
}

void read_loop(Reader reader, std::size_t buf_size, ReaderLog& log) {
  std::vector<unsigned char> buf(buf_size);
  for (;;) {
    const IoResult r = reader.read(std::as_writable_bytes(std::span(buf)));
    if (!r.ok() || r.count == 0) {
      if (!r.ok()) ++log.corruptions;
      return;
    }
    parse_read(buf.data(), r.count, log);
    log.bytes.fetch_add(r.count, std::memory_order_relaxed);
  }
}

// Compares the readers' logs with the writers': fills losses, duplicates, corruptions.
void reconcile(const std::vector<WriterLog>& writers, std::vector<ReaderLog>& readers,
               SoakResult& out) {
  std::vector<std::uint64_t> ids;
  for (ReaderLog& r : readers) {
    ids.insert(ids.end(), r.ids.begin(), r.ids.end());
    std::vector<std::uint64_t>().swap(r.ids);
  }
  std::sort(ids.begin(), ids.end());
  std::uint64_t expected = 0;
  for (const WriterLog& w : writers) expected += w.units - w.not_written.size();
  std::uint64_t matched = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0 && ids[i] == ids[i - 1]) {
      ++out.duplicates;
      continue;
    }
    const std::uint64_t w = ids[i] >> 48;
    const std::uint64_t seq = ids[i] & ((std::uint64_t{1} << 48) - 1);
    const bool known = w < writers.size() && seq < writers[w].units &&
                       std::find(writers[w].not_written.begin(), writers[w].not_written.end(),
                                 seq) == writers[w].not_written.end();
    if (known) {
      ++matched;
    } else {
      ++out.corruptions;  // a unit nobody was told was written
    }
  }
  out.losses = expected - matched;
}

}  // namespace

SoakResult run_soak(const SoakConfig& config) {
  SoakResult result;
  PipeOptions opt;
  opt.policy = config.policy;
  opt.allocator.kind = config.allocator;
  opt.packet = true;
  PipePair pair = make_pipe(opt);
  if (!pair.ok() || !pair.writer.set_pipe_size(config.pipe_size).ok()) {
    result.corruptions = 1;
    return result;
  }
  std::shared_ptr<Pipe> pipe = pair.writer.end()->pipe().shared_from_this();
  Writer stream(std::make_shared<PipeEnd>(pipe, true, 0));

  std::vector<WriterLog> wlogs(config.writers);
  std::vector<ReaderLog> rlogs(config.readers);
  const std::uint64_t budget = (config.bytes + config.writers - 1) / config.writers;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (unsigned r = 0; r < config.readers; ++r) {
    const std::size_t buf_size = r % 2 == 0 ? kPage : kBigWrite;
    threads.emplace_back(read_loop, pair.reader.clone(), buf_size, std::ref(rlogs[r]));
  }
  for (unsigned w = 0; w < config.writers; ++w) {
    threads.emplace_back(write_loop, w, budget, pair.writer.clone(), stream.clone(),
                         std::ref(wlogs[w]));
  }
  pair = {};
  stream.close();

  std::mutex m;
  std::condition_variable cv;
  bool finished = false;
  std::thread progress([&] {
    std::unique_lock lock(m);
    while (config.progress &&
           !cv.wait_for(lock, std::chrono::seconds(10), [&] { return finished; })) {
      std::uint64_t bytes = 0;
      for (const ReaderLog& r : rlogs) bytes += r.bytes.load(std::memory_order_relaxed);
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "soak %s: %.2f GB in %.0f s\n",
                   std::string(to_string(config.policy)).c_str(), static_cast<double>(bytes) / 1e9,
                   s);
    }
  });
  for (auto& t : threads) t.join();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  {
    std::lock_guard lock(m);
    finished = true;
  }
  cv.notify_one();
  progress.join();

  const PipeStats stats = pipe->stats();
  result.allocs = stats.pool.allocs_in_lock + stats.pool.allocs_outside_lock;
  result.allocs_in_lock = stats.pool.allocs_in_lock;
  pipe.reset();
  for (const WriterLog& w : wlogs) {
    result.big_writes += w.big_writes;
    result.write_errors += w.write_errors;
  }
  for (const ReaderLog& r : rlogs) {
    result.bytes += r.bytes.load();
    result.records += r.records;
    result.pages += r.pages;
    result.corruptions += r.corruptions;
  }
  reconcile(wlogs, rlogs, result);
  return result;
}

}  // namespace pipepool::soak
