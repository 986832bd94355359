#include "lin_state.hpp"

#include <cstdlib>

namespace pipepool::lin {
namespace {

bool write_matches(ModelState& s, const Operation& op) {
  const fuzz::WritePlan plan = s.pipe.plan_write(op.len, true);
  if (plan.error != 0) return op.result == -1 && op.error == plan.error;
  if (op.result != static_cast<std::int64_t>(plan.count) || op.error != 0) return false;
  if (plan.count != 0) s.pipe.commit_write(op.data.data(), op.len, plan.count, false);
  return true;
}

bool read_matches(ModelState& s, const Operation& op) {
  const fuzz::ReadResult r = s.pipe.read(op.len, true);
  if (r.error != 0) return op.result == -1 && op.error == r.error;
  return op.error == 0 && op.result == static_cast<std::int64_t>(r.bytes.size()) &&
         op.data == r.bytes;
}

// One segment at the recorded offset in its page: the model cuts it into buffers per page.
bool vmsplice_in_matches(ModelState& s, const Operation& op) {
  const fuzz::ModelSegment seg{op.page_offset, op.data.data(), op.len};
  const fuzz::VmspliceResult r = s.pipe.vmsplice_in({seg}, true);
  if (r.error != 0) return op.result == -1 && op.error == r.error;
  return op.error == 0 && op.result == static_cast<std::int64_t>(r.count);
}

bool vmsplice_out_matches(ModelState& s, const Operation& op) {
  const fuzz::ReadResult r = s.pipe.vmsplice_out(op.len, true);
  if (r.error != 0) return op.result == -1 && op.error == r.error;
  return op.error == 0 && op.result == static_cast<std::int64_t>(r.bytes.size()) &&
         op.data == r.bytes;
}

bool close_matches(ModelState& s, const Operation& op) {
  if (op.result != 0 || op.error != 0) return false;
  const bool writer = op.end == End::write;
  unsigned& fds = writer ? s.write_fds : s.read_fds;
  if (fds == 0) return false;  // the history closed more descriptors than it had
  if (--fds == 0) s.pipe.close_end(writer);
  return true;
}

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h;
}

}  // namespace

ModelState initial_state(const History& h) {
  ModelState s;
  s.pipe.open_end(false);
  s.pipe.open_end(true);
  if (s.pipe.resize(h.pipe_size, false).error != 0) std::abort();  // a history the pipe refused
  s.read_fds = h.read_fds;
  s.write_fds = h.write_fds;
  return s;
}

bool apply(ModelState& s, const Operation& op) {
  switch (op.kind) {
    case OpKind::write:
      return write_matches(s, op);
    case OpKind::read:
      return read_matches(s, op);
    case OpKind::fionread:
      return op.error == 0 && op.result == static_cast<std::int64_t>(s.pipe.bytes_available());
    case OpKind::poll:
      return op.error == 0 && op.result == s.pipe.poll(op.end == End::write);
    case OpKind::close:
      return close_matches(s, op);
    case OpKind::vmsplice_in:
      return vmsplice_in_matches(s, op);
    case OpKind::vmsplice_out:
      return vmsplice_out_matches(s, op);
  }
  return false;
}

std::uint64_t state_hash(const ModelState& s) {
  std::uint64_t h = s.pipe.total_written();
  h = mix(h, s.pipe.total_read());
  h = mix(h, s.pipe.slots_used());
  h = mix(h, s.pipe.max_slots());
  h = mix(h, s.pipe.readers());
  h = mix(h, s.pipe.writers());
  h = mix(h, s.read_fds);
  return mix(h, s.write_fds);
}

}  // namespace pipepool::lin
