// Decoding the tracepoint recorder's ring-buffer records from a synthetic buffer: the field
// layout comes from the raw_syscalls format files; samples of either event, fork and exit records,
// lost and throttle records, and records cut short (no root needed).
#include <gtest/gtest.h>
#include <linux/perf_event.h>

#include <cstring>
#include <string>
#include <vector>

#include "pipe_bench/kernel_pages/tracefs_format.hpp"
#include "pipe_bench/replay/syscall_events.hpp"

namespace {

using namespace pipe_bench::replay;
using pipe_bench::kernel_pages::parse_tracepoint_format;

// events/raw_syscalls/sys_{enter,exit}/format as Linux 6.18 (x86_64) gives them.
const std::string kCommon = R"fmt(format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
	field:int common_pid;	offset:4;	size:4;	signed:1;
)fmt";

const std::string kEnter = "name: sys_enter\nID: 443\n" + kCommon + R"fmt(
	field:long id;	offset:8;	size:8;	signed:1;
	field:unsigned long args[6];	offset:16;	size:48;	signed:0;

print fmt: "NR %ld (%lx, %lx, %lx, %lx, %lx, %lx)", REC->id, REC->args[0], REC->args[1], REC->args[2], REC->args[3], REC->args[4], REC->args[5]
)fmt";

const std::string kExit = "name: sys_exit\nID: 442\n" + kCommon + R"fmt(
	field:long id;	offset:8;	size:8;	signed:1;
	field:long ret;	offset:16;	size:8;	signed:1;

print fmt: "NR %ld = %ld", REC->id, REC->ret
)fmt";

SyscallLayout layout() {
  SyscallLayout l;
  const std::string error =
      syscall_layout(parse_tracepoint_format(kEnter), parse_tracepoint_format(kExit), l);
  EXPECT_EQ(error, "");
  return l;
}

class Record {
 public:
  explicit Record(std::uint32_t type) {
    perf_event_header h{};
    h.type = type;
    put(h);
  }
  template <typename T>
  Record& put(const T& value) {
    const std::size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(bytes_.data() + at, &value, sizeof(T));
    return *this;
  }
  std::vector<std::byte> done() {
    while (bytes_.size() % 8 != 0) bytes_.push_back(std::byte{0});
    const auto size = static_cast<std::uint16_t>(bytes_.size());
    std::memcpy(bytes_.data() + offsetof(perf_event_header, size), &size, sizeof(size));
    return bytes_;
  }

 private:
  std::vector<std::byte> bytes_;
};

// A PERF_SAMPLE_TID | TIME | RAW sample whose raw data is `raw`.
std::vector<std::byte> sample(std::uint32_t pid, std::uint32_t tid, std::uint64_t time,
                              const std::vector<std::byte>& raw) {
  Record r(PERF_RECORD_SAMPLE);
  r.put(pid).put(tid).put(time).put(static_cast<std::uint32_t>(raw.size()));
  for (std::byte b : raw) r.put(b);
  return r.done();
}

std::vector<std::byte> raw_enter(std::uint16_t type, std::int64_t nr,
                                 std::array<std::uint64_t, 6> args) {
  std::vector<std::byte> raw(64 + 4);  // the kernel pads the raw data to keep 8-byte alignment
  std::memcpy(raw.data(), &type, 2);
  std::memcpy(raw.data() + 8, &nr, 8);
  std::memcpy(raw.data() + 16, args.data(), 48);
  return raw;
}

std::vector<std::byte> raw_exit(std::uint16_t type, std::int64_t nr, std::int64_t ret) {
  std::vector<std::byte> raw(24 + 4);
  std::memcpy(raw.data(), &type, 2);
  std::memcpy(raw.data() + 8, &nr, 8);
  std::memcpy(raw.data() + 16, &ret, 8);
  return raw;
}

