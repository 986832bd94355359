#include "pipe_model.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace pipepool::fuzz {

std::size_t PipeModel::merge_bytes(std::size_t len) const {
  const std::size_t tail = len % kModelPage;
  if (tail == 0 || bufs_.empty()) return 0;
  const ModelBuffer& last = bufs_.back();
  if (last.packet || last.no_merge || last.page_end + tail > kModelPage) return 0;
  return tail;
}

WritePlan PipeModel::plan_write(std::size_t len, bool nonblock) const {
  WritePlan plan;
  if (len == 0) return plan;
  if (readers_ == 0) {
    plan.error = EPIPE;
    return plan;
  }
  plan.merged = merge_bytes(len);
  const std::size_t rest = len - plan.merged;
  const std::size_t need = (rest + kModelPage - 1) / kModelPage;
  const std::size_t free_slots = max_slots_ > bufs_.size() ? max_slots_ - bufs_.size() : 0;
  if (need <= free_slots) {
    plan.pages = need;
    plan.count = len;
    return plan;
  }
  if (!nonblock) {
    plan.would_block = true;
    return plan;
  }
  plan.pages = free_slots;
  plan.count = plan.merged + free_slots * kModelPage;
  if (plan.count == 0) plan.error = EAGAIN;
  return plan;
}

void PipeModel::commit_write(const std::uint8_t* data, std::size_t len, std::size_t count,
                             bool packet) {
  const std::size_t merged = merge_bytes(len);
  if (count < merged) std::abort();  // a merge is all or nothing
  if (merged != 0) {
    ModelBuffer& last = bufs_.back();
    last.bytes.insert(last.bytes.end(), data, data + merged);
    last.page_end += merged;
  }
  for (std::size_t at = merged; at < count; at += kModelPage) {
    const std::size_t n = std::min(kModelPage, count - at);
    ModelBuffer buf;
    buf.bytes.assign(data + at, data + at + n);
    buf.page_end = n;
    buf.packet = packet;
    bufs_.push_back(std::move(buf));
  }
  total_written_ += count;
}

ReadResult PipeModel::read(std::size_t len, bool nonblock) {
  return take(len, nonblock, true);
}

ReadResult PipeModel::take(std::size_t len, bool nonblock, bool packets) {
  ReadResult r;
  if (len == 0) return r;
  if (bufs_.empty()) {
    if (writers_ == 0) return r;  // EOF
    if (nonblock) {
      r.error = EAGAIN;
    } else {
      r.would_block = true;
    }
    return r;
  }
  // Something is buffered: take from the oldest buffers until `len` is met or the pipe is empty;
  // with `packets`, a packet ends the read, and what of it did not fit is lost.
  std::size_t want = len;
  while (want != 0 && !bufs_.empty()) {
    ModelBuffer& front = bufs_.front();
    const std::size_t n = std::min(want, front.bytes.size());
    r.bytes.insert(r.bytes.end(), front.bytes.begin(),
                   front.bytes.begin() + static_cast<std::ptrdiff_t>(n));
    const bool packet = packets && front.packet;
    front.bytes.erase(front.bytes.begin(), front.bytes.begin() + static_cast<std::ptrdiff_t>(n));
    if (packet || front.bytes.empty()) bufs_.pop_front();
    want = packet ? 0 : want - n;
  }
  total_read_ += r.bytes.size();
  return r;
}

VmspliceResult PipeModel::vmsplice_in(const std::vector<ModelSegment>& segs, bool nonblock) {
  VmspliceResult r;
  std::size_t total = 0;
  for (const ModelSegment& g : segs) total += g.len;
  if (total == 0) return r;
  if (readers_ == 0) {
    r.error = EPIPE;
    return r;
  }
  if (full()) {
    if (nonblock) {
      r.error = EAGAIN;
    } else {
      r.would_block = true;
    }
    return r;
  }
  for (const ModelSegment& g : segs) {
    std::size_t at = 0;
    while (at < g.len && !full()) {
      const std::size_t offset = (g.address + at) % kModelPage;
      const std::size_t n = std::min(g.len - at, kModelPage - offset);
      ModelBuffer buf;
      buf.bytes.assign(g.bytes + at, g.bytes + at + n);
      buf.page_end = offset + n;
      buf.no_merge = true;
      buf.tag = g.tag;
      bufs_.push_back(std::move(buf));
      at += n;
      r.count += n;
    }
    if (at < g.len) break;
  }
  total_written_ += r.count;
  return r;
}

