// Implementation detail of the public headers, not part of the API.
//
// A statistics counter that many threads add to at once without sharing a cache line: each thread
// adds to one of kStripes cache-line-sized slots (chosen once per thread, round robin), and a read
// sums the slots. An add is an atomic add on a line the adding thread usually owns, instead of a
// line every adder pulls to its own core; a read is a sum of kStripes relaxed loads, and sees every
// add that happened before it.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace pipepool::detail {

class StripedCounter {
 public:
  static constexpr std::size_t kStripes = 8;

  void add(std::uint64_t n = 1) noexcept {
    slots_[stripe()].value.fetch_add(n, std::memory_order_relaxed);
  }

  [[nodiscard]] std::uint64_t load() const noexcept {
    std::uint64_t sum = 0;
    for (const Slot& s : slots_) sum += s.value.load(std::memory_order_relaxed);
    return sum;
  }

 private:
  struct alignas(64) Slot {
    std::atomic<std::uint64_t> value{0};
  };

  static std::size_t stripe() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local const std::size_t mine = next.fetch_add(1, std::memory_order_relaxed) % kStripes;
    return mine;
  }

  std::array<Slot, kStripes> slots_{};
};

}  // namespace pipepool::detail
