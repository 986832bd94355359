// A history of concurrent calls on one pipe, as the linearizability checker (lin_checker.hpp)
// reads it: every call with its arguments, its result and the interval it ran in. All descriptors
// may be blocking: a blocking write is a run of atomic steps split only where the pipe was full
// (lin_state.hpp), and signal handlers that ran in a thread show as `signal` entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pipepool::lin {

enum class OpKind : std::uint8_t {
  write,     // write(fd, data, len)
  read,      // read(fd, buf, len)
  fionread,  // ioctl(fd, FIONREAD)
  poll,      // poll of fd for POLLIN|POLLRDNORM|POLLOUT|POLLWRNORM, timeout 0
  close,     // close(fd)
  // vmsplice(fd, {data, len}, 1, SPLICE_F_NONBLOCK) on a write end: the pipe references the
  // caller's bytes, one buffer per page they touch; where they start in their page matters.
  vmsplice_in,
  // vmsplice(fd, {buf, len}, 1, SPLICE_F_NONBLOCK) on a read end: a read without packet bounds.
  vmsplice_out,
  // fcntl(fd, F_SETPIPE_SZ, len): the new size in bytes, or -1 with EBUSY, EPERM, EINVAL.
  resize,
  // A signal handler ran in `thread` at `invoke` (== `ret`); `restart`: it was installed with
  // SA_RESTART. Not a call: it tells the model that the thread's call in progress at that moment,
  // if any, may return on it where it had to wait (a blocking call that moved bytes with them;
  // one that moved nothing with EINTR, or it restarts).
  signal,
};

enum class End : std::uint8_t { read, write };

struct Operation {
  OpKind kind = OpKind::read;
  unsigned thread = 0;  // the thread that made the call (reports only)
  End end = End::read;  // the end the call's descriptor belongs to
  std::size_t len = 0;  // write, vmsplice_in: bytes offered; read, vmsplice_out: buffer length
  // write, vmsplice_in: the bytes offered (len of them); read, vmsplice_out: the bytes returned.
  std::vector<std::uint8_t> data;
  std::size_t page_offset = 0;  // vmsplice_in: the offset of data's first byte in its page
  // write, read: the descriptor was blocking (a write may then take several steps and sleep
  // between them where the pipe is full; a read waits for data).
  bool blocking = false;
  bool restart = false;  // signal: the handler had SA_RESTART
  // What the call returned: a byte count (write, read, vmsplice), the FIONREAD value, the revents,
  // or 0 (close); -1 when it failed, with `error` set to errno.
  std::int64_t result = 0;
  int error = 0;
  // Taken right before the call and right after it returned, from one clock that orders every
  // thread's stamps: a call whose `ret` is below another's `invoke` finished before it began.
  std::uint64_t invoke = 0;
  std::uint64_t ret = 0;
};

struct History {
  std::size_t pipe_size = 65536;  // pipe size (F_SETPIPE_SZ) before the first call
  // Descriptors open on each end before the first call; an end closes with its last one.
  unsigned read_fds = 1;
  unsigned write_fds = 1;
  bool packet = false;  // O_DIRECT: every write makes packets, which never take merges
  std::vector<Operation> ops;
};

}  // namespace pipepool::lin
