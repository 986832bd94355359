// Differential harness: runs one sequence of pipe operations on a kernel pipe2() pipe and on a
// pp_pipe2() pipe side by side (single thread, non-blocking only) and, after every operation,
// compares the return value, errno, the bytes read (whole buffers, including what lies beyond
// the count), and the state of every open descriptor: F_GETFL, F_GETPIPE_SZ, FIONREAD and poll
// revents (timeout 0). The first difference fails the test with the seed, the op index, the op
// and both results; the op sequence is a pure function of the seed and the kernel's results,
// so the message is enough to reproduce it.
//
// Descriptors are addressed by slot: slot 0 is the read end, slot 1 the write end, each dup
// appends a slot. A closed slot keeps its stale numbers (an op on it tests EBADF; don't open
// anything between the close and that op, or the kernel reuses the number). An op may instead
// name a raw descriptor number: used as is on both sides (OnRaw), or as an offset into each
// side's descriptor space (InSpace: n on the kernel side, pipepool's base + n on the other).
// Dup's new numbers are compared by space only: the kernel's below pipepool's base, pipepool's
// at or above it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "pipe_ops.hpp"

namespace pipepool::differential {

// The two sides compared: the kernel's syscalls and pipepool's C API.
using testing::kKernelOps;
using testing::kPipepoolOps;
using testing::PipeOps;

enum class Kind {
  Write,
  Read,
  Writev,
  Readv,
  Fcntl,
  Dup,
  Close,
  PollWith,
  Ioctl,
  Vmsplice,
  Splice,
  Tee
};

struct Op {
  Kind kind = Kind::Read;
  int slot = 0;               // descriptor slot
  std::optional<int> raw_fd;  // overrides slot: this number on both sides
  bool in_space = false;      // raw_fd and PollWith's extra descriptor are offsets into each space
  std::size_t size = 0;       // Write/Read: buffer size (and count unless `count` is set)
  std::optional<std::size_t> count;  // Write/Read: the count passed, when it differs from size
  bool null_buf = false;             // Write/Read: pass bad_addr as buffer; Writev/Readv: NULL iov
  std::vector<std::size_t> iov;      // Writev/Readv: segment lengths
  std::optional<int> iovcnt;         // Writev/Readv: the count passed, when not iov.size()
  int null_base = -1;                // Writev/Readv: this segment gets a NULL base
  std::uintptr_t bad_addr = 0;       // the address passed as "NULL" buffer (Write/Read) or base
                                     // (null_base): 0, or another address in the first page
  int cmd = 0;                       // Fcntl command; Ioctl request
  long arg = 0;  // Fcntl argument; PollWith: the extra raw descriptor; Ioctl: 0 = NULL argument,
                 // else a pointer to an int holding arg; Splice/Tee: the output slot
  unsigned flags = 0;     // Vmsplice/Splice/Tee: SPLICE_F_* flags
  std::size_t align = 0;  // Vmsplice: offset of the first segment from a page boundary
  int offsets = 0;        // Splice: bit 0 passes an off_in, bit 1 an off_out
};

// Builders, so scenarios read as a list of calls.
inline Op make_op(Kind kind, int slot) {
  Op op;
  op.kind = kind;
  op.slot = slot;
  return op;
}
inline Op W(std::size_t n, int slot = 1) {
  Op op = make_op(Kind::Write, slot);
  op.size = n;
  return op;
}
inline Op R(std::size_t n, int slot = 0) {
  Op op = make_op(Kind::Read, slot);
  op.size = n;
  return op;
}
inline Op Wv(std::vector<std::size_t> iov, int slot = 1) {
  Op op = make_op(Kind::Writev, slot);
  op.iov = std::move(iov);
  return op;
}
inline Op Rv(std::vector<std::size_t> iov, int slot = 0) {
  Op op = make_op(Kind::Readv, slot);
  op.iov = std::move(iov);
  return op;
}
inline Op Fcntl(int slot, int cmd, long arg = 0) {
  Op op = make_op(Kind::Fcntl, slot);
  op.cmd = cmd;
  op.arg = arg;
  return op;
}
inline Op SetFl(int slot, long flags) {
  return Fcntl(slot, F_SETFL, flags);
}
inline Op Resize(long size, int slot = 1) {
  return Fcntl(slot, F_SETPIPE_SZ, size);
}
// ioctl(request) with a pointer to an int holding 1, or a NULL argument.
inline Op Ioctl(int slot, unsigned long request, bool null_arg = false) {
  Op op = make_op(Kind::Ioctl, slot);
  op.cmd = static_cast<int>(request);
  op.arg = null_arg ? 0 : 1;
  return op;
}
inline Op Dup(int slot) {
  return make_op(Kind::Dup, slot);
}
inline Op Close(int slot) {
  return make_op(Kind::Close, slot);
}
// poll({slot, raw}) with POLLIN|POLLOUT.
inline Op PollWith(int slot, int raw) {
  Op op = make_op(Kind::PollWith, slot);
  op.arg = raw;
  return op;
}
// vmsplice(slot, segments): on a write end the pipe references a buffer the harness keeps
// alive; on a read end it reads into fresh buffers like readv.
inline Op Vms(std::vector<std::size_t> iov, int slot = 1, unsigned flags = SPLICE_F_NONBLOCK,
              std::size_t align = 0) {
  Op op = make_op(Kind::Vmsplice, slot);
  op.iov = std::move(iov);
  op.flags = flags;
  op.align = align;
  return op;
}
inline Op Spl(int in, int out, std::size_t len, unsigned flags = 0, int offsets = 0) {
  Op op = make_op(Kind::Splice, in);
  op.arg = out;
  op.size = len;
  op.flags = flags;
  op.offsets = offsets;
  return op;
}
inline Op Tee(int in, int out, std::size_t len, unsigned flags = 0) {
  Op op = make_op(Kind::Tee, in);
  op.arg = out;
  op.size = len;
  op.flags = flags;
  return op;
}
inline Op OnRaw(Op op, int fd) {
  op.raw_fd = fd;
  return op;
}
// The op with its raw descriptors (OnRaw, PollWith's extra one) taken relative to each side's
// descriptor space. Requires non-negative offsets.
inline Op InSpace(Op op) {
  op.in_space = true;
  return op;
}

inline std::string bad_name(const Op& op) {
  return op.bad_addr == 0 ? "NULL" : "address " + std::to_string(op.bad_addr);
}

inline std::string describe(const Op& op) {
  std::ostringstream os;
  static const char* const kNames[] = {"write", "read", "writev", "readv",    "fcntl",  "dup",
                                       "close", "poll", "ioctl",  "vmsplice", "splice", "tee"};
  os << kNames[static_cast<int>(op.kind)] << "(";
  if (op.raw_fd) {
    os << "fd=" << (op.in_space ? "base+" : "") << *op.raw_fd;
  } else {
    os << "slot=" << op.slot;
  }
  switch (op.kind) {
    case Kind::Write:
    case Kind::Read:
      if (op.null_buf) os << ", " << bad_name(op);
      os << ", size=" << op.size;
      if (op.count) os << ", count=" << *op.count;
      break;
    case Kind::Writev:
    case Kind::Readv:
      os << (op.null_buf ? ", iov=NULL" : "") << ", iov=[";
      for (std::size_t i = 0; i < op.iov.size() && i < 12; ++i) os << (i ? "," : "") << op.iov[i];
      if (op.iov.size() > 12) os << ",... (" << op.iov.size() << " segments)";
      os << "]";
      if (op.iovcnt) os << ", iovcnt=" << *op.iovcnt;
      if (op.null_base >= 0) os << ", " << bad_name(op) << " base at " << op.null_base;
      break;
    case Kind::Fcntl:
      os << ", cmd=" << op.cmd << ", arg=" << op.arg;
      break;
    case Kind::Ioctl:
      os << ", request=0x" << std::hex << op.cmd << std::dec << (op.arg ? ", &int" : ", NULL");
      break;
    case Kind::PollWith:
      os << ", extra fd=" << (op.in_space ? "base+" : "") << op.arg;
      break;
    case Kind::Vmsplice:
      os << ", iov=[";
      for (std::size_t i = 0; i < op.iov.size() && i < 12; ++i) os << (i ? "," : "") << op.iov[i];
      os << "], align=" << op.align << ", flags=0x" << std::hex << op.flags << std::dec;
      break;
    case Kind::Splice:
    case Kind::Tee:
      os << ", out slot=" << op.arg << ", len=" << op.size << ", flags=0x" << std::hex << op.flags
         << std::dec << (op.offsets ? ", offsets=" + std::to_string(op.offsets) : "");
      break;
    default:
      break;
  }
  os << ")";
  return os.str();
}

// What one call returned on one side.
struct Result {
  long ret = 0;
  int err = 0;                      // errno when ret == -1, else 0
  std::vector<unsigned char> data;  // Read/Readv: the whole buffer after the call
  std::vector<short> revents;       // PollWith

