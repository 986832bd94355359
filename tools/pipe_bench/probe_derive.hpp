// The probe's arithmetic: per-page copy / alloc / free figures from timed pipe writes and reads,
// the rule that turns them into a preset's alloc_cost_ns / free_cost_ns, and the reclaim-stall
// rule that compares a run under memory-cgroup reclaim with a calm one. Pure functions of the
// samples, so the tests drive them with synthetic numbers.
//
// Model (Linux <= 7.1 pipes keep two spare pages, tmp_page[2]): on a drained pipe whose two spare
// pages are filled, a write of k pages takes the spares for 2 pages and allocates k-2 under the
// pipe mutex; reading the k pages back refills the two spares and frees k-2. With W(k), R(k) the
// times of one such write and read:
//   copy_write = W(2) - W(1)                         copy_read = R(2) - R(1)
//   alloc(k)   = (W(k) - W(2)) / (k-2) - copy_write  free(k)   = (R(k) - R(2)) / (k-2) - copy_read
// "Copy" is everything a page costs besides its allocation: the copy and the buffer bookkeeping.
// Every combination is formed per round (the samples of one round ran back to back, so they share
// the machine's drift) and the figure summarizes the per-round values.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "pipe_bench/probe_stats.hpp"

namespace pipe_bench {

// Per-round timings in ns, each including one pair of clock reads: entry i of every vector comes
// from round i, so all vectors have the same length. `write` / `read` must hold 1 and 2 pages and
// at least one count > 2.
struct ProbeSamples {
  std::vector<double> timer;                      // the two clock reads alone
  std::vector<double> getppid;                    // getppid()
  std::vector<double> write0;                     // write(fd, buf, 0) on the pipe
  std::map<unsigned, std::vector<double>> write;  // pages -> write of that many pages
  std::map<unsigned, std::vector<double>> read;   // pages -> the read that drains it
};

struct PagesFigures {
  unsigned pages = 0;  // k > 2
  Figure alloc;        // ns per page allocated
  Figure free;         // ns per page freed
  Figure alloc_free;   // alloc + free, per round
};

struct ProbeFigures {
  Figure timer;                                    // clock-read overhead
  Figure syscall;                                  // write(fd, buf, 0) - timer, per round
  Figure getppid;                                  // getppid() - timer, per round
  std::map<unsigned, Figure> write_raw, read_raw;  // whole calls, clock reads included
  Figure copy_write, copy_read;                    // ns per page
  std::vector<PagesFigures> by_pages;              // each k > 2, ascending
  // Those of the largest k (most pages per sample, least noise per page).
  Figure alloc, free, alloc_free;
  unsigned pages = 0;  // that k
};

// Per-round alloc (or free) per page for `pages` > 2; empty when a count is missing.
[[nodiscard]] std::vector<double> alloc_per_page(const ProbeSamples& s, unsigned pages);
[[nodiscard]] std::vector<double> free_per_page(const ProbeSamples& s, unsigned pages);

[[nodiscard]] ProbeFigures derive_figures(const ProbeSamples& samples);

// Split rule. The model's checks, each one line starting "ok: " or "FAIL: ":
//   - a 1-page write costs more than a null write, and copy_write's CI lies above 0 (k = 1, 2
//     behave as copies without allocation);
//   - the CIs of alloc and free lie above 0;
//   - every k > 2 gives alloc and free within 25% (or 25 ns) of the largest k's.
// All pass: robust, alloc_cost_ns / free_cost_ns are the alloc and free medians. Otherwise the
// sum is kept, split 50/50: both costs are alloc_free's median / 2. Costs are clamped at 0.
struct SplitDecision {
  bool robust = false;
  double alloc_cost_ns = 0;
  double free_cost_ns = 0;
  double free_share = 0.5;  // free / (alloc + free); 0.5 when both are 0
  std::vector<std::string> checks;
  std::string note;  // the rule applied, for the preset's split_note
};

inline constexpr double kStabilityShare = 0.25;
inline constexpr double kStabilityFloorNs = 25;

[[nodiscard]] SplitDecision choose_split(const ProbeFigures& figures);

// Reclaim-stall rule, on the per-round alloc-per-page samples of the largest k both runs probed:
//   threshold   = kStallFactor * max(calm p90, kStallFloorNs)
//   share       = max(0, share of reclaim samples above it - share of calm samples above it)
//                 (the calm share is what preemption and noise alone produce)
//   probability = 1 - (1 - share)^(1 / (k-2))    a stalled write is counted as one stalled
//                                                 allocation among its k-2
//   stall_ns    = mean over the reclaim samples above the threshold of
//                 (sample - reclaim median) * (k-2): the write's excess over an ordinary
//                 allocation under reclaim (whose cost the reclaim run's alloc figure already has)
// No common k, or no samples: all 0 and the note says why.
struct ReclaimStall {
  double probability = 0;
  double stall_ns = 0;
  double threshold_ns = 0;  // per page
  std::size_t stalled = 0;  // reclaim samples above the threshold
  std::size_t samples = 0;  // reclaim samples
  unsigned pages = 0;
  std::string note;
};

inline constexpr double kStallFactor = 4;
inline constexpr double kStallFloorNs = 100;

[[nodiscard]] ReclaimStall derive_reclaim_stall(const ProbeSamples& calm,
                                                const ProbeSamples& reclaim);

}  // namespace pipe_bench
