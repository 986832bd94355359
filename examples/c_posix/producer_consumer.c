/* A producer thread writes a byte pattern into a pipepool pipe through the syscall-shaped C API
 * (pipepool/posix.h); the main thread reads it back until end of file and checks every byte.
 * Prints one line with the byte count and exits 0 when everything matched. */
#define _GNU_SOURCE /* F_GETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <pipepool/posix.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum { TOTAL = 1 << 20 };

static unsigned char pattern(size_t i) {
  return (unsigned char)(i * 31u + 7u);
}

static void* producer(void* arg) {
  int fd = *(int*)arg;
  unsigned char chunk[3000]; /* not a page multiple: writes straddle pages */
  size_t sent = 0;
  while (sent < TOTAL) {
    size_t n = TOTAL - sent < sizeof chunk ? TOTAL - sent : sizeof chunk;
    for (size_t i = 0; i < n; i++) chunk[i] = pattern(sent + i);
    ssize_t w = pp_write(fd, chunk, n);
    if (w < 0) {
      perror("pp_write");
      break;
    }
    sent += (size_t)w;
  }
  pp_close(fd); /* the reader sees end of file */
  return NULL;
}

int main(void) {
  struct pp_options opts = {0};
  opts.policy = PP_POLICY_UNIFIED;
  int fds[2];
  if (pp_pipe_opts(fds, 0, &opts) != 0) {
    perror("pp_pipe_opts");
    return 1;
  }
  int size = pp_fcntl(fds[0], F_GETPIPE_SZ);

  pthread_t thread;
  if (pthread_create(&thread, NULL, producer, &fds[1]) != 0) return 1;

  unsigned char buf[4096];
  size_t received = 0;
  size_t mismatches = 0;
  for (;;) {
    ssize_t r = pp_read(fds[0], buf, sizeof buf);
    if (r < 0) {
      perror("pp_read");
      return 1;
    }
    if (r == 0) break;
    for (ssize_t i = 0; i < r; i++) mismatches += buf[i] != pattern(received + (size_t)i);
    received += (size_t)r;
  }
  pthread_join(thread, NULL);

  /* No reader left: a write fails with EPIPE. This pipe is made with no_sigpipe; by default the
   * write would raise SIGPIPE first, as on a kernel pipe. */
  struct pp_options quiet = {0};
  quiet.no_sigpipe = 1;
  int again[2];
  if (pp_pipe_opts(again, 0, &quiet) != 0) return 1;
  pp_close(again[0]);
  int epipe = pp_write(again[1], "x", 1) < 0 && errno == EPIPE;
  pp_close(again[1]);
  pp_close(fds[0]);

  printf("pipepool C example: %zu of %d bytes, %zu mismatches, pipe size %d, EPIPE %s\n", received,
         TOTAL, mismatches, size, epipe ? "yes" : "no");
  return received == TOTAL && mismatches == 0 && size > 0 && epipe ? 0 : 1;
}
