// The .ppr format: a recording reads back as written; a foreign, truncated or newer file is one
// clear line, and the CLI exits 2 on it.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "bench_test_support.hpp"
#include "pipe_bench/replay/recording_file.hpp"

namespace {

using namespace pipe_bench::replay;

Recording sample() {
  Recording rec;
  rec.command = "sh -c 'seq 1 10 | wc -c'";
  rec.kernel.allocs = 12;
  rec.kernel.frees = 11;
  PipeCall c;
  c.pipe = 5;
  c.kind = CallKind::create;
  rec.calls.push_back(c);
  c.kind = CallKind::write;
  c.requested = 4096;
  c.result = 4096;
  rec.calls.push_back(c);
  c.kind = CallKind::tee;
  c.peer = 6;
  c.result = -11;
  rec.calls.push_back(c);
  return rec;
}

std::string text_of(const Recording& rec) {
  std::ostringstream out;
  write_recording(out, rec);
  return out.str();
}

TEST(BenchRecordingFile, ReadsBackAsWritten) {
  std::istringstream in(text_of(sample()));
  const auto read = read_recording(in);
  ASSERT_TRUE(read.recording) << read.error;
  EXPECT_EQ(*read.recording, sample());

  Recording unavailable = sample();
  unavailable.kernel = {};
  unavailable.kernel.unavailable = "perf_event_open: Permission denied";
  std::istringstream in2(text_of(unavailable));
  const auto read2 = read_recording(in2);
  ASSERT_TRUE(read2.recording) << read2.error;
  EXPECT_EQ(*read2.recording, unavailable);
}

TEST(BenchRecordingFile, WarningsReadBackAndVersion1StillReads) {
  Recording warned = sample();
  warned.recorder = "tracepoints";
  warned.warnings["a call on a descriptor the table does not hold"] = 3;
  std::istringstream in(text_of(warned));
  const auto read = read_recording(in);
  ASSERT_TRUE(read.recording) << read.error;
  EXPECT_EQ(*read.recording, warned);

  std::string v1 = text_of(sample());
  v1.replace(0, v1.find('\n'), "pipepool-recording 1");
  std::istringstream in1(v1);
  const auto read1 = read_recording(in1);
  ASSERT_TRUE(read1.recording) << read1.error;
  EXPECT_EQ(*read1.recording, sample());
}

TEST(BenchRecordingFile, BadFilesSayWhyInOneLine) {
  const std::string full = text_of(sample());
  const std::string cut = full.substr(0, full.find("4096 -11"));  // mid-way through the calls
  const std::string no_end = full.substr(0, full.rfind("end"));
  for (const auto& [text, what] : std::vector<std::pair<std::string, std::string>>{
           {"PK\x03\x04 binary", "not a pipepool recording"},
           {"", "empty file"},
           {cut, "truncated recording"},
           {no_end, "truncated recording"},
           {"pipepool-recording 9\n", "version 9 is not supported"}}) {
    std::istringstream in(text);
    const auto read = read_recording(in);
    EXPECT_FALSE(read.recording);
    EXPECT_NE(read.error.find(what), std::string::npos) << read.error;
    EXPECT_EQ(read.error.find('\n'), std::string::npos);
  }
}

TEST(BenchRecordingFile, CliExitsTwoOnTruncatedOrForeignFiles) {
  const std::string path = bench_test::temp_path("t.ppr");
  const std::string full = text_of(sample());
  for (const std::string& text : {full.substr(0, full.size() / 2), std::string("hello\n")}) {
    std::ofstream(path) << text;
    const auto run = bench_test::run_pipe_bench({"--replay", path, "-t", "legacy"});
    EXPECT_EQ(run.exit_code, 2) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_NE(run.err.find(path), std::string::npos) << run.err;
  }
  const auto missing = bench_test::run_pipe_bench({"--replay", path + ".none"});
  EXPECT_EQ(missing.exit_code, 2);
  std::ofstream(path) << full;
  const auto bad_target = bench_test::run_pipe_bench({"--replay", path, "-t", "legacy,nope"});
  EXPECT_EQ(bad_target.exit_code, 2);
  EXPECT_NE(bad_target.err.find("nope"), std::string::npos);
  const auto no_command = bench_test::run_pipe_bench({"--record", path});
  EXPECT_EQ(no_command.exit_code, 2);
}

}  // namespace
