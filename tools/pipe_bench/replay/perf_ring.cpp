#include "pipe_bench/replay/perf_ring.hpp"

#include <fmt/format.h>
#include <linux/perf_event.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pipe_bench::replay {

PerfRing::PerfRing(int fd, std::size_t data_pages, std::string& error) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  data_bytes_ = data_pages * page;
  map_bytes_ = data_bytes_ + page;
  void* p = ::mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    error = fmt::format("cannot map a {} MiB perf ring buffer: {}", data_bytes_ >> 20,
                        std::strerror(errno));
    return;
  }
  base_ = p;
}

PerfRing::~PerfRing() {
  if (base_ != nullptr) ::munmap(base_, map_bytes_);
}

void PerfRing::drain(const std::function<void(std::span<const std::byte>)>& record) {
  if (base_ == nullptr) return;
  auto* meta = static_cast<perf_event_mmap_page*>(base_);
  const auto* data = static_cast<const std::byte*>(base_) + meta->data_offset;
  const std::size_t size = meta->data_size != 0 ? meta->data_size : data_bytes_;
  const std::uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
  std::uint64_t tail = meta->data_tail;
  while (tail < head) {
    const std::size_t at = static_cast<std::size_t>(tail % size);
    perf_event_header header{};
    for (std::size_t i = 0; i < sizeof(header); ++i) {
      reinterpret_cast<std::byte*>(&header)[i] = data[(at + i) % size];
    }
    if (header.size < sizeof(header) || tail + header.size > head) break;
    if (at + header.size <= size) {
      record(std::span(data + at, header.size));
    } else {
      wrapped_.resize(header.size);
      const std::size_t first = size - at;
      std::memcpy(wrapped_.data(), data + at, first);
      std::memcpy(wrapped_.data() + first, data, header.size - first);
      record(std::span<const std::byte>(wrapped_));
    }
    tail += header.size;
  }
  __atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
}

}  // namespace pipe_bench::replay