  bool operator==(const Result&) const = default;
};

inline std::string describe(const Result& r) {
  std::ostringstream os;
  os << "ret=" << r.ret;
  if (r.ret == -1) os << " errno=" << r.err << " (" << std::strerror(r.err) << ")";
  if (!r.revents.empty()) {
    os << " revents=[";
    for (std::size_t i = 0; i < r.revents.size(); ++i)
      os << (i ? "," : "") << std::hex << "0x" << r.revents[i] << std::dec;
    os << "]";
  }
  return os.str();
}

// The state of one open descriptor, each query as (ret, errno, value).
struct FdState {
  long getfl = 0, getfl_err = 0;
  long pipe_sz = 0, pipe_sz_err = 0;
  long fionread_ret = 0, fionread_err = 0;
  int fionread = 0;
  short revents = 0;

  bool operator==(const FdState&) const = default;
};

inline std::string describe(const FdState& s) {
  std::ostringstream os;
  os << "F_GETFL=0x" << std::hex << s.getfl << std::dec << "/" << s.getfl_err
     << " F_GETPIPE_SZ=" << s.pipe_sz << "/" << s.pipe_sz_err << " FIONREAD=" << s.fionread
     << " (ret " << s.fionread_ret << "/" << s.fionread_err << ") revents=0x" << std::hex
     << s.revents << std::dec;
  return os.str();
}

// An offset into the descriptor spaces open on neither side (so EBADF on both), at or above
// `from`: use it with InSpace.
inline int unused_fd(int from = 100) {
  const int base = kPipepoolOps.fd_base();
  for (int fd = from;; ++fd) {
    if (::fcntl(fd, F_GETFD) == -1 && pp_fcntl(base + fd, F_GETFD) == -1) return fd;
  }
}

// Byte `i` of the stream every scenario writes: distinct across pages and offsets.
inline unsigned char pattern_byte(std::uint64_t seed, std::uint64_t i) {
  return static_cast<unsigned char>((i * 131u) ^ (i >> 8) ^ (i >> 16) ^ (seed * 29u));
}

class Differ {
 public:
  // Opens both pipes with `flags` (O_NONBLOCK is always added). `seed` names the scenario in
  // failure messages.
  explicit Differ(std::uint64_t seed = 0, int flags = 0, std::string name = "")
      : seed_(seed), name_(std::move(name)) {
    std::signal(SIGPIPE, SIG_IGN);
    int k[2] = {-1, -1}, p[2] = {-1, -1};
    const int kr = kKernelOps.pipe2(k, flags | O_NONBLOCK);
    const int ke = errno;
    const int pr = kPipepoolOps.pipe2(p, flags | O_NONBLOCK);
    const int pe = errno;
    if (kr != 0 || pr != 0) {
      ADD_FAILURE() << "pipe2: kernel " << kr << "/" << ke << ", pipepool " << pr << "/" << pe;
      ok_ = false;
    }
    slots_.push_back({{k[0], p[0]}, false, kr == 0 && pr == 0});
    slots_.push_back({{k[1], p[1]}, true, kr == 0 && pr == 0});
    if (ok_) compare_state(-1, nullptr);
  }
  ~Differ() { close_all(); }
  Differ(const Differ&) = delete;
  Differ& operator=(const Differ&) = delete;

