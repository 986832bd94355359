// A writer thread sends numbered lines through a pipepool pipe with the RAII ends
// (pipepool::make_pipe, Writer, Reader); the main thread reads until end of file, which comes
// when the Writer is destroyed. Prints the line count and the pipe's counters; exits 0 when every
// line arrived in order.
#include <cstdio>
#include <pipepool/pipe.hpp>
#include <span>
#include <string>
#include <thread>
#include <utility>

int main() {
  pipepool::PipeOptions options;
  options.policy = pipepool::PolicyKind::prealloc;
  auto [reader, writer, error] = pipepool::make_pipe(options);
  if (error) {
    std::fprintf(stderr, "make_pipe: %s\n", error.message().c_str());
    return 1;
  }
  constexpr int kLines = 10000;

  std::thread producer([w = std::move(writer)]() mutable {
    for (int i = 0; i < kLines; ++i) {
      const std::string line = "line " + std::to_string(i) + "\n";
      const auto bytes = std::as_bytes(std::span(line));
      const pipepool::IoResult r = w.write(bytes);
      if (!r.ok() || r.count != bytes.size()) return;
    }
  });  // `w` is destroyed here: the last write end closes and the reader sees end of file

  std::string text;
  std::byte buf[4096];
  for (;;) {
    const pipepool::IoResult r = reader.read(buf);
    if (!r.ok()) {
      std::fprintf(stderr, "read: %s\n", r.error.message().c_str());
      return 1;
    }
    if (r.count == 0) break;
    text.append(reinterpret_cast<const char*>(buf), r.count);
  }
  producer.join();

  std::string expected;
  for (int i = 0; i < kLines; ++i) expected += "line " + std::to_string(i) + "\n";
  const pipepool::PipeStats stats = reader.stats();
  std::printf("pipepool C++ example: %d lines, %zu bytes, %s; bytes_read %llu\n", kLines,
              text.size(), text == expected ? "in order" : "MISMATCH",
              static_cast<unsigned long long>(stats.bytes_read));
  return text == expected && stats.bytes_read == expected.size() ? 0 : 1;
}
