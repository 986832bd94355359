/* pipepool's syscall-shaped C API. Each call returns what the Linux syscall returns for a pipe
 * and sets errno the same way. A write to a pipe with no reader raises SIGPIPE on the calling
 * thread, then fails with EPIPE (a write cut short by the last reader's close raises it and
 * returns the bytes written), as the kernel does, unless the pipe was made with
 * pp_options.no_sigpipe. pp_poll returns -1 EINTR when a signal handler runs while it waits
 * (never restarted, as poll(2)).
 *
 * fork(): descriptors inherited by the child fail there with EIO (every call but pp_close; poll
 * reports POLLERR) because the pipe lives in the parent's memory; pp_close frees the number,
 * which new pipes do not reuse before that. The parent's pipes are untouched. Pipes made with
 * PP_O_SHARED are the exception: they keep working in the child (see PP_O_SHARED below).
 *
 * Descriptors are pipepool's own numbers, from a base at or above 2^30 and above the kernel's
 * /proc/sys/fs/nr_open, so no kernel descriptor of the process can have one: a pipepool
 * descriptor passed to a syscall fails with EBADF, a kernel descriptor passed to a pp_* call
 * fails with EBADF. Within that space the kernel's rules hold counted from the base: lowest free
 * number, F_DUPFD minimums (a minimum below the base means the base), RLIMIT_NOFILE. */
#ifndef PIPEPOOL_POSIX_H
#define PIPEPOOL_POSIX_H

#include <poll.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* pp_pipe2 / pp_pipe_opts flag (not a kernel flag): a pipe shared between processes. Its ring,
 * counts, lock and pages live in one shared memory mapping (a memfd), so after fork both the
 * parent's and the child's descriptors for it work, with the kernel's semantics between
 * processes: PIPE_BUF atomicity, blocking and O_NONBLOCK, EOF once the last write end in every
 * process is closed (or its process died), EPIPE and SIGPIPE once the last read end is, FIONREAD,
 * F_GETPIPE_SZ / F_SETPIPE_SZ up to pipe-max-size (1 MiB; larger is EPERM even for a privileged
 * caller), pp_poll (a change made by another process is seen within 10 ms).
 * Limits: the legacy policy only (PP_POLICY_DEFAULT means legacy here; other policies, an explicit
 * allocator, PP_COPY_PARALLEL and O_DIRECT fail with EINVAL); pp_event_fd, pp_vmsplice, pp_splice
 * and pp_tee fail with EINVAL on its descriptors; O_NONBLOCK is per process (the kernel shares it
 * through the open file); a signal handler interrupts a blocked call with EINTR even with
 * SA_RESTART; at most 64 processes hold ends of one pipe at a time (a fork child beyond that gets
 * descriptors that fail with EIO). exec: pipepool descriptors do not survive exec (none do); the
 * process's ends count as closed from the first wait of another process that notices it no
 * longer maps the pipe, within 50 ms. A process killed in a call, even one holding the pipe's
 * lock, counts the same way; the bytes it committed stay readable. */
#define PP_O_SHARED 0x20000000

enum pp_policy {
  PP_POLICY_DEFAULT = 0,
  PP_POLICY_LEGACY,
  PP_POLICY_PREALLOC,
  PP_POLICY_UNIFIED,
  PP_POLICY_SHRINKER
};
enum pp_allocator {
  PP_ALLOCATOR_DEFAULT = 0,
  PP_ALLOCATOR_OS,
  PP_ALLOCATOR_HEAP,
  PP_ALLOCATOR_MODEL
};
enum pp_copy_mode {
  PP_COPY_DEFAULT = 0,
  PP_COPY_KERNEL,  /* every copy under the pipe mutex, as fs/pipe.c */
  PP_COPY_PARALLEL /* copies outside the mutex, committed in order; the same semantics */
};