ReadResult PipeModel::vmsplice_out(std::size_t len, bool nonblock) {
  return take(len, nonblock, false);
}

int PipeModel::splice_prep(const PipeModel& out) const {
  if (bufs_.empty() && writers_ != 0) return EAGAIN;
  if (out.readers_ == 0) return EPIPE;
  if (out.full()) return EAGAIN;
  return 0;
}

SpliceResult PipeModel::splice_out(PipeModel& out, std::size_t len) {
  SpliceResult r;
  if (len == 0) return r;
  r.error = splice_prep(out);
  if (r.error != 0) return r;
  while (len != 0 && !bufs_.empty() && !out.full()) {
    ModelBuffer& front = bufs_.front();
    const std::size_t n = front.bytes.size();
    if (len >= n) {
      out.splice_in(std::move(front));
      bufs_.pop_front();
      r.count += n;
      len -= n;
      continue;
    }
    ModelBuffer part = front;
    part.bytes.resize(len);
    part.page_end = front.page_end - (n - len);
    part.no_merge = true;
    front.bytes.erase(front.bytes.begin(), front.bytes.begin() + static_cast<std::ptrdiff_t>(len));
    out.splice_in(std::move(part));
    r.count += len;
    len = 0;
  }
  total_read_ += r.count;
  return r;
}

void PipeModel::splice_in(ModelBuffer buf) {
  total_written_ += buf.bytes.size();
  bufs_.push_back(std::move(buf));
}

SpliceResult PipeModel::tee(PipeModel& out, std::size_t len) const {
  SpliceResult r;
  if (len == 0) return r;
  r.error = splice_prep(out);
  if (r.error != 0) return r;
  for (const ModelBuffer& b : bufs_) {
    if (len == 0 || out.full()) break;
    ModelBuffer copy = b;
    const std::size_t n = std::min(len, copy.bytes.size());
    copy.page_end -= copy.bytes.size() - n;
    copy.bytes.resize(n);
    copy.no_merge = true;
    out.splice_in(std::move(copy));
    r.count += n;
    len -= n;
  }
  return r;
}

bool PipeModel::holds_tag(std::uint64_t tag) const {
  return std::any_of(bufs_.begin(), bufs_.end(),
                     [tag](const ModelBuffer& b) { return b.tag == tag; });
}

ResizeResult PipeModel::resize(std::size_t bytes, bool privileged) {
  ResizeResult r;
  if (bytes > (std::size_t{1} << 31)) {
    r.error = EINVAL;
    return r;
  }
  std::size_t size = kModelPage;
  while (size < bytes) size *= 2;
  const std::size_t slots = size / kModelPage;
  if (slots > max_slots_ && size > kModelMaxSize && !privileged) {
    r.error = EPERM;
    return r;
  }
  if (slots < bufs_.size()) {
    r.error = EBUSY;
    return r;
  }
  max_slots_ = slots;
  r.size = size;
  return r;
}

std::size_t PipeModel::bytes_available() const {
  std::size_t n = 0;
  for (const ModelBuffer& b : bufs_) n += b.bytes.size();
  return n;
}

short PipeModel::poll(bool writer_end) const {
  short mask = 0;
  if (writer_end) {
    if (!full()) mask |= POLLOUT | POLLWRNORM;
    if (readers_ == 0) mask |= POLLERR;
  } else {
    if (!empty()) mask |= POLLIN | POLLRDNORM;
    if (writers_ == 0) mask |= POLLHUP;
  }
  return mask;
}

}  // namespace pipepool::fuzz
