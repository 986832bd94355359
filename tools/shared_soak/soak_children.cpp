// The writer and reader processes of the shared-pipe soak, and the shared block they report in.
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <random>
#include <vector>

#include "pipepool/posix.h"
#include "shared_soak/record.hpp"
#include "shared_soak/soak_control.hpp"

namespace pipepool::shared_soak {

Control* map_control() noexcept {
  void* p =
      ::mmap(nullptr, sizeof(Control), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  return new (p) Control{};
}

void unmap_control(Control* control) noexcept {
  if (control != nullptr) ::munmap(control, sizeof(Control));
}

int writer_main(Control& control, int write_fd, std::uint32_t id, std::size_t record_max) noexcept {
  WriterSlot& slot = control.writers[id];
  slot.state.store(WriterState::running, std::memory_order_release);
  std::mt19937_64 rng(0x50a4000000ULL + id);
  std::uniform_int_distribution<std::size_t> size(kRecordHeader, record_max);
  std::byte buf[kRecordMax];
  for (std::uint64_t seq = 0; !control.stop.load(std::memory_order_relaxed); ++seq) {
    const std::size_t len = size(rng);
    make_record(buf, id, seq, len);
    const ssize_t n = pp_write(write_fd, buf, len);
    if (n != static_cast<ssize_t>(len)) {
      // EINTR cannot come (no handler); EPIPE means the reader is gone: both end the soak.
      slot.failed_line.store(__LINE__, std::memory_order_relaxed);
      return 1;
    }
    slot.completed.store(seq + 1, std::memory_order_release);
  }
  (void)pp_close(write_fd);
  slot.state.store(WriterState::exited, std::memory_order_release);
  return 0;
}

namespace {

// Accounts one whole record that passed its checksum.
void account(ReaderReport& r, const RecordHeader& h, const Control& control) noexcept {
  ++r.records;
  if (h.writer >= kMaxWriterIds ||
      control.writers[h.writer].state.load(std::memory_order_acquire) == WriterState::unused) {
    ++r.foreign;
    return;
  }
  std::uint64_t& next = r.received[h.writer];
  if (h.seq < next) {
    ++r.duplicated;
  } else {
    r.gaps += h.seq - next;
    next = h.seq + 1;
  }
}

}  // namespace

int reader_main(Control& control, int read_fd) noexcept {
  ReaderReport& r = control.reader;
  std::vector<std::byte> buf(1 << 16);
  std::size_t have = 0;
  bool framed = true;  // false once a header fails: the rest cannot be split into records
  for (;;) {
    const ssize_t n = pp_read(read_fd, buf.data() + have, buf.size() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      ++r.read_errors;
      break;
    }
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
    r.bytes += static_cast<std::uint64_t>(n);
    control.bytes_read.store(r.bytes, std::memory_order_relaxed);
    std::size_t pos = 0;
    while (framed) {
      RecordHeader h;
      const RecordCheck c = check_record(buf.data() + pos, have - pos, h);
      if (c == RecordCheck::need_more) break;
      if (c == RecordCheck::bad_header) {
        ++r.corrupt;
        framed = false;
        break;
      }
      if (c == RecordCheck::bad_sum) {
        ++r.corrupt;
      } else {
        account(r, h, control);
      }
      pos += h.len;
    }
    if (!framed) pos = have;
    std::memmove(buf.data(), buf.data() + pos, have - pos);
    have -= pos;
  }
  // Bytes left at EOF are a record cut short.
  if (have != 0) ++r.corrupt;
  (void)pp_close(read_fd);
  control.reader_done.store(true, std::memory_order_release);
  return 0;
}

}  // namespace pipepool::shared_soak