  // Runs `op` on both sides and compares. Returns false (after a test failure) on a difference;
  // later calls then do nothing.
  bool step(const Op& op) {
    if (!ok_) return false;
    const long index = ops_run_++;
    history_.push_back(describe(op));
    if (history_.size() > 8) history_.pop_front();
    std::vector<unsigned char> wbuf;
    if (op.kind == Kind::Write || op.kind == Kind::Writev) wbuf = pattern(payload_size(op));
    if (op.kind == Kind::Vmsplice && slot(op).write) keep_vmsplice_source(op);
    const Result k = apply(kKernelOps, 0, op, wbuf);
    const Result p = apply(kPipepoolOps, 1, op, wbuf);
    last_kernel_ = k;
    if (!(k == p)) {
      fail(index, op, "result", describe(k) + first_data_diff(k, p), describe(p));
      return false;
    }
    if ((op.kind == Kind::Write || op.kind == Kind::Writev) && k.ret > 0) stream_pos_ += k.ret;
    if (op.kind == Kind::Vmsplice && slot(op).write && k.ret > 0) stream_pos_ += k.ret;
    if (op.kind == Kind::Dup) {
      if (k.ret == 0) slots_.push_back({{dup_fd_[0], dup_fd_[1]}, slot(op).write, true});
    }
    if (op.kind == Kind::Close && !op.raw_fd) slots_[op.slot].open = false;
    return compare_state(index, &op);
  }

