#include "pipe_fuzz_driver.hpp"

#include <fcntl.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "internal/pipe_core.hpp"
#include "pipe_model.hpp"
#include "pipepool/pipe.hpp"

namespace pipepool::fuzz {
namespace {

constexpr std::size_t kMaxHandles = 16;
constexpr std::size_t kMaxOps = 4000;
constexpr std::size_t kMaxIoLen = 320 * 1024;
constexpr std::size_t kReadAll = 2 * 1024 * 1024;
constexpr std::size_t kTraceKeep = 64;
constexpr std::uint8_t kOpcodes = 20;

const std::vector<PolicyKind>& built_policies() {
  static const std::vector<PolicyKind> kinds = [] {
    std::vector<PolicyKind> v;
    for (PolicyKind k :
         {PolicyKind::legacy, PolicyKind::prealloc, PolicyKind::unified, PolicyKind::shrinker}) {
      if (make_pool(k, make_allocator({AllocatorKind::heap, {}})) != nullptr) v.push_back(k);
    }
    return v;
  }();
  return kinds;
}

bool trace_enabled() {
  static const bool on = [] {
    const char* v = std::getenv("PIPEPOOL_FUZZ_TRACE");
    return v != nullptr && *v != '\0' && *v != '0';
  }();
  return on;
}

std::size_t decode_size(FuzzInput& in) {
  const std::uint8_t k = in.u8();
  switch (k % 8) {
    case 0:
      return k >> 3;
    case 1:
      return 1 + std::size_t{in.u8()};
    case 2:
      return 3968 + std::size_t{in.u8()};
    case 3:
      return kModelPage * (1 + in.u8() % 24);
    case 4:
      return in.u16();
    case 5: {
      const std::size_t pages = 1 + in.u8() % 24;
      return kModelPage * pages + 1 + in.u8() % 128;
    }
    case 6:
      return 65536;
    default:
      return std::min(kMaxIoLen, 4 * std::size_t{in.u16()});
  }
}

std::size_t decode_resize(FuzzInput& in) {
  const std::uint8_t k = in.u8();
  switch (k % 8) {
    case 0:
      return 0;
    case 1:
      return 32 * std::size_t{in.u8()};
    case 2:
      return kModelPage << (in.u8() % 10);
    case 3:
      return (kModelPage << (in.u8() % 10)) - 1;
    case 4:
      return (kModelPage << (in.u8() % 10)) + 1;
    case 5:
      return (std::size_t{1} << 31) + in.u8() % 2;
    case 6:
      return 16 * std::size_t{in.u16()};
    default:
      return std::size_t{1} << 40;
  }
}

int err_of(const std::error_code& ec) {
  return ec ? ec.value() : 0;
}

// One open handle (a file descriptor): a Reader or a Writer sharing its end with its clones.
struct Handle {
  bool writer = false;
  Reader reader;
  Writer writer_handle;
  [[nodiscard]] const std::shared_ptr<PipeEnd>& end() const {
    return writer ? writer_handle.end() : reader.end();
  }
};

// What the model knows about one open end (struct file).
struct EndState {
  bool writer = false;
  bool nonblock = false;
  bool direct = false;
  unsigned handles = 0;
};

class Session {
 public:
  Session(PolicyKind policy, std::uint64_t fail_every, bool packet)
      : policy_(policy), fail_every_(fail_every) {
    ModelAllocatorConfig cfg;
    cfg.fail_every = fail_every;
    allocator_ = make_allocator({AllocatorKind::model, cfg});
    PipeOptions opt;
    opt.policy = policy;
    opt.allocator_instance = allocator_;
    opt.nonblocking = true;
    opt.packet = packet;
    opt.no_sigpipe = true;  // the model's writes with no reader fail with EPIPE, no signal
    PipePair pair = make_pipe(opt);
    if (!pair.ok()) fail("make_pipe failed: %s", pair.error.message().c_str());
    pipe_ = pair.reader.end()->pipe().shared_from_this();
    opt.packet = false;
    PipePair aux = make_pipe(opt);
    if (!aux.ok()) fail("make_pipe (aux) failed: %s", aux.error.message().c_str());
    aux_pipe_ = aux.reader.end()->pipe().shared_from_this();
    aux_reader_ = std::move(aux.reader);
    aux_writer_ = std::move(aux.writer);
    aux_model_.open_end(false);
    aux_model_.open_end(true);
    model_.open_end(false);
    model_.open_end(true);
    ends_[pair.reader.end().get()] = {false, true, false, 1};
    ends_[pair.writer.end().get()] = {true, true, packet, 1};
    handles_.push_back({false, std::move(pair.reader), {}});
    handles_.push_back({true, {}, std::move(pair.writer)});
    note("open policy=%s fail_every=%llu packet=%d", std::string(to_string(policy)).c_str(),
         static_cast<unsigned long long>(fail_every), packet ? 1 : 0);
    check_state();
  }

