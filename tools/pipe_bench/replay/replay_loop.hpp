// The replay of a Recording's calls, one thread, in recorded order, over one kind of pipe
// (pipepool pipes in replayer.cpp, kernel pipes in kernel_replay.cpp): which calls move which
// bytes is decided here once; the kind only moves them.
//
// A write puts in the bytes the recorded call wrote; what does not fit waits (`pending`). A read
// takes out the bytes the recorded call read. When the waiting bytes go in depends on the
// recording: with `resume` calls (the tracepoint recorder saw when a sleeping writer ran again)
// they go in at a resume, or, when the pipe is still full there, right after the next read; a
// read that needs waiting bytes (the recorded read got them) puts in what it needs first.
// Without resume calls (strace recordings, version 1 and 2 files) they go in as soon as a read
// makes room. F_SETPIPE_SZ sets the recorded size; a release closes the pipe; a create
// replaces a pipe of the same inode. Failed calls move nothing. Splice and vmsplice from outside
// reference pages (as from the page cache). A call that cannot move all its bytes counts in
// short_calls.
//
// A pipe kind `Kind` provides, each returning the bytes moved (0: none, or an error):
//   using Pipe = ...;                                      // one open pipe, movable
//   std::optional<Pipe> open(std::string& error);          // nullopt and a one-line error
//   void close(Pipe& pipe);                                // before the pipe is dropped
//   std::size_t write(Pipe&, std::span<const std::byte>);  // non-blocking
//   std::size_t read(Pipe&, std::span<std::byte>);         // non-blocking
//   std::size_t vmsplice(Pipe&, std::span<const std::byte>);
//   std::size_t splice(Pipe& from, Pipe& to, std::size_t len);
//   std::size_t tee(Pipe& from, Pipe& to, std::size_t len);
//   bool set_size(Pipe&, std::size_t bytes);
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pipe_bench/replay/recording.hpp"

namespace pipe_bench::replay {

template <typename Kind>
class ReplayLoop {
 public:
  static constexpr std::size_t kChunk = std::size_t{1} << 20;

  explicit ReplayLoop(Kind& kind) : kind_(kind), data_(kChunk), sink_(kChunk) {}
  ~ReplayLoop() { release_all(); }
  ReplayLoop(const ReplayLoop&) = delete;
  ReplayLoop& operator=(const ReplayLoop&) = delete;

  // Applies every call, then releases the pipes still open. False (with `error`) when a pipe
  // could not be opened.
  bool run(const Recording& recording, std::string& error) {
    resumes_ = std::any_of(recording.calls.begin(), recording.calls.end(),
                           [](const PipeCall& c) { return c.kind == CallKind::resume; });
    for (const PipeCall& call : recording.calls) {
      if (!apply(call, error)) return false;
    }
    release_all();
    return true;
  }

  [[nodiscard]] std::uint64_t bytes_written() const noexcept { return bytes_written_; }
  [[nodiscard]] std::uint64_t short_calls() const noexcept { return short_calls_; }

 private:
  struct Entry {
    typename Kind::Pipe pipe;
    std::uint64_t pending = 0;  // bytes written by recorded calls that did not fit yet
    bool armed = false;         // a resume found the pipe full: the next read lets them in
  };

  static std::size_t chunk(std::uint64_t left) {
    return static_cast<std::size_t>(std::min<std::uint64_t>(left, kChunk));
  }

  Entry* get(std::uint64_t inode, std::string& error) {
    auto it = pipes_.find(inode);
    if (it != pipes_.end()) return &it->second;
    std::optional<typename Kind::Pipe> pipe = kind_.open(error);
    if (!pipe) return nullptr;
    return &pipes_.emplace(inode, Entry{std::move(*pipe), 0, false}).first->second;
  }

  // Writes what fits of the bytes waiting to go in.
  void flush(Entry& e) {
    while (e.pending > 0) {
      const std::size_t n = kind_.write(e.pipe, std::span(data_.data(), chunk(e.pending)));
      if (n == 0) return;
      e.pending -= n;
      bytes_written_ += n;
    }
  }

