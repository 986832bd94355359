#include "pipe_bench/replay/recording_file.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <istream>
#include <ostream>
#include <string_view>
#include <vector>

namespace pipe_bench::replay {
namespace {

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < line.size()) {
    const std::size_t end = line.find(' ', pos);
    const std::size_t stop = end == std::string_view::npos ? line.size() : end;
    if (stop > pos) out.push_back(line.substr(pos, stop - pos));
    pos = stop + 1;
  }
  return out;
}

template <typename T>
bool parse_number(std::string_view text, T& value) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && ptr == text.data() + text.size();
}

// `key rest-of-line`: the rest, or nullopt when the line does not start with `key `.
std::optional<std::string_view> after_key(std::string_view line, std::string_view key) {
  if (line.size() < key.size() || line.substr(0, key.size()) != key) return std::nullopt;
  if (line.size() == key.size()) return std::string_view{};
  if (line[key.size()] != ' ') return std::nullopt;
  return line.substr(key.size() + 1);
}

}  // namespace

void write_recording(std::ostream& out, const Recording& recording) {
  out << kRecordingMagic << ' ' << kRecordingVersion << '\n';
  out << "command " << recording.command << '\n';
  out << "recorder " << recording.recorder << '\n';
  if (recording.kernel.allocs && recording.kernel.frees) {
    out << "kernel " << *recording.kernel.allocs << ' ' << *recording.kernel.frees << '\n';
  } else {
    out << "kernel unavailable " << recording.kernel.unavailable << '\n';
  }
  for (const auto& [what, times] : recording.warnings) {
    out << "warning " << times << ' ' << what << '\n';
  }
  out << "calls " << recording.calls.size() << '\n';
  for (const PipeCall& call : recording.calls) {
    out << call.pipe << ' ' << to_string(call.kind) << ' ' << call.requested << ' ' << call.result;
    if (call.kind == CallKind::splice || call.kind == CallKind::tee) out << ' ' << call.peer;
    out << '\n';
  }
  out << "end\n";
}

ReadRecording read_recording(std::istream& in) {
  ReadRecording result;
  auto fail = [&](std::string message) {
    result.error = std::move(message);
    return result;
  };
  std::string line;
  std::size_t number = 0;
  auto next = [&]() -> bool {
    if (!std::getline(in, line)) return false;
    ++number;
    return true;
  };

  if (!next()) return fail("empty file, not a pipepool recording");
  const auto magic = fields(line);
  if (magic.size() != 2 || magic[0] != kRecordingMagic) {
    return fail(fmt::format(
        "not a pipepool recording (line 1 does not start with \"{} <version>\")", kRecordingMagic));
  }
  int version = 0;
  if (!parse_number(magic[1], version) || version < kOldestRecordingVersion ||
      version > kRecordingVersion) {
    return fail(
        fmt::format("recording format version {} is not supported (this pipe_bench reads {} to {})",
                    magic[1], kOldestRecordingVersion, kRecordingVersion));
  }
  Recording rec;
  std::optional<std::uint64_t> announced;
  while (!announced) {
    if (!next()) return fail(fmt::format("truncated recording: header ends at line {}", number));
    if (auto v = after_key(line, "command")) {
      rec.command = std::string(*v);
    } else if (auto r = after_key(line, "recorder")) {
      rec.recorder = std::string(*r);
    } else if (auto k = after_key(line, "kernel")) {
      if (auto why = after_key(*k, "unavailable")) {
        rec.kernel.unavailable = std::string(*why);
      } else {
        const auto f = fields(*k);
        std::uint64_t a = 0;
        std::uint64_t b = 0;
        if (f.size() != 2 || !parse_number(f[0], a) || !parse_number(f[1], b)) {
          return fail(fmt::format("line {}: expected \"kernel <allocs> <frees>\"", number));
        }
        rec.kernel.allocs = a;
        rec.kernel.frees = b;
      }
    } else if (auto w = after_key(line, "warning"); w && version >= 2) {
      const std::size_t space = w->find(' ');
      std::uint64_t times = 0;
      if (space == std::string_view::npos || !parse_number(w->substr(0, space), times)) {
        return fail(fmt::format("line {}: expected \"warning <count> <what>\"", number));
      }
      rec.warnings[std::string(w->substr(space + 1))] += times;
    } else if (auto c = after_key(line, "calls")) {
      std::uint64_t n = 0;
      if (!parse_number(*c, n)) return fail(fmt::format("line {}: expected \"calls <N>\"", number));
      announced = n;
    } else {
      return fail(fmt::format("line {}: unknown header line \"{}\"", number, line));
    }
  }
  for (std::uint64_t i = 0; i < *announced; ++i) {
    if (!next()) {
      return fail(fmt::format("truncated recording: {} of {} calls", i, *announced));
    }
    const auto f = fields(line);
    PipeCall call;
    auto kind = f.size() >= 4 ? parse_call_kind(f[1]) : std::nullopt;
    if (kind == CallKind::resume && version < 3) kind = std::nullopt;
    if (!kind || !parse_number(f[0], call.pipe) || !parse_number(f[2], call.requested) ||
        !parse_number(f[3], call.result) ||
        f.size() != ((*kind == CallKind::splice || *kind == CallKind::tee) ? 5u : 4u) ||
        (f.size() == 5 && !parse_number(f[4], call.peer))) {
      if (line == "end" || in.eof()) {  // `end` early, or a last line without its newline
        return fail(fmt::format("truncated recording: {} of {} calls", i, *announced));
      }
      return fail(fmt::format(
          "line {}: not a call (\"<pipe> <kind> <requested> <result>\"): \"{}\"", number, line));
    }
    call.kind = *kind;
    rec.calls.push_back(call);
  }
  if (!next()) return fail("truncated recording: no \"end\" line after the calls");
  if (line != "end") {
    return fail(fmt::format("line {}: more calls than the {} announced", number, *announced));
  }
  result.recording = std::move(rec);
  return result;
}

ReadRecording read_recording_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    ReadRecording result;
    result.error = fmt::format("{}: cannot open", path);
    return result;
  }
  ReadRecording result = read_recording(in);
  if (!result.recording) result.error = fmt::format("{}: {}", path, result.error);
  return result;
}

}  // namespace pipe_bench::replay
