#include "pipe_bench/replay/syscall_events.hpp"

#include <fmt/format.h>
#include <linux/perf_event.h>

#include <cstring>
#include <string_view>

namespace pipe_bench::replay {
namespace {

using kernel_pages::FieldLayout;
using kernel_pages::TracepointFormat;

std::string field(const TracepointFormat& format, std::string_view event, std::string_view name,
                  std::size_t size, FieldLayout& out) {
  const auto it = format.layout.find(name);
  if (it == format.layout.end())
    return fmt::format("raw_syscalls:{} has no field '{}'", event, name);
  if (it->second.size != size) {
    return fmt::format("raw_syscalls:{}: field '{}' is {} bytes, the recorder reads {}", event,
                       name, it->second.size, size);
  }
  out = it->second;
  return {};
}

// Reads little pieces of a record, refusing to read past its end.
class Cursor {
 public:
  explicit Cursor(std::span<const std::byte> bytes) : bytes_(bytes) {}
  template <typename T>
  bool take(T& value) {
    if (pos_ + sizeof(T) > bytes_.size()) return false;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool take_span(std::size_t n, std::span<const std::byte>& out) {
    if (pos_ + n > bytes_.size()) return false;
    out = bytes_.subspan(pos_, n);
    pos_ += n;
    return true;
  }

 private:
  std::span<const std::byte> bytes_;
  std::size_t pos_ = 0;
};

std::uint64_t unsigned_at(std::span<const std::byte> raw, const FieldLayout& f,
                          std::size_t index = 0) {
  std::uint64_t value = 0;
  std::memcpy(&value, raw.data() + f.offset + index * 8, 8);
  return value;
}

bool fits(std::span<const std::byte> raw, const FieldLayout& f) {
  return f.offset + f.size <= raw.size();
}

DecodedRecord decode_sample(Cursor& c, const SyscallLayout& layout) {
  DecodedRecord out;
  TraceEvent e;
  std::uint32_t pid = 0;
  std::uint32_t tid = 0;
  std::uint32_t size = 0;
  std::span<const std::byte> raw;
  if (!c.take(pid) || !c.take(tid) || !c.take(e.time) || !c.take(size) || !c.take_span(size, raw) ||
      !fits(raw, layout.type)) {
    out.malformed = true;
    return out;
  }
  e.pid = static_cast<std::int32_t>(pid);
  e.tid = static_cast<std::int32_t>(tid);
  std::uint16_t type = 0;
  std::memcpy(&type, raw.data() + layout.type.offset, sizeof(type));
  if (type == layout.enter_id && fits(raw, layout.enter_nr) && fits(raw, layout.enter_args)) {
    e.kind = TraceEventKind::enter;
    e.nr = static_cast<std::int64_t>(unsigned_at(raw, layout.enter_nr));
    for (std::size_t i = 0; i < e.args.size(); ++i)
      e.args[i] = unsigned_at(raw, layout.enter_args, i);
  } else if (type == layout.exit_id && fits(raw, layout.exit_nr) && fits(raw, layout.exit_ret)) {
    e.kind = TraceEventKind::exit;
    e.nr = static_cast<std::int64_t>(unsigned_at(raw, layout.exit_nr));
    e.ret = static_cast<std::int64_t>(unsigned_at(raw, layout.exit_ret));
  } else if (layout.page_alloc_id && type == *layout.page_alloc_id) {
    e.kind = TraceEventKind::page_alloc;
  } else {
    out.malformed = true;
    return out;
  }
  out.event = e;
  return out;
}

// PERF_RECORD_FORK / EXIT: pid, ppid, tid, ptid, time (then the sample_id trailer).
DecodedRecord decode_task(Cursor& c, TraceEventKind kind) {
  DecodedRecord out;
  std::uint32_t pid = 0;
  std::uint32_t ppid = 0;
  std::uint32_t tid = 0;
  std::uint32_t ptid = 0;
  TraceEvent e;
  if (!c.take(pid) || !c.take(ppid) || !c.take(tid) || !c.take(ptid) || !c.take(e.time)) {
    out.malformed = true;
    return out;
  }
  e.kind = kind;
  e.pid = static_cast<std::int32_t>(pid);
  e.tid = static_cast<std::int32_t>(tid);
  e.parent_pid = static_cast<std::int32_t>(ppid);
  e.parent_tid = static_cast<std::int32_t>(ptid);
  out.event = e;
  return out;
}

// PERF_RECORD_SWITCH: no body; the sample_id trailer (PERF_SAMPLE_TID | PERF_SAMPLE_TIME) says
// whose switch and when. A switch out of a preempted task (still runnable) decodes to nothing.
DecodedRecord decode_switch(Cursor& c, std::uint16_t misc) {
  DecodedRecord out;
  std::uint32_t pid = 0;
  std::uint32_t tid = 0;
  TraceEvent e;
  if (!c.take(pid) || !c.take(tid) || !c.take(e.time)) {
    out.malformed = true;
    return out;
  }
  if ((misc & PERF_RECORD_MISC_SWITCH_OUT_PREEMPT) != 0) return out;
  e.kind =
      (misc & PERF_RECORD_MISC_SWITCH_OUT) != 0 ? TraceEventKind::sleep : TraceEventKind::switch_in;
  e.pid = static_cast<std::int32_t>(pid);
  e.tid = static_cast<std::int32_t>(tid);
  out.event = e;
  return out;
}

}  // namespace

std::string syscall_layout(const TracepointFormat& enter, const TracepointFormat& exit,
                           SyscallLayout& out) {
  if (!enter.id || !exit.id) return "raw_syscalls: a format file has no ID line";
  out.enter_id = *enter.id;
  out.exit_id = *exit.id;
  for (auto error : {field(enter, "sys_enter", "common_type", 2, out.type),
                     field(enter, "sys_enter", "id", 8, out.enter_nr),
                     field(enter, "sys_enter", "args", 48, out.enter_args),
                     field(exit, "sys_exit", "id", 8, out.exit_nr),
                     field(exit, "sys_exit", "ret", 8, out.exit_ret)}) {
    if (!error.empty()) return error;
  }
  FieldLayout exit_type;
  if (auto error = field(exit, "sys_exit", "common_type", 2, exit_type); !error.empty())
    return error;
  if (exit_type != out.type) return "raw_syscalls: sys_enter and sys_exit place common_type apart";
  return {};
}

DecodedRecord decode_record(std::span<const std::byte> record, const SyscallLayout& layout) {
  DecodedRecord out;
  Cursor c(record);
  perf_event_header header{};
  if (!c.take(header) || header.size > record.size() || header.size < sizeof(header)) {
    out.malformed = true;
    return out;
  }
  Cursor body(record.subspan(sizeof(header), header.size - sizeof(header)));
  switch (header.type) {
    case PERF_RECORD_SAMPLE:
      return decode_sample(body, layout);
    case PERF_RECORD_FORK:
      return decode_task(body, TraceEventKind::fork);
    case PERF_RECORD_EXIT:
      return decode_task(body, TraceEventKind::task_exit);
    case PERF_RECORD_SWITCH:
      return decode_switch(body, header.misc);
    case PERF_RECORD_LOST: {
      std::uint64_t id = 0;
      if (!body.take(id) || !body.take(out.lost)) out.malformed = true;
      return out;
    }
    case PERF_RECORD_LOST_SAMPLES:
      if (!body.take(out.lost)) out.malformed = true;
      return out;
    case PERF_RECORD_THROTTLE:
      out.throttled = true;
      return out;
    default:
      return out;
  }
}

}  // namespace pipe_bench::replay
