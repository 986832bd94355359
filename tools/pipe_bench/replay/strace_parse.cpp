#include "pipe_bench/replay/strace_parse.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pipe_bench/replay/fd_tables.hpp"

namespace pipe_bench::replay {
namespace {

struct FdRef {
  int fd = -1;
  std::optional<std::uint64_t> pipe;
};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

template <typename T>
std::optional<T> leading_number(std::string_view s, std::size_t* used = nullptr) {
  T value{};
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{}) return std::nullopt;
  if (used) *used = static_cast<std::size_t>(ptr - s.data());
  return value;
}

// `3<pipe:[12345]>`, `1</dev/null>`, `7`.
FdRef parse_fd(std::string_view arg) {
  FdRef ref;
  std::size_t used = 0;
  const auto fd = leading_number<int>(arg, &used);
  if (!fd) return ref;
  ref.fd = *fd;
  std::string_view rest = arg.substr(used);
  constexpr std::string_view kPipe = "<pipe:[";
  if (starts_with(rest, kPipe)) ref.pipe = leading_number<std::uint64_t>(rest.substr(kPipe.size()));
  return ref;
}

// Splits call arguments on the commas outside brackets, braces and string literals.
std::vector<std::string_view> split_args(std::string_view text) {
  std::vector<std::string_view> out;
  int depth = 0;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
    } else if (c == '[' || c == '{' || c == '(') {
      ++depth;
    } else if (c == ']' || c == '}' || c == ')') {
      --depth;
    } else if (c == '<') {
      // A descriptor's annotation (`<pipe:[1]>`, `</path>`): no separators inside.
      const std::size_t close = text.find('>', i);
      if (close != std::string_view::npos) i = close;
    } else if (c == ',' && depth == 0) {
      out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(text.substr(start));
  for (auto& a : out) {
    while (!a.empty() && a.front() == ' ') a.remove_prefix(1);
    while (!a.empty() && a.back() == ' ') a.remove_suffix(1);
  }
  return out;
}

std::int64_t errno_of(std::string_view name) {
  static const std::map<std::string_view, int> kErrno = {
      {"EPERM", EPERM},   {"EINTR", EINTR},   {"EBADF", EBADF},   {"EAGAIN", EAGAIN},
      {"ENOMEM", ENOMEM}, {"EFAULT", EFAULT}, {"EBUSY", EBUSY},   {"EINVAL", EINVAL},
      {"EMFILE", EMFILE}, {"ENOSPC", ENOSPC}, {"ESPIPE", ESPIPE}, {"EPIPE", EPIPE},
      {"ENFILE", ENFILE}, {"EIO", EIO},       {"EISDIR", EISDIR}, {"ENOTTY", ENOTTY},
  };
  const auto it = kErrno.find(name);
  return it == kErrno.end() ? -1 : -static_cast<std::int64_t>(it->second);
}

// `= 65536`, `= -1 EAGAIN (Resource temporarily unavailable)`, `= 1<pipe:[5]>`, `= ?`.
std::int64_t parse_result(std::string_view text) {
  const auto value = leading_number<std::int64_t>(text);
  if (!value) return -1;
  if (*value != -1) return *value;
  const std::size_t space = text.find(' ');
  if (space == std::string_view::npos) return -1;
  std::string_view name = text.substr(space + 1);
  name = name.substr(0, name.find(' '));
  return errno_of(name);
}

std::uint64_t sum_iov_len(std::string_view iov) {
  constexpr std::string_view kKey = "iov_len=";
  std::uint64_t total = 0;
  for (std::size_t pos = iov.find(kKey); pos != std::string_view::npos;
       pos = iov.find(kKey, pos + 1)) {
    total += leading_number<std::uint64_t>(iov.substr(pos + kKey.size())).value_or(0);
  }
  return total;
}

class Parser {
 public:
  Parser() : tables_([this](std::uint64_t pipe) { release(pipe); }) {}

