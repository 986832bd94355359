#include "lin_plan.hpp"

#include <algorithm>

namespace pipepool::lin {
namespace {

enum class Shape { mixed, writers_close, readers_close };

std::size_t pick(std::mt19937_64& rng, std::size_t lo, std::size_t hi) {
  return std::uniform_int_distribution<std::size_t>(lo, hi)(rng);
}

// Lengths around the interesting sizes: merge-sized, up to a page, over PIPE_BUF.
std::size_t io_len(std::mt19937_64& rng, std::size_t max_io) {
  switch (pick(rng, 0, 3)) {
    case 0:
      return pick(rng, 1, std::min<std::size_t>(64, max_io));
    case 1:
      return pick(rng, 1, std::min<std::size_t>(4096, max_io));
    case 2:
      return pick(rng, std::min<std::size_t>(4097, max_io), max_io);
    default:
      return pick(rng, 1, max_io);
  }
}

// Bytes no other write of the run has at the same offsets (a 64-bit mix of a random base).
std::vector<std::uint8_t> unique_bytes(std::mt19937_64& rng, std::size_t n) {
  std::vector<std::uint8_t> d(n);
  std::uint64_t x = rng();
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 8 == 0) {
      x += 0x9E3779B97F4A7C15ull;
      x = (x ^ (x >> 31)) * 0xBF58476D1CE4E5B9ull;
    }
    d[i] = static_cast<std::uint8_t>(x >> (8 * (i % 8)));
  }
  return d;
}

// Where a vmsplice_in's bytes start in their page: at its start, just after it, or near its end
// (so that most lengths cross into the next page).
std::size_t page_offset(std::mt19937_64& rng) {
  switch (pick(rng, 0, 2)) {
    case 0:
      return 0;
    case 1:
      return pick(rng, 1, 64);
    default:
      return pick(rng, 4096 - 64, 4095);
  }
}

// A vmsplice_in's length from `offset`: as a write's, or ending just past a page end.
std::size_t vmsplice_len(std::mt19937_64& rng, std::size_t offset, std::size_t max_io) {
  const std::size_t to_page_end = 4096 - offset;
  if (pick(rng, 0, 3) == 0 && to_page_end < max_io) {
    return pick(rng, to_page_end + 1, std::min(to_page_end + 64, max_io));
  }
  return io_len(rng, max_io);
}

// A write of several pages: whole pages, or pages and a tail that may merge, from two pages up to
// `max` bytes.
std::size_t big_len(std::mt19937_64& rng, std::size_t max) {
  const std::size_t pages = pick(rng, 2, std::max<std::size_t>(2, max / 4096));
  switch (pick(rng, 0, 2)) {
    case 0:
      return pages * 4096;
    case 1:
      return (pages - 1) * 4096 + pick(rng, 1, 64);
    default:
      return std::min(max, pick(rng, 4097, pages * 4096));
  }
}

// An F_SETPIPE_SZ argument: a power of two up to max_resize, or a size that rounds up to one.
std::size_t resize_len(std::mt19937_64& rng, std::size_t max_resize) {
  std::size_t sizes = 0;
  while ((std::size_t{4096} << (sizes + 1)) <= max_resize) ++sizes;
  const std::size_t size = std::size_t{4096} << pick(rng, 0, sizes);
  return pick(rng, 0, 3) == 0 ? pick(rng, size / 2 + 1, size) : size;
}

