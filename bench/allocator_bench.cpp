// Page allocators: one allocate() + free() pair, and a burst of 16 (a 64 KiB write's pages)
// allocated then freed, for each allocator kind (model at cost 0: its bookkeeping only); and the
// model's per-CPU caches under 1 to 4 threads sharing one allocator.
#include <benchmark/benchmark.h>

#include <array>

#include "pipepool/page_allocator.hpp"

namespace {

using pipepool::AllocatorKind;

std::shared_ptr<pipepool::PageAllocator> allocator(AllocatorKind kind) {
  pipepool::AllocatorOptions options;
  options.kind = kind;
  return pipepool::make_allocator(options);
}

void BM_AllocFree(benchmark::State& state, AllocatorKind kind) {
  auto a = allocator(kind);
  for (auto _ : state) {
    void* page = a->allocate();
    benchmark::DoNotOptimize(page);
    if (page == nullptr) {
      state.SkipWithError("allocate() failed");
      break;
    }
    a->free(page);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_AllocFreeBurst16(benchmark::State& state, AllocatorKind kind) {
  auto a = allocator(kind);
  std::array<void*, 16> pages{};
  for (auto _ : state) {
    for (auto& p : pages) p = a->allocate();
    benchmark::DoNotOptimize(pages.data());
    for (auto* p : pages) {
      if (p != nullptr) a->free(p);
    }
  }
  state.SetItemsProcessed(state.iterations() * 16);
}

// Every thread of the benchmark allocates and frees through one model allocator: the pairs stay
// in each CPU's cache, so throughput should scale with threads (no process-wide lock).
void BM_ModelAllocFreeThreads(benchmark::State& state) {
  static const auto shared = allocator(AllocatorKind::model);
  for (auto _ : state) {
    void* page = shared->allocate();
    benchmark::DoNotOptimize(page);
    shared->free(page);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_ModelAllocFreeThreads)->ThreadRange(1, 4)->UseRealTime();
BENCHMARK_CAPTURE(BM_AllocFree, os, AllocatorKind::os);
BENCHMARK_CAPTURE(BM_AllocFree, heap, AllocatorKind::heap);
BENCHMARK_CAPTURE(BM_AllocFree, model, AllocatorKind::model);
BENCHMARK_CAPTURE(BM_AllocFreeBurst16, os, AllocatorKind::os);
BENCHMARK_CAPTURE(BM_AllocFreeBurst16, heap, AllocatorKind::heap);
BENCHMARK_CAPTURE(BM_AllocFreeBurst16, model, AllocatorKind::model);

}  // namespace
