// The two implementations the differential suites compare: the kernel's pipe syscalls and
// pipepool's C API, as one table of function pointers each. Descriptor numbers of the two are
// separate namespaces (kernel fds vs pipepool's own table).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pipepool/posix.h"

namespace pipepool::differential {

struct Api {
  const char* name;
  int (*pipe2)(int*, int);
  ssize_t (*read)(int, void*, size_t);
  ssize_t (*write)(int, const void*, size_t);
  ssize_t (*readv)(int, const iovec*, int);
  ssize_t (*writev)(int, const iovec*, int);
  int (*close)(int);
  int (*dup)(int);
  int (*fcntl)(int, int, ...);
  int (*ioctl)(int, unsigned long, ...);
  int (*poll)(pollfd*, nfds_t, int);
};

inline const Api kKernel{"kernel", ::pipe2, ::read,  ::write, ::readv, ::writev,
                         ::close,  ::dup,   ::fcntl, ::ioctl, ::poll};
inline const Api kPipepool{"pipepool", pp_pipe2, pp_read,  pp_write, pp_readv, pp_writev,
                           pp_close,   pp_dup,   pp_fcntl, pp_ioctl, pp_poll};

}  // namespace pipepool::differential