  void run(FuzzInput& in) {
    for (std::size_t i = 0; i < kMaxOps && !in.done(); ++i) {
      op_index_ = i;
      step(in);
      check_state();
    }
    finish();
  }

 private:
  void step(FuzzInput& in) {
    const std::uint8_t op = in.u8() % kOpcodes;
    switch (op) {
      case 0:
      case 1: {
        Handle* h = pick(in, true);
        const std::size_t len = decode_size(in);
        if (h != nullptr) do_write(*h, {len});
        break;
      }
      case 14: {
        Handle* h = pick(in, true);
        const auto segs = decode_segments(in);
        const std::size_t align = std::size_t{in.u8()} * 16;
        if (h != nullptr) do_vmsplice_in(*h, segs, align);
        break;
      }
      case 2: {
        Handle* h = pick(in, true);
        const auto segs = decode_segments(in);
        if (h != nullptr) do_write(*h, segs);
        break;
      }
      case 3: {
        Handle* h = pick(in, false);
        const std::size_t len = decode_size(in);
        if (h != nullptr) do_read(*h, {len});
        break;
      }
      case 4: {
        Handle* h = pick(in, false);
        const std::size_t len = decode_size(in);
        if (h != nullptr) do_vmsplice_out(*h, len);
        break;
      }
      case 5: {
        Handle* h = pick(in, false);
        const auto segs = decode_segments(in);
        if (h != nullptr) do_read(*h, segs);
        break;
      }
      case 6: {
        Handle* h = pick_any(in);
        const std::size_t bytes = decode_resize(in);
        if (h != nullptr) do_resize(*h, bytes);
        break;
      }
      case 7:
        if (Handle* h = pick_any(in)) do_close(*h);
        break;
      case 8:
        if (Handle* h = pick_any(in)) do_dup(*h);
        break;
      case 9:
        if (Handle* h = pick_any(in)) toggle(*h, O_NONBLOCK);
        break;
      case 10:
        if (Handle* h = pick_any(in)) toggle(*h, O_DIRECT);
        break;
      case 11:
        do_reopen(in.u8());
        break;
      case 12: {
        const std::uint8_t k = in.u8();
        do_privileged_resize((kModelPage << (k % 11)) + (k >> 7));
        break;
      }
      case 13:
        if (Handle* h = pick_any(in)) do_wrong_end(*h);
        break;
      case 15:
        if (Handle* h = pick(in, false)) do_read(*h, {kReadAll});
        break;
      case 16:
      case 17:
      case 18: {
        Handle* h = pick(in, op == 17);
        const std::size_t len = decode_size(in);
        if (h != nullptr) do_splice(*h, op == 18, len);
        break;
      }
      default:
        do_read_aux(decode_size(in));
        break;
    }
  }

  std::vector<std::size_t> decode_segments(FuzzInput& in) {
    const std::size_t n = 1 + in.u8() % 8;
    std::vector<std::size_t> segs;
    std::size_t total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t len = decode_size(in);
      len = std::min(len, kMaxIoLen - total);
      total += len;
      segs.push_back(len);
    }
    return segs;
  }

  // The `(h % count)`-th open handle of the wanted side; nullptr when there is none.
  Handle* pick(FuzzInput& in, bool writer) {
    const std::uint8_t h = in.u8();
    std::vector<Handle*> side;
    for (Handle& x : handles_) {
      if (x.writer == writer) side.push_back(&x);
    }
    return side.empty() ? nullptr : side[h % side.size()];
  }

