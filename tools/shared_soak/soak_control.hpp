// What the soak's processes share besides the pipe: one MAP_SHARED anonymous block made before
// the first fork. Writers publish how many records each completed; the reader publishes its
// progress and, at EOF, what it received from every writer.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace pipepool::shared_soak {

// Writer processes one soak may start (each gets a fresh id, its sequences start at 0).
inline constexpr std::uint32_t kMaxWriterIds = 16384;

enum class WriterState : std::uint32_t { unused, starting, running, exited, killed };

struct WriterSlot {
  // Records whose write returned, published after every write: records 0..completed-1.
  std::atomic<std::uint64_t> completed{0};
  std::atomic<WriterState> state{WriterState::unused};
  std::atomic<std::uint32_t> failed_line{0};  // a write that failed (not by the kill): its line
};

struct ReaderReport {
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::uint64_t corrupt = 0;     // records failing the checksum, or a stream that lost framing
  std::uint64_t duplicated = 0;  // records whose sequence was seen already
  std::uint64_t gaps = 0;        // records missing before one that arrived
  std::uint64_t foreign = 0;     // writer ids never started
  std::uint64_t read_errors = 0;
  std::uint64_t received[kMaxWriterIds] = {};  // per writer: records 0..received-1 arrived
};

struct Control {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> bytes_read{0};
  std::atomic<bool> reader_done{false};
  ReaderReport reader;
  WriterSlot writers[kMaxWriterIds];
};

// Maps a zeroed Control shared with every child forked afterwards; nullptr when mmap fails.
[[nodiscard]] Control* map_control() noexcept;
void unmap_control(Control* control) noexcept;

// The bodies of the children; each returns its exit code.
// Writes records of random sizes (seeded by `id`) until `stop`, publishing each completion.
int writer_main(Control& control, int write_fd, std::uint32_t id, std::size_t record_max) noexcept;
// Reads to EOF, checks every record, and fills control.reader.
int reader_main(Control& control, int read_fd) noexcept;

}  // namespace pipepool::shared_soak