  void line(std::string_view text) {
    ++out_.lines;
    ++line_no_;
    int pid = 0;
    if (starts_with(text, "[pid ")) {
      std::size_t used = 0;
      pid = leading_number<int>(text.substr(5), &used).value_or(0);
      text.remove_prefix(std::min(text.size(), 5 + used + 1));
    } else {
      std::size_t used = 0;
      const auto n = leading_number<int>(text, &used);
      if (n && used < text.size() && text[used] == ' ') {
        pid = *n;
        text.remove_prefix(used);
      }
    }
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    // The -ttt timestamp.
    {
      std::size_t used = 0;
      if (leading_number<std::uint64_t>(text, &used) && used < text.size() && text[used] == '.') {
        const std::size_t space = text.find(' ');
        text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
      }
    }
    if (starts_with(text, "+++ ")) {
      pending_.erase(pid);
      tables_.exit(pid);
      return;
    }
    if (starts_with(text, "--- ")) return;
    link(pid);

    constexpr std::string_view kUnfinished = " <unfinished ...>";
    if (text.size() >= kUnfinished.size() &&
        text.substr(text.size() - kUnfinished.size()) == kUnfinished) {
      text.remove_suffix(kUnfinished.size());
      const std::string_view name = text.substr(0, text.find('('));
      pending_[pid] = {std::string(text), line_no_};
      if (is_fork(name)) forking_[pid] = text.find("CLONE_FILES") != std::string_view::npos;
      return;
    }
    if (starts_with(text, "<... ")) {
      const std::size_t mark = text.find(" resumed>");
      auto it = pending_.find(pid);
      if (mark == std::string_view::npos || it == pending_.end()) {
        ++out_.unparsed;
        return;
      }
      std::string joined = it->second.text + std::string(text.substr(mark + 9));
      const std::uint64_t start = it->second.line;
      pending_.erase(it);
      forking_.erase(pid);
      call(pid, joined, start);
      return;
    }
    call(pid, text, line_no_);
  }

  StraceParse finish() {
    std::stable_sort(keyed_.begin(), keyed_.end(),
                     [](const Keyed& a, const Keyed& b) { return a.key < b.key; });
    for (const Keyed& k : keyed_) out_.calls.push_back(k.call);
    return std::move(out_);
  }

 private:
  struct Pending {
    std::string text;
    std::uint64_t line = 0;
  };
  struct Keyed {
    std::uint64_t key;
    PipeCall call;
  };

  static bool is_fork(std::string_view name) {
    return name == "clone" || name == "clone3" || name == "fork" || name == "vfork";
  }

  // A task seen for the first time while another is inside clone/fork/vfork is its child: it
  // starts with that task's descriptors (strace often shows the child before the parent's call
  // returns).
  void link(int pid) {
    if (tables_.known(pid)) return;
    for (auto it = forking_.rbegin(); it != forking_.rend(); ++it) {
      if (it->first == pid) continue;
      tables_.fork(it->first, pid, it->second);
      return;
    }
    tables_.touch(pid);
  }

  void emit(std::uint64_t key, PipeCall call) { keyed_.push_back({key, call}); }
  // Only pipes made in the trace: one inherited from outside may still be open there.
  void release(std::uint64_t pipe) {
    if (created_.erase(pipe) == 0) return;
    PipeCall c;
    c.pipe = pipe;
    c.kind = CallKind::release;
    emit(line_no_, c);
  }