  Handle* pick_any(FuzzInput& in) {
    const std::uint8_t h = in.u8();
    return handles_.empty() ? nullptr : &handles_[h % handles_.size()];
  }

  EndState& state_of(const Handle& h) { return ends_.at(h.end().get()); }

  // Lays `segs` over the start of `buf` (a reused scratch buffer of at least kReadAll bytes) as
  // an iovec array; zero-length segments at odd positions get a null base (valid for the kernel
  // and for pipepool). Returns the total length.
  static std::size_t layout(std::uint8_t* buf, const std::vector<std::size_t>& segs,
                            std::vector<iovec>& iov) {
    iov.clear();
    std::size_t at = 0;
    for (std::size_t i = 0; i < segs.size(); ++i) {
      void* base = buf + at;
      if (segs[i] == 0 && i % 2 == 1) base = nullptr;
      iov.push_back({base, segs[i]});
      at += segs[i];
    }
    return at;
  }

  // Scratch buffers shared by every input of the process (big allocations are slow under ASan).
  static std::uint8_t* scratch(bool for_read) {
    static std::vector<std::uint8_t> wbuf(kMaxIoLen);
    static std::vector<std::uint8_t> rbuf(kReadAll);
    return for_read ? rbuf.data() : wbuf.data();
  }

  void do_write(Handle& h, const std::vector<std::size_t>& segs) {
    EndState& st = state_of(h);
    std::uint8_t* data = scratch(false);
    std::vector<iovec> iov;
    const std::size_t len = layout(data, segs, iov);
    const WritePlan plan = model_.plan_write(len, st.nonblock);
    if (plan.would_block) {
      note("write len=%zu segs=%zu: skipped (would block)", len, segs.size());
      return;
    }
    for (std::size_t i = 0; i < len; ++i) {
      data[i] = static_cast<std::uint8_t>((serial_++ * 0x9E3779B1u) >> 24);
    }
    const std::uint64_t failures_before = allocator_->stats().failures;
    const IoResult res = h.writer_handle.writev(iov);
    const bool failed_alloc = allocator_->stats().failures > failures_before;
    note(
        "write len=%zu segs=%zu nb=%d pkt=%d -> count=%zu err=%d (model count=%zu err=%d "
        "merged=%zu pages=%zu%s)",
        len, segs.size(), st.nonblock, st.direct, res.count, err_of(res.error), plan.count,
        plan.error, plan.merged, plan.pages, failed_alloc ? " alloc failed" : "");
    const int err = err_of(res.error);
    if (err != 0) {
      if (res.count != 0) fail("a failed write reported a count");
      const bool enomem_ok =
          err == ENOMEM && failed_alloc && plan.error == 0 && plan.merged == 0 && plan.pages > 0;
      if (err != plan.error && !enomem_ok) fail("write errno %d, model %d", err, plan.error);
      return;
    }
    if (plan.error != 0) fail("write returned %zu, model errno %d", res.count, plan.error);
    if (res.count != plan.count) {
      // Only a page that could not be had may cut a write short, and only at a page boundary.
      const bool prefix_ok = failed_alloc && res.count > 0 && res.count < plan.count &&
                             res.count >= plan.merged &&
                             (res.count - plan.merged) % kModelPage == 0;
      if (!prefix_ok) fail("write returned %zu, model %zu", res.count, plan.count);
    }
    if (res.count > 0) model_.commit_write(data, len, res.count, st.direct);
  }

