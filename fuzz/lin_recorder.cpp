#include "lin_recorder.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>

#include <atomic>
#include <cerrno>
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

// One call, stamped from `clock` right before and right after it.
Operation run_call(const PlannedCall& c, const ThreadFds& fds, std::atomic<std::uint64_t>& clock) {
  Operation op;
  op.kind = c.kind;
  op.end = c.end;
  op.len = c.len;
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

}  // namespace

Recording record(const Plan& plan, const pp_options& options) {
  Recording out;
  History& h = out.history;
  h.pipe_size = plan.pipe_size;
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
        for (const PlannedCall& c : plan.threads[i].calls) {
          done[i].push_back(run_call(c, fds[i], clock));
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
