// Seeded random op sequences for the differential harness. The sequence is a pure function of
// the seed and of the results so far (which both sides share until the first difference), so a
// seed reproduces a failure exactly. The generator uses its own PRNG (splitmix64) rather than
// <random> distributions, whose output differs between standard libraries.
#pragma once

#include <cstdint>
#include <vector>

#include "differential/diff_harness.hpp"

namespace pipepool::differential {

class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  template <typename T>
  T pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }

 private:
  std::uint64_t s_;
};

inline const std::vector<std::size_t> kWriteSizes{0,    1,    7,    100,   512,   4095,
                                                  4096, 4097, 8192, 12288, 65536, 100000};
inline const std::vector<std::size_t> kReadSizes{0,    1,    7,    100,   4095,
                                                 4096, 4097, 8192, 65536, 200000};
inline const std::vector<long> kResizeSizes{
    0,     1,     4095,   4096,   4097,    5000,          8192,    16384, 32768,
    65535, 65536, 131072, 262144, 1 << 20, (1 << 20) + 1, 1 << 21, -1,    INT_MAX};

// A random iovec layout of about `total` bytes: zero-length, 1-byte and page-sized segments.
inline std::vector<std::size_t> random_iov(SplitMix& rng, std::size_t total) {
  std::vector<std::size_t> iov;
  const std::size_t n = 1 + rng.below(8);
  for (std::size_t i = 0; i < n; ++i) {
    switch (rng.below(5)) {
      case 0:
        iov.push_back(0);
        break;
      case 1:
        iov.push_back(1);
        break;
      case 2:
        iov.push_back(4096);
        break;
      default:
        iov.push_back(rng.below(total + 1));
        break;
    }
  }
  return iov;
}

// One random op for the current state of `d`: only open slots are used; the pipe stays
// non-blocking. `late` allows closing all of one side: the readers when `close_readers`, else
// the writers.
inline Op random_op(SplitMix& rng, const Differ& d, bool late, bool close_readers) {
  std::vector<int> readers, writers, dups;
  for (std::size_t s = 0; s < d.slot_count(); ++s) {
    if (!d.slot_open(static_cast<int>(s))) continue;
    (d.slot_is_write(static_cast<int>(s)) ? writers : readers).push_back(static_cast<int>(s));
    if (s >= 2) dups.push_back(static_cast<int>(s));
  }
  std::vector<int> all = readers;
  all.insert(all.end(), writers.begin(), writers.end());
  if (all.empty()) return Fcntl(0, F_GETFL);  // stale: EBADF on both
  const std::uint64_t r = rng.below(100);
  if (r < 30 && !writers.empty()) return W(rng.pick(kWriteSizes), rng.pick(writers));
  if (r < 55 && !readers.empty()) return R(rng.pick(kReadSizes), rng.pick(readers));
  if (r < 62 && !writers.empty())
    return Wv(random_iov(rng, rng.pick(kWriteSizes)), rng.pick(writers));
  if (r < 69 && !readers.empty())
    return Rv(random_iov(rng, rng.pick(kReadSizes)), rng.pick(readers));
  if (r < 74) return Resize(rng.pick(kResizeSizes), rng.pick(all));
  if (r < 80) {  // packet mode on or off, always non-blocking; mostly on a write end
    const int s = (rng.below(4) == 0 || writers.empty()) ? rng.pick(all) : rng.pick(writers);
    return SetFl(s, O_NONBLOCK | (rng.below(2) ? O_DIRECT : 0));
  }
  if (r < 84 && d.slot_count() < 40) return Dup(rng.pick(all));
  if (r < 88 && !dups.empty()) return Close(rng.pick(dups));
  if (r < 89 && late) {  // all of one side, original and dups
    const std::vector<int>& side = close_readers ? readers : writers;
    if (!side.empty()) return Close(side.front());
  }
  if (r < 92) return Fcntl(rng.pick(all), F_GETFL);
  return readers.empty() ? W(1, rng.pick(writers)) : R(rng.pick(kReadSizes), rng.pick(readers));
}

// Runs `ops` random ops from `seed`; the last fifth may close whole sides. Returns the number
// run (fewer after a difference).
inline long run_random(std::uint64_t seed, long ops, int pipe_flags = 0) {
  Differ d(seed, pipe_flags, "random");
  SplitMix rng(seed);
  for (long i = 0; i < ops && d.ok(); ++i) {
    d.step(random_op(rng, d, i >= ops * 4 / 5, seed % 2 == 0));
  }
  d.close_all();
  return d.ops_run();
}

}  // namespace pipepool::differential
