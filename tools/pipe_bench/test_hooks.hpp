// Fault injection for pipe_bench's own tests. Nothing in pipe_bench's command line reaches these:
// only a test that links pipe_bench_lib can set them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pipe_bench::test_hooks {

// Called by a --verify writer on each record after it is built and checksummed, before it is
// written. A test uses it to corrupt one record. nullptr (the default) disables it.
using RecordHook = void (*)(std::byte* rec, std::size_t len, std::uint32_t writer,
                            std::uint64_t seq);
void set_record_hook(RecordHook hook) noexcept;
[[nodiscard]] RecordHook record_hook() noexcept;

}  // namespace pipe_bench::test_hooks