  void do_read(Handle& h, const std::vector<std::size_t>& segs) {
    EndState& st = state_of(h);
    std::uint8_t* buf = scratch(true);
    std::vector<iovec> iov;
    const std::size_t total = layout(buf, segs, iov);
    if (!st.nonblock && model_.empty() && model_.writers() > 0 && total > 0) {
      note("read len=%zu: skipped (would block)", total);
      return;
    }
    const IoResult res = h.reader.readv(iov);
    const ReadResult want = model_.read(total, st.nonblock);
    note("read len=%zu segs=%zu nb=%d -> count=%zu err=%d (model count=%zu err=%d)", total,
         segs.size(), st.nonblock, res.count, err_of(res.error), want.bytes.size(), want.error);
    if (want.would_block) fail("model and pre-check disagree on blocking");
    if (err_of(res.error) != want.error) {
      fail("read errno %d, model %d", err_of(res.error), want.error);
    }
    if (res.count != want.bytes.size()) {
      fail("read returned %zu, model %zu", res.count, want.bytes.size());
    }
    if (res.count > 0 && std::memcmp(buf, want.bytes.data(), res.count) != 0) {
      std::size_t at = 0;
      while (buf[at] == want.bytes[at]) ++at;
      fail("read content differs at byte %zu of %zu: 0x%02x, model 0x%02x", at, res.count, buf[at],
           want.bytes[at]);
    }
    drop_read_sources();
  }

  // vmsplice into a write end: the pipe references `sources_`, which keeps each source until the
  // model has read every byte of it. SPLICE_F_NONBLOCK follows the end's O_NONBLOCK (vmsplice
  // itself ignores O_NONBLOCK); a call the model says would block is skipped.
  void do_vmsplice_in(Handle& h, const std::vector<std::size_t>& segs, std::size_t align) {
    const EndState& st = state_of(h);
    std::size_t total = 0;
    for (std::size_t len : segs) total += len;
    Source& src = sources_.emplace_back();
    src.tag = ++next_tag_;
    src.bytes.resize(total + kModelPage + align % kModelPage);
    const auto base = reinterpret_cast<std::uintptr_t>(src.bytes.data());
    std::uint8_t* data =
        src.bytes.data() + (kModelPage - base % kModelPage) % kModelPage + align % kModelPage;
    for (std::size_t i = 0; i < total; ++i) {
      data[i] = static_cast<std::uint8_t>((serial_++ * 0x9E3779B1u) >> 24);
    }
    std::vector<iovec> iov;
    std::vector<ModelSegment> model_segs;
    std::size_t at = 0;
    for (std::size_t i = 0; i < segs.size(); ++i) {
      void* seg_base = data + at;
      if (segs[i] == 0 && i % 2 == 1) seg_base = nullptr;
      iov.push_back({seg_base, segs[i]});
      model_segs.push_back(
          {reinterpret_cast<std::uintptr_t>(data + at), data + at, segs[i], src.tag});
      at += segs[i];
    }
    const VmspliceResult want = model_.vmsplice_in(model_segs, st.nonblock);
    if (want.would_block) {
      sources_.pop_back();
      note("vmsplice len=%zu: skipped (would block)", total);
      return;
    }
    const IoResult res = h.writer_handle.vmsplice(iov, st.nonblock ? SPLICE_F_NONBLOCK : 0);
    note("vmsplice len=%zu segs=%zu align=%zu nb=%d -> count=%zu err=%d (model count=%zu err=%d)",
         total, segs.size(), align % kModelPage, st.nonblock, res.count, err_of(res.error),
         want.count, want.error);
    if (err_of(res.error) != want.error || res.count != want.count) fail("vmsplice differs");
    drop_read_sources();
  }

  // splice (main -> aux through a main reader, or aux -> main through a main writer) or tee
  // (main -> aux), always SPLICE_F_NONBLOCK; compares the count and errno, and through the
  // state checks the bytes each pipe holds and its counters.
  void do_splice(Handle& h, bool tee_call, std::size_t len) {
    IoResult res;
    SpliceResult want;
    const char* what = "splice main->aux";
    if (tee_call) {
      what = "tee main->aux";
      res = pipepool::tee(h.reader, aux_writer_, len, SPLICE_F_NONBLOCK);
      want = model_.tee(aux_model_, len);
    } else if (h.writer) {
      what = "splice aux->main";
      res = pipepool::splice(aux_reader_, h.writer_handle, len, SPLICE_F_NONBLOCK);
      want = aux_model_.splice_out(model_, len);
    } else {
      res = pipepool::splice(h.reader, aux_writer_, len, SPLICE_F_NONBLOCK);
      want = model_.splice_out(aux_model_, len);
    }
    note("%s len=%zu -> count=%zu err=%d (model count=%zu err=%d)", what, len, res.count,
         err_of(res.error), want.count, want.error);
    if (err_of(res.error) != want.error || res.count != want.count) fail("%s differs", what);
    drop_read_sources();
  }