  // Opens a second pair of pipes (kernel and pipepool, `flags` plus O_NONBLOCK): two more slots,
  // its read end then its write end. For splice and tee scenarios.
  bool add_pipe(int flags = 0) {
    int k[2] = {-1, -1}, p[2] = {-1, -1};
    const int kr = kKernelOps.pipe2(k, flags | O_NONBLOCK);
    const int pr = kPipepoolOps.pipe2(p, flags | O_NONBLOCK);
    if (kr != 0 || pr != 0) {
      ADD_FAILURE() << "second pipe2: kernel " << kr << ", pipepool " << pr;
      ok_ = false;
      return false;
    }
    slots_.push_back({{k[0], p[0]}, false, true});
    slots_.push_back({{k[1], p[1]}, true, true});
    return compare_state(-1, nullptr);
  }

  bool run(const std::vector<Op>& ops) {
    for (const Op& op : ops) {
      if (!step(op)) return false;
    }
    return true;
  }

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] const Result& last() const { return last_kernel_; }  // the kernel's last result
  [[nodiscard]] std::size_t slot_count() const { return slots_.size(); }
  [[nodiscard]] bool slot_open(int s) const { return slots_[s].open; }
  [[nodiscard]] bool slot_is_write(int s) const { return slots_[s].write; }
  [[nodiscard]] int kernel_fd(int s) const { return slots_[s].fd[0]; }
  [[nodiscard]] int pipepool_fd(int s) const { return slots_[s].fd[1]; }
  [[nodiscard]] long ops_run() const { return ops_run_; }

  // Closes every open slot on both sides (comparing the results).
  void close_all() {
    for (std::size_t s = 0; s < slots_.size(); ++s) {
      if (!slots_[s].open) continue;
      const int k = kKernelOps.close(slots_[s].fd[0]);
      const int p = kPipepoolOps.close(slots_[s].fd[1]);
      slots_[s].open = false;
      if (ok_ && k != p) {
        ADD_FAILURE() << prefix() << "final close of slot " << s << ": kernel " << k
                      << ", pipepool " << p;
        ok_ = false;
      }
    }
  }

 private:
  struct Slot {
    int fd[2];  // kernel, pipepool
    bool write;
    bool open;
  };

  // The bytes a vmsplice into a write end references: kept until the Differ goes, shared by both
  // sides (neither changes them), starting `align` bytes after a page boundary.
  void keep_vmsplice_source(const Op& op) {
    const std::size_t n = payload_size(op);
    std::vector<unsigned char> bytes = pattern(n);
    const std::size_t pages = (op.align + n) / 4096 + 2;
    auto& store = vmsplice_sources_.emplace_back(pages * 4096 + 4096, 0);
    const auto base = reinterpret_cast<std::uintptr_t>(store.data());
    unsigned char* aligned = store.data() + ((4096 - base % 4096) % 4096) + op.align % 4096;
    std::copy(bytes.begin(), bytes.end(), aligned);
    vmsplice_at_ = aligned;
  }

  static std::size_t payload_size(const Op& op) {
    if (op.kind == Kind::Write) return op.size;
    std::size_t n = 0;
    for (std::size_t len : op.iov) n += len;
    return n;
  }

  std::vector<unsigned char> pattern(std::size_t n) const {
    std::vector<unsigned char> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = pattern_byte(seed_, stream_pos_ + i);
    return v;
  }

  const Slot& slot(const Op& op) const { return slots_.at(op.slot); }
  static const PipeOps& api_of(int side) { return side == 0 ? kKernelOps : kPipepoolOps; }
  // A raw number of `op` as `side` sees it.
  static int raw_on(const Op& op, int side, int fd) {
    return op.in_space ? api_of(side).fd_base() + fd : fd;
  }
  int fd_of(const Op& op, int side) const {
    return op.raw_fd ? raw_on(op, side, *op.raw_fd) : slot(op).fd[side];
  }