TEST(BenchSyscallEvents, LayoutFromTheFormatFiles) {
  const SyscallLayout l = layout();
  EXPECT_EQ(l.enter_id, 443u);
  EXPECT_EQ(l.exit_id, 442u);
  EXPECT_EQ(l.enter_nr.offset, 8u);
  EXPECT_EQ(l.enter_args.offset, 16u);
  EXPECT_EQ(l.enter_args.size, 48u);
  EXPECT_EQ(l.exit_ret.offset, 16u);
  EXPECT_TRUE(l.exit_ret.is_signed);

  // A kernel whose sys_exit lacks `ret` cannot be recorded: one line says which field.
  std::string no_ret = kExit;
  no_ret.erase(no_ret.find("\tfield:long ret;"),
               no_ret.find("\n\nprint") - no_ret.find("\tfield:long ret;"));
  SyscallLayout l2;
  EXPECT_EQ(syscall_layout(parse_tracepoint_format(kEnter), parse_tracepoint_format(no_ret), l2),
            "raw_syscalls:sys_exit has no field 'ret'");
}

TEST(BenchSyscallEvents, DecodesEnterAndExitSamples) {
  const SyscallLayout l = layout();
  const auto enter =
      decode_record(sample(100, 101, 5'000, raw_enter(443, 1, {3, 0x7f00, 4096, 0, 0, 0})), l);
  ASSERT_TRUE(enter.event);
  EXPECT_EQ(enter.event->kind, TraceEventKind::enter);
  EXPECT_EQ(enter.event->pid, 100);
  EXPECT_EQ(enter.event->tid, 101);
  EXPECT_EQ(enter.event->time, 5'000u);
  EXPECT_EQ(enter.event->nr, 1);
  EXPECT_EQ(enter.event->args[0], 3u);
  EXPECT_EQ(enter.event->args[2], 4096u);

  const auto exit = decode_record(sample(100, 101, 6'000, raw_exit(442, 1, -11)), l);
  ASSERT_TRUE(exit.event);
  EXPECT_EQ(exit.event->kind, TraceEventKind::exit);
  EXPECT_EQ(exit.event->nr, 1);
  EXPECT_EQ(exit.event->ret, -11);
  EXPECT_FALSE(exit.malformed);
  EXPECT_EQ(exit.lost, 0u);
}

TEST(BenchSyscallEvents, DecodesPageAllocationSamples) {
  SyscallLayout l = layout();
  std::vector<std::byte> raw(40);
  const std::uint16_t type = 653;
  std::memcpy(raw.data(), &type, sizeof(type));
  EXPECT_TRUE(decode_record(sample(7, 8, 9, raw), l).malformed);  // not asked for: foreign
  l.page_alloc_id = 653;
  const auto a = decode_record(sample(7, 8, 9, raw), l);
  ASSERT_TRUE(a.event);
  EXPECT_EQ(a.event->kind, TraceEventKind::page_alloc);
  EXPECT_EQ(a.event->tid, 8);
  EXPECT_EQ(a.event->time, 9u);
}

TEST(BenchSyscallEvents, DecodesForkExitLostAndThrottle) {
  const SyscallLayout l = layout();
  Record fork(PERF_RECORD_FORK);
  fork.put(std::uint32_t{200})
      .put(std::uint32_t{100})
      .put(std::uint32_t{200})
      .put(std::uint32_t{101});
  fork.put(std::uint64_t{7'000})
      .put(std::uint32_t{100})
      .put(std::uint32_t{101})
      .put(std::uint64_t{7'000});
  const auto f = decode_record(fork.done(), l);
  ASSERT_TRUE(f.event);
  EXPECT_EQ(f.event->kind, TraceEventKind::fork);
  EXPECT_EQ(f.event->pid, 200);
  EXPECT_EQ(f.event->tid, 200);
  EXPECT_EQ(f.event->parent_pid, 100);
  EXPECT_EQ(f.event->parent_tid, 101);
  EXPECT_EQ(f.event->time, 7'000u);

  Record exit(PERF_RECORD_EXIT);
  exit.put(std::uint32_t{200})
      .put(std::uint32_t{100})
      .put(std::uint32_t{200})
      .put(std::uint32_t{101});
  exit.put(std::uint64_t{9'000});
  const auto e = decode_record(exit.done(), l);
  ASSERT_TRUE(e.event);
  EXPECT_EQ(e.event->kind, TraceEventKind::task_exit);
  EXPECT_EQ(e.event->tid, 200);

  Record lost(PERF_RECORD_LOST);
  lost.put(std::uint64_t{1}).put(std::uint64_t{42});
  const auto lo = decode_record(lost.done(), l);
  EXPECT_FALSE(lo.event);
  EXPECT_EQ(lo.lost, 42u);

  Record lost_samples(PERF_RECORD_LOST_SAMPLES);
  lost_samples.put(std::uint64_t{5});
  EXPECT_EQ(decode_record(lost_samples.done(), l).lost, 5u);

  Record throttle(PERF_RECORD_THROTTLE);
  throttle.put(std::uint64_t{1}).put(std::uint64_t{1}).put(std::uint64_t{1});
  EXPECT_TRUE(decode_record(throttle.done(), l).throttled);
}

TEST(BenchSyscallEvents, DecodesSleepsAndSwitchesInAndSkipsPreemptions) {
  const SyscallLayout l = layout();
  const auto with_misc = [](std::vector<std::byte> record, std::uint16_t misc) {
    std::memcpy(record.data() + offsetof(perf_event_header, misc), &misc, sizeof(misc));
    return record;
  };
  Record in(PERF_RECORD_SWITCH);
  in.put(std::uint32_t{200}).put(std::uint32_t{201}).put(std::uint64_t{8'000});
  const auto i = decode_record(in.done(), l);
  ASSERT_TRUE(i.event);
  EXPECT_EQ(i.event->kind, TraceEventKind::switch_in);
  EXPECT_EQ(i.event->pid, 200);
  EXPECT_EQ(i.event->tid, 201);
  EXPECT_EQ(i.event->time, 8'000u);

  const auto out = decode_record(with_misc(in.done(), PERF_RECORD_MISC_SWITCH_OUT), l);
  ASSERT_TRUE(out.event);
  EXPECT_EQ(out.event->kind, TraceEventKind::sleep);
  EXPECT_EQ(out.event->tid, 201);

  const auto preempted = decode_record(
      with_misc(in.done(), PERF_RECORD_MISC_SWITCH_OUT | PERF_RECORD_MISC_SWITCH_OUT_PREEMPT), l);
  EXPECT_FALSE(preempted.event);
  EXPECT_FALSE(preempted.malformed);

  Record cut(PERF_RECORD_SWITCH);
  cut.put(std::uint32_t{200});
  EXPECT_TRUE(decode_record(cut.done(), l).malformed);
}

TEST(BenchSyscallEvents, ShortOrForeignRecordsAreMalformed) {
  const SyscallLayout l = layout();
  // Raw data too short for the args field.
  std::vector<std::byte> short_raw = raw_enter(443, 0, {});
  short_raw.resize(40);
  const auto s = decode_record(sample(1, 1, 1, short_raw), l);
  EXPECT_FALSE(s.event);
  EXPECT_TRUE(s.malformed);
  // Another tracepoint's sample.
  const auto other = decode_record(sample(1, 1, 1, raw_exit(999, 0, 0)), l);
  EXPECT_FALSE(other.event);
  EXPECT_TRUE(other.malformed);
  // A header announcing more bytes than the record has.
  std::vector<std::byte> cut = sample(1, 1, 1, raw_exit(442, 0, 0));
  cut.resize(16);
  EXPECT_TRUE(decode_record(cut, l).malformed);
}

}  // namespace