  // A non-blocking read of the aux pipe, compared byte for byte.
  void do_read_aux(std::size_t len) {
    std::uint8_t* buf = scratch(true);
    const IoResult res = aux_reader_.read(std::as_writable_bytes(std::span(buf, len)));
    const ReadResult want = aux_model_.read(len, true);
    note("read aux len=%zu -> count=%zu err=%d (model count=%zu err=%d)", len, res.count,
         err_of(res.error), want.bytes.size(), want.error);
    if (err_of(res.error) != want.error || res.count != want.bytes.size()) {
      fail("read aux differs");
    }
    if (res.count > 0 && std::memcmp(buf, want.bytes.data(), res.count) != 0) {
      fail("read aux content differs");
    }
    drop_read_sources();
  }

  void do_vmsplice_out(Handle& h, std::size_t len) {
    const EndState& st = state_of(h);
    std::uint8_t* buf = scratch(true);
    if (!st.nonblock && model_.empty() && model_.writers() > 0 && len > 0) {
      note("vmsplice read len=%zu: skipped (would block)", len);
      return;
    }
    const iovec v{buf, len};
    const IoResult res = h.reader.vmsplice({&v, 1}, st.nonblock ? SPLICE_F_NONBLOCK : 0);
    const ReadResult want = model_.vmsplice_out(len, st.nonblock);
    note("vmsplice read len=%zu nb=%d -> count=%zu err=%d (model count=%zu err=%d)", len,
         st.nonblock, res.count, err_of(res.error), want.bytes.size(), want.error);
    if (want.would_block) fail("model and pre-check disagree on blocking");
    if (err_of(res.error) != want.error || res.count != want.bytes.size()) {
      fail("vmsplice read differs");
    }
    if (res.count > 0 && std::memcmp(buf, want.bytes.data(), res.count) != 0) {
      fail("vmsplice read content differs");
    }
    drop_read_sources();
  }

  // A source no buffer of either pipe holds (read, or never queued) is no longer referenced.
  void drop_read_sources() {
    std::erase_if(sources_, [this](const Source& s) {
      return !model_.holds_tag(s.tag) && !aux_model_.holds_tag(s.tag);
    });
  }

  void do_resize(Handle& h, std::size_t bytes) {
    const SizeResult res =
        h.writer ? h.writer_handle.set_pipe_size(bytes) : h.reader.set_pipe_size(bytes);
    const ResizeResult want = model_.resize(bytes, false);
    note("resize %zu via %s -> size=%zu err=%d (model size=%zu err=%d)", bytes,
         h.writer ? "writer" : "reader", res.size, err_of(res.error), want.size, want.error);
    if (err_of(res.error) != want.error || res.size != want.size) fail("resize differs");
  }

  void do_privileged_resize(std::size_t bytes) {
    const SizeResult res = pipe_->set_size(bytes, true);
    const ResizeResult want = model_.resize(bytes, true);
    note("privileged resize %zu -> size=%zu err=%d (model size=%zu err=%d)", bytes, res.size,
         err_of(res.error), want.size, want.error);
    if (err_of(res.error) != want.error || res.size != want.size) fail("resize differs");
  }

  void do_close(Handle& h) {
    const PipeEnd* end = h.end().get();
    EndState& st = ends_.at(end);
    const bool writer = h.writer;
    note("close %s handle (%u left on its end)", writer ? "writer" : "reader", st.handles - 1);
    handles_.erase(handles_.begin() + (&h - handles_.data()));
    if (--st.handles == 0) {
      ends_.erase(end);
      model_.close_end(writer);
    }
  }

  void do_dup(Handle& h) {
    if (handles_.size() >= kMaxHandles) return;
    note("dup %s handle", h.writer ? "writer" : "reader");
    ++state_of(h).handles;
    Handle copy{h.writer, h.writer ? Reader{} : h.reader.clone(),
                h.writer ? h.writer_handle.clone() : Writer{}};
    handles_.push_back(std::move(copy));
  }

