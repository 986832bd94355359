// A writer, a splice relay and a reader running at once on two pipes, in both copy modes: every
// byte arrives once and in order, and no page is left behind.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "internal/page_refs.hpp"
#include "pipepool/pipe.hpp"

namespace pipepool {
namespace {

class PipeSpliceRelay : public ::testing::TestWithParam<CopyMode> {};

unsigned char byte_at(std::uint64_t i) {
  return static_cast<unsigned char>((i * 131u) ^ (i >> 9));
}

// Writes bytes 0 .. total-1 of the stream in writes of varied sizes, then closes `w`.
void write_stream(Writer& w, std::uint64_t total) {
  std::vector<unsigned char> buf(10000);
  std::uint64_t pos = 0;
  for (std::size_t chunk = 1; pos < total; chunk = chunk % 8999 + 97) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, total - pos));
    for (std::size_t i = 0; i < n; ++i) buf[i] = byte_at(pos + i);
    const IoResult r = w.write(std::as_bytes(std::span(buf.data(), n)));
    if (!r.ok()) {
      ADD_FAILURE() << "write: " << r.error.message();
      break;
    }
    pos += r.count;
  }
  w.close();  // also after a failure: the relay and the reader then see EOF
}

// Splices `in` to `out` in calls of varied lengths until `in` reaches EOF, then closes `out`.
void relay_until_eof(Reader& in, Writer& out) {
  for (std::size_t len = 1;; len = len % 20000 + 1531) {
    const IoResult r = splice(in, out, len);
    if (!r.ok()) {
      ADD_FAILURE() << "splice: " << r.error.message();
      break;
    }
    if (r.count == 0) break;
  }
  out.close();  // also after a failure: the reader then sees EOF
}

TEST_P(PipeSpliceRelay, BytesArriveOnceAndInOrder) {
  constexpr std::size_t kTotal = 8 << 20;
  auto alloc = make_allocator({AllocatorKind::heap, {}});
  const std::size_t tables_before = internal::PageRefs::global().size();
  {
    PipeOptions o;
    o.allocator_instance = alloc;
    o.copy = GetParam();
    PipePair a = make_pipe(o);
    PipePair b = make_pipe(o);
    ASSERT_TRUE(a.ok() && b.ok());
    std::thread writer([&] { write_stream(a.writer, kTotal); });
    std::thread relay([&] { relay_until_eof(a.reader, b.writer); });
    std::vector<unsigned char> buf(70000);
    std::uint64_t pos = 0;
    std::uint64_t bad = 0;
    for (;;) {
      const IoResult r = b.reader.read(std::as_writable_bytes(std::span(buf)));
      ASSERT_TRUE(r.ok());
      if (r.count == 0) break;
      for (std::size_t i = 0; i < r.count; ++i) bad += buf[i] != byte_at(pos + i) ? 1 : 0;
      pos += r.count;
    }
    writer.join();
    relay.join();
    EXPECT_EQ(pos, kTotal);
    EXPECT_EQ(bad, 0u);
  }
  EXPECT_EQ(alloc->stats().allocations, alloc->stats().frees);
  EXPECT_EQ(internal::PageRefs::global().size(), tables_before);
}

// A reader and a splice relay compete for the same pipe (in parallel mode the relay meets buffers
// whose copies are still in flight): together they get every byte once.
TEST_P(PipeSpliceRelay, CompetingReaderAndRelayShareTheStream) {
  constexpr std::size_t kTotal = 8 << 20;
  auto alloc = make_allocator({AllocatorKind::heap, {}});
  const std::size_t tables_before = internal::PageRefs::global().size();
  std::uint64_t expected_sum = 0;
  for (std::uint64_t i = 0; i < kTotal; ++i) expected_sum += byte_at(i);
  {
    PipeOptions o;
    o.allocator_instance = alloc;
    o.copy = GetParam();
    PipePair a = make_pipe(o);
    PipePair b = make_pipe(o);
    ASSERT_TRUE(a.ok() && b.ok());
    std::thread writer([&] { write_stream(a.writer, kTotal); });
    std::thread relay([&] { relay_until_eof(a.reader, b.writer); });
    auto drain = [](Reader& r, std::uint64_t& count, std::uint64_t& sum) {
      std::vector<unsigned char> buf(30000);
      for (;;) {
        const IoResult res = r.read(std::as_writable_bytes(std::span(buf)));
        ASSERT_TRUE(res.ok());
        if (res.count == 0) break;
        for (std::size_t i = 0; i < res.count; ++i) sum += buf[i];
        count += res.count;
      }
    };
    std::uint64_t count_a = 0, sum_a = 0, count_b = 0, sum_b = 0;
    std::thread direct([&] { drain(a.reader, count_a, sum_a); });
    drain(b.reader, count_b, sum_b);
    writer.join();
    relay.join();
    direct.join();
    EXPECT_EQ(count_a + count_b, kTotal);
    EXPECT_EQ(sum_a + sum_b, expected_sum);
  }
  EXPECT_EQ(alloc->stats().allocations, alloc->stats().frees);
  EXPECT_EQ(internal::PageRefs::global().size(), tables_before);
}

INSTANTIATE_TEST_SUITE_P(Modes, PipeSpliceRelay,
                         ::testing::Values(CopyMode::kernel, CopyMode::parallel),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace pipepool