  std::uint64_t drain(Entry& e, std::uint64_t want) {
    std::uint64_t got = 0;
    while (got < want) {
      const std::size_t n = kind_.read(e.pipe, std::span(sink_.data(), chunk(want - got)));
      if (n > 0) {
        got += n;
        if (!resumes_) flush(e);
        continue;
      }
      const std::uint64_t before = e.pending;
      flush(e);
      if (e.pending == before) break;
    }
    if (e.armed) {
      e.armed = false;
      flush(e);
    }
    return got;
  }

  // A sleeping writer ran again: it puts in what fits; nothing fits: it waits for the next read.
  void resume(Entry& e) {
    if (e.pending == 0) return;
    const std::uint64_t before = e.pending;
    flush(e);
    e.armed = e.pending == before;
  }

  void vmsplice(Entry& e, std::uint64_t len) {
    std::uint64_t done = 0;
    while (done < len) {
      const std::size_t n = kind_.vmsplice(e.pipe, std::span(data_.data(), chunk(len - done)));
      if (n == 0) break;
      done += n;
      bytes_written_ += n;
    }
    if (done < len) ++short_calls_;
  }

  void splice_or_tee(const PipeCall& call, Entry& from, Entry& to, std::uint64_t len) {
    const bool splice = call.kind == CallKind::splice;
    flush(from);
    std::uint64_t done = 0;
    while (done < len) {
      const auto left = static_cast<std::size_t>(len - done);
      const std::size_t n =
          splice ? kind_.splice(from.pipe, to.pipe, left) : kind_.tee(from.pipe, to.pipe, left);
      if (n == 0) break;
      done += n;
      if (splice) flush(from);
    }
    if (done < len) ++short_calls_;
  }

  bool apply(const PipeCall& call, std::string& error) {
    if (call.kind == CallKind::release) {
      release(call.pipe);
      return true;
    }
    if (call.kind == CallKind::create) {
      release(call.pipe);
      return get(call.pipe, error) != nullptr;
    }
    if (call.kind == CallKind::resume) {
      if (auto it = pipes_.find(call.pipe); it != pipes_.end()) resume(it->second);
      return true;
    }
    Entry* e = get(call.pipe, error);
    if (!e) return false;
    if (call.result <= 0) return true;
    const auto moved = static_cast<std::uint64_t>(call.result);
    switch (call.kind) {
      case CallKind::write:
        e->pending += moved;
        flush(*e);
        break;
      case CallKind::read:
      case CallKind::splice_out:
        if (drain(*e, moved) < moved) ++short_calls_;
        break;
      case CallKind::resume:
        break;
      case CallKind::set_size:
        if (!kind_.set_size(e->pipe, static_cast<std::size_t>(call.requested))) ++short_calls_;
        break;
      case CallKind::splice_in:
      case CallKind::vmsplice:
        vmsplice(*e, moved);
        break;
      case CallKind::splice:
      case CallKind::tee: {
        Entry* peer = get(call.peer, error);
        if (!peer) return false;
        splice_or_tee(call, *e, *peer, moved);
        break;
      }
      case CallKind::create:
      case CallKind::release:
        break;
    }
    return true;
  }

  void release(std::uint64_t inode) {
    auto it = pipes_.find(inode);
    if (it == pipes_.end()) return;
    kind_.close(it->second.pipe);
    pipes_.erase(it);
  }

  void release_all() {
    while (!pipes_.empty()) release(pipes_.begin()->first);
  }

  Kind& kind_;
  std::vector<std::byte> data_;
  std::vector<std::byte> sink_;
  std::map<std::uint64_t, Entry> pipes_;
  std::uint64_t bytes_written_ = 0;
  std::uint64_t short_calls_ = 0;
  bool resumes_ = false;  // the recording says when sleeping writers ran again
};

}  // namespace pipe_bench::replay