  void toggle(Handle& h, int flag) {
    EndState& st = state_of(h);
    bool& bit = flag == O_NONBLOCK ? st.nonblock : st.direct;
    bit = !bit;
    note("%s %s on the %s end", bit ? "set" : "clear",
         flag == O_NONBLOCK ? "O_NONBLOCK" : "O_DIRECT", h.writer ? "write" : "read");
    if (flag == O_NONBLOCK) {
      if (h.writer) {
        h.writer_handle.set_nonblocking(bit);
      } else {
        h.reader.set_nonblocking(bit);
      }
    } else if (h.writer) {
      h.writer_handle.set_packet(bit);
    } else {
      // O_DIRECT on a read end is kept but changes nothing.
      const int others = h.end()->flags() & ~(O_ACCMODE | O_DIRECT);
      h.end()->set_flags(others | (bit ? O_DIRECT : 0));
    }
  }

  void do_reopen(std::uint8_t f) {
    if (handles_.size() >= kMaxHandles) return;
    const bool writer = (f & 1) != 0;
    const bool nonblock = (f & 2) != 0;
    const bool direct = (f & 4) != 0;
    note("reopen %s end nb=%d direct=%d", writer ? "write" : "read", nonblock, direct);
    const int flags = (nonblock ? O_NONBLOCK : 0) | (direct ? O_DIRECT : 0);
    auto end = std::make_shared<PipeEnd>(pipe_, writer, flags, /*sigpipe=*/false);
    ends_[end.get()] = {writer, nonblock, direct, 1};
    model_.open_end(writer);
    if (writer) {
      handles_.push_back({true, {}, Writer(std::move(end))});
    } else {
      handles_.push_back({false, Reader(std::move(end)), {}});
    }
  }

  void do_wrong_end(Handle& h) {
    std::uint8_t byte = 0;
    const iovec v{&byte, 1};
    const IoResult res = h.writer ? h.end()->read({&v, 1}) : h.end()->write({&v, 1});
    note("%s on a %s end -> err=%d", h.writer ? "read" : "write", h.writer ? "write" : "read",
         err_of(res.error));
    if (err_of(res.error) != EBADF || res.count != 0) fail("wrong-end call is not EBADF");
    Reader closed_reader;
    Writer closed_writer;
    std::uint8_t buf[1];
    if (err_of(closed_reader.read(std::as_writable_bytes(std::span(buf))).error) != EBADF ||
        err_of(closed_writer.write(std::as_bytes(std::span(buf))).error) != EBADF) {
      fail("a closed handle is not EBADF");
    }
  }

  void check_state() {
    check_pipe(*pipe_, model_, "");
    check_pipe(*aux_pipe_, aux_model_, "aux ");
    for (const Handle& h : handles_) {
      const EndState& st = ends_.at(h.end().get());
      const int want = (st.writer ? O_WRONLY : O_RDONLY) | (st.nonblock ? O_NONBLOCK : 0) |
                       (st.direct ? O_DIRECT : 0);
      if (h.end()->flags() != want) fail("F_GETFL 0x%x, model 0x%x", h.end()->flags(), want);
    }
    const PipeStats s = pipe_->stats();
    const PipeStats aux = aux_pipe_->stats();
    if (s.pool.alloc_failures + aux.pool.alloc_failures != allocator_->stats().failures) {
      fail("pools count %llu failed allocations, allocator %llu",
           static_cast<unsigned long long>(s.pool.alloc_failures + aux.pool.alloc_failures),
           static_cast<unsigned long long>(allocator_->stats().failures));
    }
    if (policy_ != PolicyKind::shrinker && s.pool.pool_size > 2) {
      fail("pool keeps %llu pages between calls",
           static_cast<unsigned long long>(s.pool.pool_size));
    }
    if (fail_every_ == 0 && allocator_->stats().failures != 0) fail("unexpected failures");
  }

