#include "pipe_bench/test_hooks.hpp"

#include <atomic>

namespace pipe_bench::test_hooks {
namespace {

std::atomic<RecordHook> g_record_hook{nullptr};

}  // namespace

void set_record_hook(RecordHook hook) noexcept {
  g_record_hook.store(hook, std::memory_order_release);
}

RecordHook record_hook() noexcept {
  return g_record_hook.load(std::memory_order_acquire);
}

}  // namespace pipe_bench::test_hooks