  void call(int pid, std::string_view text, std::uint64_t start) {
    // `name(args) = result`, with spaces before `=` when strace pads short calls.
    const std::size_t paren = text.find('(');
    const std::size_t eq = text.rfind(" = ");
    std::size_t close = eq;
    while (close != std::string_view::npos && close > 0 && text[close - 1] == ' ') --close;
    if (paren == std::string_view::npos || eq == std::string_view::npos || close <= paren ||
        text[close - 1] != ')') {
      ++out_.unparsed;
      return;
    }
    const std::string_view name = text.substr(0, paren);
    const auto args = split_args(text.substr(paren + 1, close - 1 - paren - 1));
    const std::string_view result_text = text.substr(eq + 3);
    const std::int64_t result = parse_result(result_text);
    const std::uint64_t end = line_no_;
    const FdRef first = parse_fd(args.front());

    auto io = [&](CallKind kind, std::uint64_t requested, std::uint64_t key) {
      if (!first.pipe) return;
      tables_.set(pid, first.fd, *first.pipe);
      PipeCall c;
      c.pipe = *first.pipe;
      c.kind = kind;
      c.requested = requested;
      c.result = result;
      emit(key, c);
    };
    auto last_number = [&]() { return leading_number<std::uint64_t>(args.back()).value_or(0); };

    if (name == "pipe" || name == "pipe2") {
      if (result != 0) return;
      std::string_view pair = args.front();
      if (pair.size() < 2 || pair.front() != '[') return;
      const auto ends = split_args(pair.substr(1, pair.size() - 2));
      std::optional<std::uint64_t> inode;
      for (const auto& e : ends) {
        const FdRef r = parse_fd(e);
        if (r.pipe) {
          inode = r.pipe;
          tables_.set(pid, r.fd, *r.pipe);
        }
      }
      if (!inode) return;
      created_.insert(*inode);
      PipeCall c;
      c.pipe = *inode;
      c.kind = CallKind::create;
      emit(end, c);
    } else if (name == "write") {
      if (args.size() == 3) io(CallKind::write, last_number(), start);
    } else if (name == "read") {
      if (args.size() == 3) io(CallKind::read, last_number(), end);
    } else if (name == "writev") {
      if (args.size() == 3) io(CallKind::write, sum_iov_len(args[1]), start);
    } else if (name == "readv") {
      if (args.size() == 3) io(CallKind::read, sum_iov_len(args[1]), end);
    } else if (name == "vmsplice") {
      if (args.size() == 4) io(CallKind::vmsplice, sum_iov_len(args[1]), start);
    } else if (name == "splice" || name == "tee") {
      const bool splice = name == "splice";
      if (args.size() != (splice ? 6u : 4u)) return;
      const FdRef out = parse_fd(args[splice ? 2 : 1]);
      const std::uint64_t len = leading_number<std::uint64_t>(args[splice ? 4 : 2]).value_or(0);
      PipeCall c;
      c.requested = len;
      c.result = result;
      if (first.pipe && out.pipe) {
        tables_.set(pid, first.fd, *first.pipe);
        tables_.set(pid, out.fd, *out.pipe);
        c.pipe = *first.pipe;
        c.peer = *out.pipe;
        c.kind = splice ? CallKind::splice : CallKind::tee;
        emit(end, c);
      } else if (splice && first.pipe) {
        io(CallKind::splice_out, len, end);
      } else if (splice && out.pipe) {
        tables_.set(pid, out.fd, *out.pipe);
        c.pipe = *out.pipe;
        c.kind = CallKind::splice_in;
        emit(start, c);
      }
    } else if (name == "fcntl") {
      if (args.size() < 2 || !first.pipe) return;
      if (args[1] == "F_SETPIPE_SZ" && args.size() == 3) {
        io(CallKind::set_size, last_number(), end);
      } else if ((args[1] == "F_DUPFD" || args[1] == "F_DUPFD_CLOEXEC") && result >= 0) {
        tables_.set(pid, static_cast<int>(result), *first.pipe);
      }
    } else if (name == "close") {
      if (first.fd >= 0 && result != errno_of("EBADF")) tables_.close(pid, first.fd);
    } else if (name == "dup" || name == "dup2" || name == "dup3") {
      if (result < 0) return;
      if (first.pipe) {
        tables_.set(pid, static_cast<int>(result), *first.pipe);
      } else {
        tables_.close(pid, static_cast<int>(result));
      }
    } else if (is_fork(name)) {
      if (result > 0 && !tables_.known(static_cast<int>(result))) {
        tables_.fork(pid, static_cast<int>(result),
                     text.find("CLONE_FILES") != std::string_view::npos);
      }
    }
  }

  FdTables tables_;
  StraceParse out_;
  std::vector<Keyed> keyed_;
  std::map<int, Pending> pending_;
  std::map<int, bool> forking_;      // tasks inside clone/fork/vfork -> whether CLONE_FILES
  std::set<std::uint64_t> created_;  // pipes made by pipe/pipe2 and not released yet
  std::uint64_t line_no_ = 0;
};

}  // namespace

StraceParse parse_strace(std::istream& in) {
  Parser parser;
  std::string line;
  while (std::getline(in, line)) parser.line(line);
  return parser.finish();
}

}  // namespace pipe_bench::replay