  // What one pipe shows against its model: FIONREAD, poll of both ends, size, open ends, counters.
  void check_pipe(const Pipe& p, const PipeModel& m, const char* name) {
    if (p.bytes_available() != m.bytes_available()) {
      fail("%sFIONREAD %zu, model %zu", name, p.bytes_available(), m.bytes_available());
    }
    if (p.poll(false) != m.poll(false)) {
      fail("%sread-end poll 0x%x, model 0x%x", name, p.poll(false), m.poll(false));
    }
    if (p.poll(true) != m.poll(true)) {
      fail("%swrite-end poll 0x%x, model 0x%x", name, p.poll(true), m.poll(true));
    }
    if (p.size() != m.max_slots() * kModelPage) {
      fail("%spipe size %zu, model %zu", name, p.size(), m.max_slots() * kModelPage);
    }
    if (p.readers() != m.readers() || p.writers() != m.writers()) {
      fail("%sends open: %u readers %u writers, model %u %u", name, p.readers(), p.writers(),
           m.readers(), m.writers());
    }
    const PipeStats s = p.stats();
    if (s.bytes_written != m.total_written() || s.bytes_read != m.total_read()) {
      fail("%scounters: written %llu read %llu, model %llu %llu", name,
           static_cast<unsigned long long>(s.bytes_written),
           static_cast<unsigned long long>(s.bytes_read),
           static_cast<unsigned long long>(m.total_written()),
           static_cast<unsigned long long>(m.total_read()));
    }
    if (s.writes_blocked != 0 || s.reads_blocked != 0) fail("%sa call blocked", name);
  }

  void finish() {
    note("close everything");
    handles_.clear();
    ends_.clear();
    pipe_.reset();
    aux_reader_ = Reader{};
    aux_writer_ = Writer{};
    aux_pipe_.reset();
    const AllocatorStats a = allocator_->stats();
    if (a.allocations != a.frees) {
      fail("pages leaked: %llu allocated, %llu freed",
           static_cast<unsigned long long>(a.allocations),
           static_cast<unsigned long long>(a.frees));
    }
  }

  void note(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (trace_enabled()) std::fprintf(stderr, "op %zu: %s\n", op_index_, line);
    if (trace_.size() == kTraceKeep) trace_.erase(trace_.begin());
    trace_.push_back("op " + std::to_string(op_index_) + ": " + line);
  }

  [[noreturn]] void fail(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    std::fprintf(stderr, "pipe_fuzz: MISMATCH at op %zu: %s\nlast operations:\n", op_index_, line);
    for (const std::string& t : trace_) std::fprintf(stderr, "  %s\n", t.c_str());
    std::fflush(stderr);
    std::abort();
  }

  PolicyKind policy_;
  std::uint64_t fail_every_;
  std::shared_ptr<PageAllocator> allocator_;
  std::shared_ptr<Pipe> pipe_;
  // The aux pipe: same policy and allocator, both ends always open and non-blocking, reached
  // only by splice, tee and reads.
  std::shared_ptr<Pipe> aux_pipe_;
  Reader aux_reader_;
  Writer aux_writer_;
  PipeModel aux_model_;
  std::vector<Handle> handles_;
  std::map<const PipeEnd*, EndState> ends_;
  PipeModel model_;
  std::uint64_t serial_ = 0;
  std::size_t op_index_ = 0;
  std::vector<std::string> trace_;
  // vmsplice sources: bytes the pipes may reference while a model buffer carries their tag.
  struct Source {
    std::vector<std::uint8_t> bytes;
    std::uint64_t tag = 0;
  };
  std::deque<Source> sources_;
  std::uint64_t next_tag_ = 0;
};

}  // namespace

void run_pipe_ops(const std::uint8_t* data, std::size_t size) {
  FuzzInput in(data, size);
  const auto& policies = built_policies();
  const PolicyKind policy = policies[in.u8() % policies.size()];
  const std::uint8_t alloc = in.u8();
  const std::uint64_t fail_every = (alloc & 0x80) != 0 ? (alloc & 15) + 1 : 0;
  const bool packet = (in.u8() & 1) != 0;
  Session session(policy, fail_every, packet);
  session.run(in);
}

}  // namespace pipepool::fuzz