// One call on the descriptors `t` holds; `slots` is what the write budget has left, and a write
// that would overrun it becomes a FIONREAD.
PlannedCall make_call(std::mt19937_64& rng, const ThreadPlan& t, const PlanLimits& limits,
                      std::size_t& slots) {
  PlannedCall c;
  if (pick(rng, 1, 100) <= limits.resize_percent) {
    c.kind = OpKind::resize;
    c.end = t.write_fd && (!t.read_fd || pick(rng, 0, 1) == 0) ? End::write : End::read;
    c.len = resize_len(rng, limits.max_resize);
    return c;
  }
  const std::size_t max_read =
      limits.big_write_percent != 0 ? std::max(limits.max_io, limits.max_big_write) : limits.max_io;
  const std::size_t r = pick(rng, 0, 99);
  const bool can_write = t.write_fd;
  const bool can_read = t.read_fd;
  if (r < 40 && can_write) {
    c.kind = OpKind::write;
  } else if (r < 75 && can_read) {
    c.kind = OpKind::read;
  } else if (r < 75) {
    c.kind = OpKind::write;
  } else {
    c.kind = r < 90 ? OpKind::fionread : OpKind::poll;
  }
  const bool zero_copy = pick(rng, 1, 100) <= limits.vmsplice_percent;
  if (c.kind == OpKind::write && zero_copy) c.kind = OpKind::vmsplice_in;
  if (c.kind == OpKind::read && zero_copy) c.kind = OpKind::vmsplice_out;
  if (c.kind == OpKind::write || c.kind == OpKind::vmsplice_in) {
    if (c.kind == OpKind::vmsplice_in) {
      c.page_offset = page_offset(rng);
      c.len = vmsplice_len(rng, c.page_offset, limits.max_io);
    } else if (pick(rng, 1, 100) <= limits.big_write_percent) {
      c.len = big_len(rng, limits.max_big_write);
    } else {
      c.len = io_len(rng, limits.max_io);
    }
    const std::size_t need = (c.page_offset + c.len + 4095) / 4096;
    if (need > slots) {
      c.kind = OpKind::fionread;
      c.len = 0;
      c.page_offset = 0;
    } else {
      slots -= need;
    }
  }
  if (c.kind == OpKind::write || c.kind == OpKind::vmsplice_in) {
    c.end = End::write;
    c.data = unique_bytes(rng, c.len);
  } else if (c.kind == OpKind::read || c.kind == OpKind::vmsplice_out) {
    c.end = End::read;
    c.len = io_len(rng, max_read);
  } else {
    c.end = can_read && (!can_write || pick(rng, 0, 1) == 0) ? End::read : End::write;
  }
  return c;
}

}  // namespace

Plan random_plan(std::mt19937_64& rng, const PlanLimits& limits) {
  Plan p;
  std::size_t sizes = 0;
  while ((limits.min_pipe_size << (sizes + 1)) <= limits.max_pipe_size) ++sizes;
  p.pipe_size = limits.min_pipe_size << pick(rng, 0, sizes);
  std::size_t slots = limits.max_write_slots;
  const std::size_t n = pick(rng, limits.min_threads, limits.max_threads);
  if (pick(rng, 1, 100) <= limits.signal_percent) p.signals = static_cast<Signals>(pick(rng, 1, 3));
  p.event_fds = pick(rng, 1, 100) <= limits.event_fd_percent;
  if (pick(rng, 1, 100) <= limits.blocking_percent) {
    // Writers and readers apart, each closing its end last: threads 0 and 1 write (so one
    // writer's bytes may land in another's blocked write), the last reads, the others either.
    const std::size_t how = pick(rng, 0, 2);
    p.block_writes = how != 1;
    p.block_reads = how != 0;
    for (std::size_t i = 0; i < n; ++i) {
      ThreadPlan t;
      t.write_fd = i + 1 < n && (i < 2 || pick(rng, 0, 1) == 0);
      t.read_fd = !t.write_fd;
      const std::size_t calls = pick(rng, limits.min_calls, limits.max_calls);
      for (std::size_t k = 0; k + 1 < calls; ++k)
        t.calls.push_back(make_call(rng, t, limits, slots));
      t.calls.push_back({OpKind::close, t.write_fd ? End::write : End::read, 0, {}, 0});
      p.threads.push_back(std::move(t));
    }
    return p;
  }
  const auto shape = static_cast<Shape>(pick(rng, 0, limits.close_read_end ? 2 : 1));
  // The closing side: thread 0, and thread 1 too in some three-thread plans.
  const std::size_t closers = shape == Shape::mixed ? 0 : (n > 2 && pick(rng, 0, 1) == 0 ? 2 : 1);
  for (std::size_t i = 0; i < n; ++i) {
    ThreadPlan t;
    const bool closer = i < closers;
    if (shape == Shape::mixed) {
      t.read_fd = t.write_fd = true;
    } else {
      const bool writer = (shape == Shape::writers_close) == closer;
      t.read_fd = !writer;
      t.write_fd = writer;
    }
    // Closers make fewer calls, so the others have calls left after the close.
    const std::size_t calls =
        closer ? pick(rng, limits.min_calls, (limits.min_calls + limits.max_calls) / 2)
               : pick(rng, limits.min_calls, limits.max_calls);
    for (std::size_t k = 0; k + (closer ? 1 : 0) < calls; ++k) {
      t.calls.push_back(make_call(rng, t, limits, slots));
    }
    if (closer) t.calls.push_back({OpKind::close, t.write_fd ? End::write : End::read, 0, {}, 0});
    p.threads.push_back(std::move(t));
  }
  return p;
}

}  // namespace pipepool::lin
