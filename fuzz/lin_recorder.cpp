#include "lin_recorder.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace pipepool::lin {
namespace {

// Busy-wait iterations at the start gate before a thread yields (about a millisecond).
constexpr unsigned kSpins = 200000;

struct ThreadFds {
  int read = -1;
  int write = -1;
};

// One call, stamped from `clock` right before and right after it. `spliced`: where a
// vmsplice_in's bytes are (c.data at c.page_offset in its page), alive until the pipe is gone.
Operation run_call(const PlannedCall& c, const ThreadFds& fds, const std::uint8_t* spliced,
                   std::atomic<std::uint64_t>& clock) {
  Operation op;
  op.kind = c.kind;
  op.end = c.end;
  op.len = c.len;
  op.page_offset = c.page_offset;
  const int fd = c.end == End::write ? fds.write : fds.read;
  std::int64_t r = 0;
  int err = 0;
  switch (c.kind) {
    case OpKind::write: {
      op.data = c.data;
      op.invoke = clock.fetch_add(1);
      r = pp_write(fd, c.data.data(), c.len);
      err = errno;
      op.ret = clock.fetch_add(1);
      break;
    }
    case OpKind::read: {
      op.data.resize(c.len);
      op.invoke = clock.fetch_add(1);
      r = pp_read(fd, op.data.data(), c.len);
      err = errno;
      op.ret = clock.fetch_add(1);
      op.data.resize(r > 0 ? static_cast<std::size_t>(r) : 0);
      break;
    }
    case OpKind::vmsplice_in: {
      op.data = c.data;
      iovec v{const_cast<std::uint8_t*>(spliced), c.len};
      op.invoke = clock.fetch_add(1);
      r = pp_vmsplice(fd, &v, 1, SPLICE_F_NONBLOCK);
      err = errno;
      op.ret = clock.fetch_add(1);
      break;
    }
    case OpKind::vmsplice_out: {
      op.data.resize(c.len);
      iovec v{op.data.data(), c.len};
      op.invoke = clock.fetch_add(1);
      r = pp_vmsplice(fd, &v, 1, SPLICE_F_NONBLOCK);
      err = errno;
      op.ret = clock.fetch_add(1);
      op.data.resize(r > 0 ? static_cast<std::size_t>(r) : 0);
      break;
    }
    case OpKind::fionread: {
      int value = 0;
      op.invoke = clock.fetch_add(1);
      r = pp_ioctl(fd, FIONREAD, &value);
      err = errno;
      op.ret = clock.fetch_add(1);
      if (r == 0) r = value;
      break;
    }
    case OpKind::poll: {
      pollfd p{fd, POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM, 0};
      op.invoke = clock.fetch_add(1);
      r = pp_poll(&p, 1, 0);
      err = errno;
      op.ret = clock.fetch_add(1);
      if (r >= 0) r = p.revents;
      break;
    }
    case OpKind::close:
      op.invoke = clock.fetch_add(1);
      r = pp_close(fd);
      err = errno;
      op.ret = clock.fetch_add(1);
      break;
  }
  op.result = r < 0 ? -1 : r;
  op.error = r < 0 ? err : 0;
  return op;
}

std::string failure(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

constexpr std::size_t kPage = 4096;

std::size_t pages_of(const PlannedCall& c) {
  return c.kind == OpKind::vmsplice_in ? (c.page_offset + c.len + kPage - 1) / kPage : 0;
}

// Lays out every vmsplice_in's bytes in `out.spliced`, each call in pages of its own at its
// planned offset, and returns where each call's bytes start (nullptr for other calls).
std::vector<std::vector<const std::uint8_t*>> lay_out_spliced(const Plan& plan, Recording& out) {
  std::size_t pages = 0;
  for (const ThreadPlan& t : plan.threads) {
    for (const PlannedCall& c : t.calls) pages += pages_of(c);
  }
  std::vector<std::vector<const std::uint8_t*>> at(plan.threads.size());
  if (pages != 0) {
    out.spliced.reset(static_cast<std::uint8_t*>(std::aligned_alloc(kPage, pages * kPage)));
    if (!out.spliced) {
      out.error = "aligned_alloc of the vmsplice pages failed";
      return at;
    }
  }
  std::size_t page = 0;
  for (std::size_t i = 0; i < plan.threads.size(); ++i) {
    for (const PlannedCall& c : plan.threads[i].calls) {
      if (c.kind != OpKind::vmsplice_in) {
        at[i].push_back(nullptr);
        continue;
      }
      std::uint8_t* start = out.spliced.get() + page * kPage + c.page_offset;
      std::memcpy(start, c.data.data(), c.len);
      at[i].push_back(start);
      page += pages_of(c);
    }
  }
  return at;
}

}  // namespace

Recording record(const Plan& plan, const pp_options& options) {
  Recording out;
  History& h = out.history;
  h.pipe_size = plan.pipe_size;
  const std::vector<std::vector<const std::uint8_t*>> spliced = lay_out_spliced(plan, out);
  if (!out.error.empty()) return out;
  int pipe_fds[2];
  if (pp_pipe_opts(pipe_fds, O_NONBLOCK, &options) != 0) {
    out.error = failure("pp_pipe_opts");
    return out;
  }
  const int size = pp_fcntl(pipe_fds[1], F_SETPIPE_SZ, static_cast<int>(plan.pipe_size));
  std::vector<ThreadFds> fds(plan.threads.size());
  bool ok = size == static_cast<int>(plan.pipe_size);
  if (!ok) out.error = failure("F_SETPIPE_SZ");
  h.read_fds = h.write_fds = 0;
  for (std::size_t i = 0; i < plan.threads.size() && ok; ++i) {
    if (plan.threads[i].read_fd) {
      fds[i].read = pp_dup(pipe_fds[0]);
      ++h.read_fds;
    }
    if (plan.threads[i].write_fd) {
      fds[i].write = pp_dup(pipe_fds[1]);
      ++h.write_fds;
    }
    if ((plan.threads[i].read_fd && fds[i].read < 0) ||
        (plan.threads[i].write_fd && fds[i].write < 0)) {
      out.error = failure("pp_dup");
      ok = false;
    }
  }
  (void)pp_close(pipe_fds[0]);
  (void)pp_close(pipe_fds[1]);

  std::vector<std::vector<Operation>> done(plan.threads.size());
  if (ok) {
    std::atomic<std::uint64_t> clock{1};
    std::atomic<std::size_t> arrived{0};
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < plan.threads.size(); ++i) {
      threads.emplace_back([&, i] {
        // Every thread starts its calls once all are running, so their calls overlap. The first
        // ones busy-wait rather than yield: a thread that yields on a loaded machine may lose its
        // CPU for a whole time slice, and the last one would make all its calls alone.
        arrived.fetch_add(1);
        for (unsigned spin = 0; arrived.load() < plan.threads.size(); ++spin) {
          if (spin > kSpins) std::this_thread::yield();
        }
        for (std::size_t k = 0; k < plan.threads[i].calls.size(); ++k) {
          done[i].push_back(run_call(plan.threads[i].calls[k], fds[i], spliced[i][k], clock));
          done[i].back().thread = static_cast<unsigned>(i);
        }
      });
    }
    for (std::thread& t : threads) t.join();
  }
  for (std::size_t i = 0; i < plan.threads.size(); ++i) {
    bool closed[2] = {false, false};
    for (const Operation& op : done[i]) {
      if (op.kind == OpKind::close && op.result == 0) closed[op.end == End::write] = true;
    }
    if (fds[i].read >= 0 && !closed[0]) (void)pp_close(fds[i].read);
    if (fds[i].write >= 0 && !closed[1]) (void)pp_close(fds[i].write);
    for (Operation& op : done[i]) h.ops.push_back(std::move(op));
  }
  return out;
}

}  // namespace pipepool::lin