struct pp_options {
  enum pp_policy policy;             /* PP_POLICY_DEFAULT: $PIPEPOOL_POLICY, else unified */
  enum pp_allocator allocator;       /* PP_ALLOCATOR_DEFAULT: $PIPEPOOL_ALLOCATOR, else os */
  unsigned long model_alloc_cost_ns; /* model allocator only */
  unsigned long model_free_cost_ns;
  unsigned long model_fail_nth;   /* fail the Nth allocation (1-based), 0 = never */
  unsigned long model_fail_every; /* fail every Nth allocation, 0 = never */
  enum pp_copy_mode copy;         /* PP_COPY_DEFAULT: $PIPEPOOL_COPY (kernel|parallel; any other
                                     value is ignored), else parallel */
  int no_sigpipe;                 /* non-zero: a write with no reader fails with EPIPE only;
                                     0: it raises SIGPIPE first, as the kernel does */
  /* Pool sizes in pages (PoolSizes in pipepool/page_pool.hpp), each 0..64; 0 = the kernel's
   * default. After the defaults are applied pool_keep must not exceed pool_max; otherwise, or
   * for a value above 64, pp_pipe_opts fails with EINVAL and makes no descriptors, whatever the
   * policy (a field the policy does not read is checked too). */
  unsigned legacy_cache; /* legacy and prealloc: tmp_page slots, pages kept between calls;
                            0: 2 (tmp_page[2]) */
  unsigned pool_keep;    /* unified: pages left in the pool as a read or write ends;
                            0: 2 (PIPE_PREALLOC_KEEP) */
  unsigned pool_max;     /* prealloc, unified, shrinker: largest prefill burst; unified's pool
                            size; the shrinker's pages beyond its cap held for freeing after
                            unlock; 0: 8 (PIPE_PREALLOC_MAX) */
};

int pp_pipe(int fds[2]);
int pp_pipe2(int fds[2], int flags);
int pp_pipe_opts(int fds[2], int flags, const struct pp_options* opts);
ssize_t pp_read(int fd, void* buf, size_t count);
ssize_t pp_write(int fd, const void* buf, size_t count);
ssize_t pp_readv(int fd, const struct iovec* iov, int iovcnt);
ssize_t pp_writev(int fd, const struct iovec* iov, int iovcnt);
int pp_close(int fd);
int pp_dup(int fd);
int pp_fcntl(int fd, int cmd, ...);
int pp_ioctl(int fd, unsigned long request, ...);
int pp_poll(struct pollfd* fds, nfds_t nfds, int timeout_ms);
/* A kernel descriptor (an eventfd) for event loops: readable exactly while pp_poll on fd would
 * report POLLIN or POLLHUP (read end) or POLLOUT or POLLERR (write end). Level-triggered; usable
 * with poll, select, epoll (level- and edge-triggered: every not-ready -> ready change makes a new
 * edge) and io_uring. Owned by fd's open file: dup'd descriptors share it, and the last close of
 * that open file closes it. Asking again returns the same descriptor. It may be readable for a
 * moment after the pipe stopped being ready: use O_NONBLOCK pp descriptors. Do not read, write or
 * close it. Errors: EBADF (fd not open), EMFILE / ENFILE (no kernel descriptor left). */
int pp_event_fd(int fd);
/* Zero-copy calls with the kernel's signatures, flags (SPLICE_F_*) and errors, between pipepool
 * descriptors only. pp_vmsplice on a write end makes the pipe reference the caller's memory, which
 * must stay unchanged and mapped until it is read; on a read end it copies out. pp_splice moves
 * buffers between two pipes, pp_tee duplicates them; neither copies bytes. */
ssize_t pp_vmsplice(int fd, const struct iovec* iov, size_t nr_segs, unsigned int flags);
ssize_t pp_splice(int fd_in, __off64_t* off_in, int fd_out, __off64_t* off_out, size_t len,
                  unsigned int flags);
ssize_t pp_tee(int fd_in, int fd_out, size_t len, unsigned int flags);
/* Frees up to `pages` pages kept by PP_POLICY_SHRINKER pipes, least recently used first; pipes in
 * use are skipped. (size_t)-1 frees all. Returns the pages freed. Thread-safe. */
size_t pp_shrink(size_t pages);

#ifdef __cplusplus
}
#endif

#endif /* PIPEPOOL_POSIX_H */