  static void* bad_ptr(const Op& op) { return reinterpret_cast<void*>(op.bad_addr); }

  // iovecs over `base` laid out back to back, with the op's NULL base.
  static std::vector<iovec> make_iov(const Op& op, unsigned char* base) {
    std::vector<iovec> v(op.iov.size());
    std::size_t off = 0;
    for (std::size_t i = 0; i < op.iov.size(); ++i) {
      v[i].iov_base = static_cast<int>(i) == op.null_base ? bad_ptr(op) : base + off;
      v[i].iov_len = op.iov[i];
      off += op.iov[i];
    }
    return v;
  }

  Result apply(const PipeOps& api, int side, const Op& op, const std::vector<unsigned char>& wbuf) {
    Result r;
    const int fd = fd_of(op, side);
    errno = 0;
    switch (op.kind) {
      case Kind::Write:
        r.ret = api.write(fd, op.null_buf ? bad_ptr(op) : wbuf.data(), op.count.value_or(op.size));
        break;
      case Kind::Read:
        r.data.assign(op.size, 0xA5);
        r.ret = api.read(fd, op.null_buf ? bad_ptr(op) : r.data.data(), op.count.value_or(op.size));
        break;
      case Kind::Writev: {
        std::vector<unsigned char> copy = wbuf;
        std::vector<iovec> iov = make_iov(op, copy.data());
        r.ret = api.writev(fd, op.null_buf ? nullptr : iov.data(),
                           op.iovcnt.value_or(static_cast<int>(iov.size())));
        break;
      }
      case Kind::Readv: {
        r.data.assign(payload_size(op), 0xA5);
        std::vector<iovec> iov = make_iov(op, r.data.data());
        r.ret = api.readv(fd, op.null_buf ? nullptr : iov.data(),
                          op.iovcnt.value_or(static_cast<int>(iov.size())));
        break;
      }
      case Kind::Fcntl:
        r.ret = api.fcntl(fd, op.cmd, op.arg);
        break;
      case Kind::Ioctl: {
        int value = static_cast<int>(op.arg);
        r.ret = api.ioctl(fd, static_cast<unsigned int>(op.cmd), op.arg ? &value : nullptr);
        r.data.assign(reinterpret_cast<unsigned char*>(&value),
                      reinterpret_cast<unsigned char*>(&value) + sizeof value);
        break;
      }
      case Kind::Dup:
        r.ret = api.dup(fd);
        dup_fd_[side] = static_cast<int>(r.ret);
        break;
      case Kind::Close:
        r.ret = api.close(fd);
        break;
      case Kind::Vmsplice: {
        const bool into_pipe = op.raw_fd ? false : slot(op).write;
        if (!into_pipe) r.data.assign(payload_size(op), 0xA5);
        std::vector<iovec> iov = make_iov(op, into_pipe ? vmsplice_at_ : r.data.data());
        r.ret =
            api.vmsplice(fd, op.null_buf ? nullptr : iov.data(),
                         op.iovcnt ? static_cast<std::size_t>(*op.iovcnt) : iov.size(), op.flags);
        break;
      }
      case Kind::Splice: {
        __off64_t off_in = 0, off_out = 0;
        r.ret = api.splice(fd, (op.offsets & 1) ? &off_in : nullptr, slots_.at(op.arg).fd[side],
                           (op.offsets & 2) ? &off_out : nullptr, op.size, op.flags);
        break;
      }
      case Kind::Tee:
        r.ret = api.tee(fd, slots_.at(op.arg).fd[side], op.size, op.flags);
        break;
      case Kind::PollWith: {
        pollfd pfd[2] = {{fd, POLLIN | POLLOUT, 0},
                         {raw_on(op, side, static_cast<int>(op.arg)), POLLIN | POLLOUT, 0}};
        r.ret = api.poll(pfd, 2, 0);
        r.revents = {pfd[0].revents, pfd[1].revents};
        break;
      }
    }
    r.err = r.ret == -1 ? errno : 0;
    if (op.kind == Kind::Dup && r.ret >= 0) {
      // The numbers are comparable only by space: a number outside its side's space stays as
      // is and shows as a difference.
      const bool pipepool_space = r.ret >= kPipepoolOps.fd_base();
      if (pipepool_space == (side == 1)) r.ret = 0;
    }
    return r;
  }

