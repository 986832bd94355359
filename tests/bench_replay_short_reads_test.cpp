// A short read (fewer bytes than asked for) emptied its pipe, so the writes whose bytes it did not
// get copied after it: place_short_reads moves it before them, and leaves full reads, reads that
// took part of a write, and calls on other pipes where they were.
#include <gtest/gtest.h>

#include <vector>

#include "pipe_bench/replay/recording.hpp"
#include "pipe_bench/replay/replayer.hpp"
#include "pipe_bench/replay/short_reads.hpp"

namespace {

using namespace pipe_bench::replay;

PipeCall write(std::uint64_t pipe, std::int64_t bytes) {
  return PipeCall{pipe, CallKind::write, static_cast<std::uint64_t>(bytes), bytes, 0};
}
PipeCall read(std::uint64_t pipe, std::uint64_t asked, std::int64_t got) {
  return PipeCall{pipe, CallKind::read, asked, got, 0};
}

TEST(ReplayShortReads, ShortReadGoesBeforeTheWritesItDidNotSee) {
  // Three pages written, the reader (blocked since before them) returns those three pages
  // after a fourth write had entered: that write copied after the read.
  std::vector<PipeCall> calls = {write(1, 4096), write(1, 4096),        write(1, 4096),
                                 write(1, 4096), read(1, 65536, 12288), read(1, 65536, 4096)};
  EXPECT_EQ(place_short_reads(calls), 1u);
  const std::vector<PipeCall> want = {write(1, 4096),        write(1, 4096), write(1, 4096),
                                      read(1, 65536, 12288), write(1, 4096), read(1, 65536, 4096)};
  EXPECT_EQ(calls, want);
}

TEST(ReplayShortReads, FullReadsAndReadsIntoAWriteStay) {
  // A read that filled its request says nothing about what else was in the pipe; a short read
  // that ends inside a write took part of it (the write was waiting for room).
  std::vector<PipeCall> calls = {write(1, 4096), write(1, 4096), read(1, 4096, 4096),
                                 write(1, 8192), read(1, 65536, 6000)};
  const std::vector<PipeCall> before = calls;
  EXPECT_EQ(place_short_reads(calls), 0u);
  EXPECT_EQ(calls, before);
}

TEST(ReplayShortReads, OtherPipesKeepTheirOrderAndFailedWritesArePassed) {
  std::vector<PipeCall> calls = {write(1, 100), write(2, 4096), write(1, -11), write(1, 200),
                                 read(1, 4096, 100)};
  EXPECT_EQ(place_short_reads(calls), 1u);
  const std::vector<PipeCall> want = {write(1, 100), write(2, 4096), write(1, -11),
                                      read(1, 4096, 100), write(1, 200)};
  EXPECT_EQ(calls, want);
}

TEST(ReplayShortReads, StopsAtAnotherReadOrASpliceIntoThePipe) {
  std::vector<PipeCall> calls = {write(1, 4096),   read(1, 4096, 4096), write(1, 4096),
                                 read(1, 8192, 0),  // failed: moves nothing, no evidence
                                 write(1, 4096),   read(1, 65536, 4096)};
  EXPECT_EQ(place_short_reads(calls), 1u);
  EXPECT_EQ(calls[3], read(1, 8192, 0));
  EXPECT_EQ(calls[4], read(1, 65536, 4096));
  EXPECT_EQ(calls[5], write(1, 4096));

  PipeCall splice{2, CallKind::splice, 4096, 4096, 1};
  std::vector<PipeCall> spliced = {write(2, 4096), write(1, 4096), splice, read(1, 65536, 4096)};
  const std::vector<PipeCall> same = spliced;
  EXPECT_EQ(place_short_reads(spliced), 0u);
  EXPECT_EQ(spliced, same);
}

TEST(ReplayShortReads, TheMovedReadFreesPagesTheNextWriteReuses) {
  // Legacy's count follows the order: in entry/exit order the fourth page is allocated with
  // the pipe holding three; after the read it comes from tmp_page.
  Recording rec;
  rec.calls = {write(1, 4096), write(1, 4096),        write(1, 4096),
               write(1, 4096), read(1, 65536, 12288), read(1, 65536, 4096)};
  const ReplayOutcome as_entered = replay(rec, pipepool::PolicyKind::legacy);
  place_short_reads(rec.calls);
  const ReplayOutcome placed = replay(rec, pipepool::PolicyKind::legacy);
  ASSERT_TRUE(as_entered.error.empty() && placed.error.empty());
  EXPECT_EQ(as_entered.counts.allocs, 4u);
  EXPECT_EQ(placed.counts.allocs, 3u);
  EXPECT_EQ(placed.counts.short_calls, 0u);
}

}  // namespace
