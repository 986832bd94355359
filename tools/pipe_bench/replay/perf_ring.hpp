// One perf_event mmap ring buffer (a metadata page and 2^n data pages), read record by record.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace pipe_bench::replay {

class PerfRing {
 public:
  // Maps `data_pages` (a power of two) pages of perf event `fd`'s buffer; `error` set on failure.
  PerfRing(int fd, std::size_t data_pages, std::string& error);
  ~PerfRing();
  PerfRing(const PerfRing&) = delete;
  PerfRing& operator=(const PerfRing&) = delete;

  // Hands every record written since the last call to `record` (from its perf_event_header to
  // its end; a record that wraps around the buffer's end is copied whole first) and frees their
  // room for the kernel.
  void drain(const std::function<void(std::span<const std::byte>)>& record);

 private:
  void* base_ = nullptr;
  std::size_t map_bytes_ = 0;
  std::size_t data_bytes_ = 0;
  std::vector<std::byte> wrapped_;
};

}  // namespace pipe_bench::replay