  FdState state(const PipeOps& api, int fd, short revents) const {
    FdState s;
    errno = 0;
    s.getfl = api.fcntl(fd, F_GETFL);
    s.getfl_err = s.getfl == -1 ? errno : 0;
    errno = 0;
    s.pipe_sz = api.fcntl(fd, F_GETPIPE_SZ);
    s.pipe_sz_err = s.pipe_sz == -1 ? errno : 0;
    errno = 0;
    s.fionread_ret = api.ioctl(fd, FIONREAD, &s.fionread);
    s.fionread_err = s.fionread_ret == -1 ? errno : 0;
    s.revents = revents;
    return s;
  }

  std::vector<short> poll_all(const PipeOps& api, int side) const {
    std::vector<pollfd> pfds;
    for (const Slot& s : slots_) {
      if (s.open) pfds.push_back({s.fd[side], POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM, 0});
    }
    api.poll(pfds.data(), pfds.size(), 0);
    std::vector<short> out;
    for (const pollfd& p : pfds) out.push_back(p.revents);
    return out;
  }

  bool compare_state(long index, const Op* op) {
    const std::vector<short> kev = poll_all(kKernelOps, 0);
    const std::vector<short> pev = poll_all(kPipepoolOps, 1);
    std::size_t i = 0;
    for (std::size_t s = 0; s < slots_.size(); ++s) {
      if (!slots_[s].open) continue;
      const FdState k = state(kKernelOps, slots_[s].fd[0], kev[i]);
      const FdState p = state(kPipepoolOps, slots_[s].fd[1], pev[i]);
      ++i;
      if (!(k == p)) {
        fail(index, op ? *op : Op{}, "state of slot " + std::to_string(s), describe(k),
             describe(p));
        return false;
      }
    }
    return true;
  }

  static std::string first_data_diff(const Result& k, const Result& p) {
    if (k.data.size() != p.data.size()) return "";
    for (std::size_t i = 0; i < k.data.size(); ++i) {
      if (k.data[i] != p.data[i]) {
        std::ostringstream os;
        os << " (buffers differ first at byte " << i << ": kernel 0x" << std::hex << int(k.data[i])
           << ", pipepool 0x" << int(p.data[i]) << ")";
        return os.str();
      }
    }
    return "";
  }

  std::string prefix() const {
    std::ostringstream os;
    os << "[" << (name_.empty() ? "scenario" : name_) << " seed=" << seed_ << "] ";
    return os.str();
  }

  void fail(long index, const Op& op, const std::string& what, const std::string& k,
            const std::string& p) {
    ok_ = false;
    std::ostringstream os;
    os << prefix() << "difference in " << what << " after op #" << index;
    if (index >= 0) os << " " << describe(op);
    os << "\n  kernel:   " << k << "\n  pipepool: " << p << "\n  last ops:";
    for (const std::string& h : history_) os << "\n    " << h;
    ADD_FAILURE() << os.str();
  }

  std::uint64_t seed_;
  std::string name_;
  bool ok_ = true;
  long ops_run_ = 0;
  std::uint64_t stream_pos_ = 0;
  std::vector<Slot> slots_;
  std::deque<std::string> history_;
  Result last_kernel_;
  int dup_fd_[2] = {-1, -1};  // the last dup's descriptors
  std::deque<std::vector<unsigned char>> vmsplice_sources_;
  unsigned char* vmsplice_at_ = nullptr;  // the last vmsplice source
};

inline std::vector<Op> repeat(const Op& op, int n) {
  return std::vector<Op>(n, op);
}
inline std::vector<Op> cat(std::initializer_list<std::vector<Op>> parts) {
  std::vector<Op> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline std::string current_test_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return info ? std::string(info->test_suite_name()) + "." + info->name() : "";
}

// Runs `ops` on a fresh pair of pipes made with `flags` (plus O_NONBLOCK), then closes all.
// Returns false after a difference (already reported as a failure).
inline bool run_scenario(const std::vector<Op>& ops, int flags = 0) {
  Differ d(0, flags, current_test_name());
  return d.run(ops);
}

// The same with a second pipe open (slots 2 and 3: its read and write ends), for splice and tee.
inline bool run_two_pipes(const std::vector<Op>& ops, int flags = 0, int second_flags = 0) {
  Differ d(0, flags, current_test_name());
  if (!d.add_pipe(second_flags)) return false;
  return d.run(ops);
}

}  // namespace pipepool::differential
