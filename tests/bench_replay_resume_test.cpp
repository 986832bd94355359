// When the bytes of a write that did not fit go in: at the writer's `resume` marks when the
// recording has them (the tracepoint recorder saw when the sleeping writer ran again), right after
// the next read when the pipe is still full at a resume, before a read that needs them; as soon as
// a read makes room when the recording has no resume marks. Legacy's pages follow.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "bench_replay_support.hpp"
#include "pipe_bench/replay/recording_file.hpp"
#include "pipe_bench/replay/replayer.hpp"

namespace {

using namespace pipe_bench::replay;
using bench_test::add_call;
using pipepool::PolicyKind;

constexpr std::uint64_t kPage = 4096;

// 128 KiB written into the default 16-page pipe; the reader takes 16 KiB at a time.
Recording blocked_writer(bool resume_after_drain) {
  Recording rec = bench_test::recording_with_pipe();
  add_call(rec, CallKind::write, 32 * kPage);
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 4; ++i) add_call(rec, CallKind::read, 4 * kPage);
    if (resume_after_drain) add_call(rec, CallKind::resume, 0);
  }
  return rec;
}

TEST(BenchReplayResume, WithoutResumeMarksEachReadLetsTheWriterIn) {
  const ReplayOutcome r = replay(blocked_writer(false), PolicyKind::legacy);
  ASSERT_EQ(r.error, "");
  // 16 pages, then after each of the first four reads 4 more: 2 from tmp_page, 2 allocated.
  EXPECT_EQ(r.counts.allocs, 16u + 4 * 2);
  EXPECT_EQ(r.counts.short_calls, 0u);
}

TEST(BenchReplayResume, TheWriterRefillsAtItsResume) {
  const ReplayOutcome r = replay(blocked_writer(true), PolicyKind::legacy);
  ASSERT_EQ(r.error, "");
  // 16 pages, the reader empties the pipe (2 pages kept), the writer refills 16: 14 allocated.
  EXPECT_EQ(r.counts.allocs, 16u + 14);
  EXPECT_EQ(r.counts.bytes_read, 32 * kPage);
  EXPECT_EQ(r.counts.short_calls, 0u);
}

TEST(BenchReplayResume, AResumeOnAFullPipeWaitsForTheNextRead) {
  Recording rec = bench_test::recording_with_pipe();
  add_call(rec, CallKind::write, 32 * kPage);  // 16 pages allocated, 16 wait
  add_call(rec, CallKind::resume, 0);          // the pipe is full: nothing fits
  // The first read makes room and the resumed writer fills it (2 pages from tmp_page, 2
  // allocated); the next four empty the pipe without a resume; the sixth needs the last 12
  // pages: 2 from tmp_page, 10 allocated.
  for (int i = 0; i < 8; ++i) add_call(rec, CallKind::read, 4 * kPage);
  const ReplayOutcome r = replay(rec, PolicyKind::legacy);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.counts.bytes_read, 32 * kPage);
  EXPECT_EQ(r.counts.short_calls, 0u);
  EXPECT_EQ(r.counts.allocs, 16u + 2 + 10);
}

TEST(BenchReplayResume, ResumeIsAVersion3Call) {
  Recording rec = blocked_writer(true);
  std::stringstream file;
  write_recording(file, rec);
  EXPECT_EQ(file.str().rfind("pipepool-recording 3\n", 0), 0u);
  const ReadRecording back = read_recording(file);
  ASSERT_TRUE(back.recording) << back.error;
  EXPECT_EQ(back.recording->calls, rec.calls);

  std::string v2 = file.str();
  v2.replace(0, std::string("pipepool-recording 3").size(), "pipepool-recording 2");
  std::stringstream old(v2);
  const ReadRecording rejected = read_recording(old);
  EXPECT_FALSE(rejected.recording);
  EXPECT_NE(rejected.error.find("not a call"), std::string::npos) << rejected.error;
}

}  // namespace
