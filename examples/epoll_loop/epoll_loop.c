/* One thread serves several pipepool pipes from an epoll loop, beside ordinary kernel
 * descriptors: pp_event_fd gives each pp descriptor a kernel descriptor that is readable while the
 * pp descriptor is ready (read end: data or end of file; write end: room or no reader).
 *
 * PIPES producer threads write a counted byte pattern into their pipe with blocking pp_write and
 * close it. The loop reads every pipe (non-blocking, edge-triggered: until EAGAIN) to end of file,
 * checks the bytes, closes the read end (its event descriptor leaves the epoll set with it), and
 * meanwhile answers a timerfd tick, the kind of kernel descriptor an event loop already has.
 * Prints one line and exits 0 when every byte arrived in order. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pipepool/posix.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

enum { PIPES = 8, BYTES_PER_PIPE = 256 * 1024, TIMER_KEY = PIPES };

static unsigned char pattern(int pipe, size_t i) {
  return (unsigned char)(i * 13u + (unsigned)pipe);
}

struct producer {
  int index;
  int fd; /* write end */
  pthread_t thread;
};

static void* produce(void* arg) {
  struct producer* p = arg;
  unsigned char chunk[5000];
  size_t sent = 0;
  while (sent < BYTES_PER_PIPE) {
    size_t n = BYTES_PER_PIPE - sent < sizeof chunk ? BYTES_PER_PIPE - sent : sizeof chunk;
    for (size_t i = 0; i < n; i++) chunk[i] = pattern(p->index, sent + i);
    ssize_t w = pp_write(p->fd, chunk, n);
    if (w < 0) {
      perror("pp_write");
      break;
    }
    sent += (size_t)w;
  }
  pp_close(p->fd); /* the loop sees end of file */
  return NULL;
}

int main(void) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (ep < 0 || timer < 0) {
    perror("epoll_create1/timerfd_create");
    return 1;
  }
  struct itimerspec tick = {{0, 5000000}, {0, 5000000}}; /* every 5 ms */
  timerfd_settime(timer, 0, &tick, NULL);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = TIMER_KEY};
  epoll_ctl(ep, EPOLL_CTL_ADD, timer, &ev);

  int readers[PIPES];
  size_t received[PIPES] = {0};
  size_t mismatches = 0;
  struct producer producers[PIPES];
  for (int i = 0; i < PIPES; i++) {
    int fds[2];
    if (pp_pipe(fds) != 0 || pp_fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) {
      perror("pp_pipe");
      return 1;
    }
    int evfd = pp_event_fd(fds[0]);
    if (evfd < 0) {
      perror("pp_event_fd");
      return 1;
    }
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u32 = (uint32_t)i;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, evfd, &ev) != 0) {
      perror("epoll_ctl");
      return 1;
    }
    readers[i] = fds[0];
    producers[i].index = i;
    producers[i].fd = fds[1];
  }
  for (int i = 0; i < PIPES; i++) {
    if (pthread_create(&producers[i].thread, NULL, produce, &producers[i]) != 0) return 1;
  }

  int open = PIPES;
  unsigned long ticks = 0;
  unsigned char buf[16384];
  struct epoll_event events[16];
  while (open > 0) {
    int n = epoll_wait(ep, events, 16, 10000);
    if (n <= 0) {
      fprintf(stderr, "epoll_wait: %s\n", n == 0 ? "no event in 10 s" : "failed");
      return 1;
    }
    for (int k = 0; k < n; k++) {
      int i = (int)events[k].data.u32;
      if (i == TIMER_KEY) {
        uint64_t expirations;
        if (read(timer, &expirations, sizeof expirations) == sizeof expirations) ticks++;
        continue;
      }
      if (readers[i] < 0) continue;
      for (;;) { /* edge-triggered: read until EAGAIN or end of file */
        ssize_t r = pp_read(readers[i], buf, sizeof buf);
        if (r < 0) {
          if (errno != EAGAIN) {
            perror("pp_read");
            return 1;
          }
          break;
        }
        if (r == 0) {
          pp_close(readers[i]); /* closes its event descriptor, which leaves the epoll set */
          readers[i] = -1;
          open--;
          break;
        }
        for (ssize_t b = 0; b < r; b++) mismatches += buf[b] != pattern(i, received[i] + (size_t)b);
        received[i] += (size_t)r;
      }
    }
  }
  for (int i = 0; i < PIPES; i++) pthread_join(producers[i].thread, NULL);

  size_t total = 0;
  int complete = 1;
  for (int i = 0; i < PIPES; i++) {
    total += received[i];
    complete &= received[i] == BYTES_PER_PIPE;
  }
  printf(
      "pipepool epoll example: %d pipes, %zu bytes, %zu mismatches, all in order %s, %lu timer "
      "ticks served\n",
      PIPES, total, mismatches, complete && mismatches == 0 ? "yes" : "no", ticks);
  close(timer);
  close(ep);
  return complete && mismatches == 0 ? 0 : 1;
}
