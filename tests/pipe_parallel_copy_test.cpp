// Copies outside the pipe mutex keep the kernel's observable semantics: readers see only committed
// bytes (whole records of <= PIPE_BUF, each writer's in order), FIONREAD counts only committed
// bytes, and a resize during copies keeps every byte in order. Run in both copy modes.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "internal/pipe_core.hpp"
#include "pipepool/pipe.hpp"

namespace pipepool::test {
namespace {

PipePair make_copy_pipe(CopyMode mode, bool packet = false) {
  PipeOptions o;
  o.policy = PolicyKind::unified;
  o.allocator.kind = AllocatorKind::heap;
  o.copy = mode;
  o.packet = packet;
  PipePair p = make_pipe(o);
  EXPECT_TRUE(p.ok()) << p.error.message();
  EXPECT_EQ(p.reader.end()->pipe().copy_mode(), mode);
  return p;
}

// A record: writer id, sequence number, length, then bytes derived from all three.
struct Header {
  std::uint32_t writer;
  std::uint32_t seq;
  std::uint32_t len;  // whole record, header included
};

std::uint8_t body_byte(const Header& h, std::size_t i) {
  return static_cast<std::uint8_t>(h.writer * 31 + h.seq * 7 + i * 13);
}

std::vector<std::uint8_t> make_record(std::uint32_t writer, std::uint32_t seq) {
  const std::uint32_t len = 16 + (seq * 977 + writer * 131) % (4096 - 16 + 1);  // 16..4096
  std::vector<std::uint8_t> r(len);
  const Header h{writer, seq, len};
  std::memcpy(r.data(), &h, sizeof h);
  for (std::size_t i = sizeof h; i < len; ++i) r[i] = body_byte(h, i);
  return r;
}

// Checks one whole record at `p` (at least sizeof(Header) bytes readable); returns its length, or
// 0 and a failure when it is torn.
std::size_t check_record(const std::uint8_t* p, std::size_t avail) {
  Header h;
  std::memcpy(&h, p, sizeof h);
  if (h.len < 16 || h.len > 4096 || h.len > avail) {
    ADD_FAILURE() << "bad record length " << h.len << " (" << avail << " bytes available)";
    return 0;
  }
  for (std::size_t i = sizeof h; i < h.len; ++i) {
    if (p[i] != body_byte(h, i)) {
      ADD_FAILURE() << "writer " << h.writer << " record " << h.seq << " torn at byte " << i;
      return 0;
    }
  }
  return h.len;
}

class ParallelCopy : public testing::TestWithParam<CopyMode> {};

// Many writers, one reader parsing the byte stream: every record whole (merged or in a page of
// its own, never interleaved), each writer's records in order, none lost.
TEST_P(ParallelCopy, ReaderSeesOnlyWholeCommittedRecordsInWriterOrder) {
  PipePair p = make_copy_pipe(GetParam());
  constexpr unsigned kWriters = 4;
  constexpr std::uint32_t kRecords = 3000;
  std::vector<std::thread> writers;
  for (unsigned w = 0; w < kWriters; ++w) {
    writers.emplace_back([out = p.writer.clone(), w]() mutable {
      for (std::uint32_t seq = 0; seq < kRecords; ++seq) {
        const std::vector<std::uint8_t> r = make_record(w, seq);
        const IoResult res = out.write(std::as_bytes(std::span(r)));
        ASSERT_EQ(res.count, r.size()) << res.error.message();
      }
    });
  }
  p.writer.close();  // the clones keep the write end open until the writers finish

  std::vector<std::uint32_t> next(kWriters, 0);
  std::vector<std::uint8_t> stream;
  std::vector<std::byte> buf(70000);
  std::size_t pos = 0;
  bool failed = false;
  for (;;) {
    const IoResult res = p.reader.read(buf);
    ASSERT_TRUE(res.ok()) << res.error.message();
    if (res.count == 0) break;
    const auto* b = reinterpret_cast<const std::uint8_t*>(buf.data());
    stream.insert(stream.end(), b, b + res.count);
    while (!failed && stream.size() - pos >= sizeof(Header)) {
      Header h;
      std::memcpy(&h, stream.data() + pos, sizeof h);
      if (h.len <= 4096 && stream.size() - pos < h.len) break;  // rest of it comes next read
      const std::size_t len = check_record(stream.data() + pos, stream.size() - pos);
      if (len == 0 || h.writer >= kWriters || h.seq != next[h.writer]) {
        ADD_FAILURE() << "record out of order or torn at offset " << pos;
        failed = true;
        break;
      }
      ++next[h.writer];
      pos += len;
    }
    if (pos > (1u << 20)) {
      stream.erase(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(pos));
      pos = 0;
    }
  }
  for (std::thread& t : writers) t.join();
  EXPECT_FALSE(failed);
  EXPECT_EQ(pos, stream.size());
  for (unsigned w = 0; w < kWriters; ++w) EXPECT_EQ(next[w], kRecords) << "writer " << w;
}

// Writes of 16 page-sized records each: pages interleave between writers only at page borders, so
// every record stays whole; a page a reader could see before its copy ended would be torn or stale.
TEST_P(ParallelCopy, MultiPageWritesAreSeenOnlyOnceCopied) {
  PipePair p = make_copy_pipe(GetParam());
  ASSERT_TRUE(p.writer.set_pipe_size(1 << 20).ok());  // room for several writers' copies at once
  constexpr unsigned kWriters = 3;
  constexpr std::uint32_t kWrites = 1500;
  constexpr std::uint32_t kPerWrite = 16;
  std::vector<std::thread> writers;
  for (unsigned w = 0; w < kWriters; ++w) {
    writers.emplace_back([out = p.writer.clone(), w]() mutable {
      std::vector<std::uint8_t> data(kPerWrite * 4096);
      for (std::uint32_t i = 0; i < kWrites; ++i) {
        for (std::uint32_t k = 0; k < kPerWrite; ++k) {
          const Header h{w, i * kPerWrite + k, 4096};
          std::uint8_t* r = data.data() + k * 4096;
          std::memcpy(r, &h, sizeof h);
          for (std::size_t b = sizeof h; b < 4096; ++b) r[b] = body_byte(h, b);
        }
        ASSERT_EQ(out.write(std::as_bytes(std::span(data))).count, data.size());
      }
    });
  }
  p.writer.close();
  std::vector<std::uint32_t> next(kWriters, 0);
  std::vector<std::uint8_t> stream;
  std::vector<std::byte> buf(3 * 4096 + 100);
  bool failed = false;
  for (;;) {
    const IoResult res = p.reader.read(buf);
    ASSERT_TRUE(res.ok()) << res.error.message();
    if (res.count == 0) break;
    const auto* b = reinterpret_cast<const std::uint8_t*>(buf.data());
    stream.insert(stream.end(), b, b + res.count);
    std::size_t pos = 0;
    while (!failed && stream.size() - pos >= 4096) {
      Header h;
      std::memcpy(&h, stream.data() + pos, sizeof h);
      if (check_record(stream.data() + pos, 4096) != 4096 || h.writer >= kWriters ||
          h.seq != next[h.writer]) {
        ADD_FAILURE() << "page-sized record torn, stale or out of order";
        failed = true;
      } else {
        ++next[h.writer];
      }
      pos += 4096;
    }
    stream.erase(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(pos));
  }
  for (std::thread& t : writers) t.join();
  EXPECT_FALSE(failed);
  for (unsigned w = 0; w < kWriters; ++w) EXPECT_EQ(next[w], kWrites * kPerWrite);
}

// Packet mode, several readers: each read takes exactly one whole packet; none is lost or twice.
TEST_P(ParallelCopy, ConcurrentReadersEachTakeWholePackets) {
  PipePair p = make_copy_pipe(GetParam(), true);
  constexpr unsigned kWriters = 3;
  constexpr unsigned kReaders = 3;
  constexpr std::uint32_t kRecords = 3000;
  std::vector<std::atomic<std::uint32_t>> seen(kWriters * kRecords);
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < kWriters; ++w) {
    threads.emplace_back([out = p.writer.clone(), w]() mutable {
      for (std::uint32_t seq = 0; seq < kRecords; ++seq) {
        const std::vector<std::uint8_t> r = make_record(w, seq);
        ASSERT_EQ(out.write(std::as_bytes(std::span(r))).count, r.size());
      }
    });
  }
  for (unsigned r = 0; r < kReaders; ++r) {
    threads.emplace_back([&seen, &failed, in = p.reader.clone()]() mutable {
      std::vector<std::byte> buf(8192);
      for (;;) {
        const IoResult res = in.read(buf);
        if (!res.ok() || res.count == 0) return;
        const auto* b = reinterpret_cast<const std::uint8_t*>(buf.data());
        Header h;
        std::memcpy(&h, b, sizeof h);
        if (res.count != h.len || check_record(b, res.count) != h.len || h.writer >= kWriters ||
            h.seq >= kRecords) {
          failed = true;
          return;
        }
        seen[h.writer * kRecords + h.seq].fetch_add(1);
      }
    });
  }
  p.writer.close();
  for (std::thread& t : threads) t.join();
  EXPECT_FALSE(failed.load());
  std::size_t once = 0;
  for (const auto& s : seen) once += s.load() == 1 ? 1 : 0;
  EXPECT_EQ(once, seen.size());
}

// FIONREAD counts committed bytes only: a read of exactly that many bytes, by the only reader,
// returns them all at once, while writers keep reserving and copying.
TEST_P(ParallelCopy, FionreadCountsOnlyCommittedBytes) {
  PipePair p = make_copy_pipe(GetParam());
  ASSERT_TRUE(p.writer.set_pipe_size(1 << 20).ok());
  constexpr unsigned kWriters = 3;
  constexpr unsigned kWrites = 4000;
  std::vector<std::thread> writers;
  for (unsigned w = 0; w < kWriters; ++w) {
    writers.emplace_back([out = p.writer.clone(), w]() mutable {
      std::vector<std::byte> data(70000, std::byte{0x5a});
      for (unsigned i = 0; i < kWrites; ++i) {
        const std::size_t n = (i % 3 == 0) ? 100 + w : (i % 3 == 1 ? 4096 : 65536 + 300);
        ASSERT_EQ(out.write(std::span(data).first(n)).count, n);
      }
    });
  }
  p.writer.close();
  std::vector<std::byte> buf(2 << 20);
  std::size_t total = 0;
  unsigned checked = 0;
  for (;;) {
    const std::size_t n = p.reader.bytes_available();
    if (n == 0) {
      const IoResult res = p.reader.read(std::span(buf).first(1));  // blocks; 0 at EOF
      if (res.count == 0) break;
      total += res.count;
      continue;
    }
    const IoResult res = p.reader.read(std::span(buf).first(n));
    ASSERT_EQ(res.count, n) << "FIONREAD said " << n;
    total += res.count;
    ++checked;
  }
  for (std::thread& t : writers) t.join();
  EXPECT_GT(checked, 0u);
  std::size_t expected = 0;
  for (unsigned w = 0; w < kWriters; ++w) {
    for (unsigned i = 0; i < kWrites; ++i) {
      expected += (i % 3 == 0) ? 100 + w : (i % 3 == 1 ? 4096 : 65536 + 300);
    }
  }
  EXPECT_EQ(total, expected);
}

// F_SETPIPE_SZ back and forth while a writer and a reader copy: every byte arrives, in order.
// The writer goes on past kTotal until the resizer has made a whole round of sizes (one of them
// 1 MiB, which no occupancy refuses), so a starved resizer thread cannot make the test vacuous.
TEST_P(ParallelCopy, ResizeDuringCopiesKeepsEveryByteInOrder) {
  PipePair p = make_copy_pipe(GetParam());
  constexpr std::size_t kTotal = 24u << 20;
  constexpr unsigned kSizes = 5;
  std::atomic<bool> done{false};
  std::atomic<unsigned> attempts{0};
  std::size_t sent = 0;
  std::thread writer([&p, &attempts, &sent] {
    std::vector<std::uint8_t> data(70000);
    unsigned i = 0;
    while (sent < kTotal || attempts.load() < kSizes) {
      const std::size_t n = 1 + (i++ * 7919) % 66000;
      for (std::size_t k = 0; k < n; ++k) data[k] = static_cast<std::uint8_t>((sent + k) % 251);
      const IoResult res = p.writer.write(std::as_bytes(std::span(data).first(n)));
      ASSERT_TRUE(res.ok()) << res.error.message();
      sent += res.count;
    }
    p.writer.close();
  });
  std::thread resizer([&p, &done, &attempts] {
    Reader r = p.reader.clone();
    const std::size_t sizes[kSizes] = {4096, 16384, 65536, 1 << 20, 8192};
    unsigned ok = 0;
    for (unsigned i = 0; !done.load(); ++i) {
      const SizeResult res = r.set_pipe_size(sizes[i % kSizes]);
      attempts.fetch_add(1);
      if (res.ok())
        ++ok;
      else
        EXPECT_EQ(res.error.value(), EBUSY);
    }
    EXPECT_GT(ok, 0u);
  });
  std::vector<std::byte> buf(50000);
  std::size_t got = 0;
  bool in_order = true;
  for (;;) {
    const std::size_t want = 1 + (got * 31) % buf.size();
    const IoResult res = p.reader.read(std::span(buf).first(want));
    ASSERT_TRUE(res.ok()) << res.error.message();
    if (res.count == 0) break;
    for (std::size_t k = 0; k < res.count && in_order; ++k) {
      in_order = static_cast<std::uint8_t>(buf[k]) == (got + k) % 251;
    }
    got += res.count;
  }
  done = true;
  writer.join();
  resizer.join();
  EXPECT_TRUE(in_order);
  EXPECT_GE(sent, kTotal);
  EXPECT_EQ(got, sent);
}

std::string mode_name(const testing::TestParamInfo<CopyMode>& info) {
  return std::string(to_string(info.param));
}

INSTANTIATE_TEST_SUITE_P(Modes, ParallelCopy, testing::Values(CopyMode::kernel, CopyMode::parallel),
                         mode_name);

}  // namespace
}  // namespace pipepool::test
