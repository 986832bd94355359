// Page allocators: one allocate() + free() pair, and a burst of 16 (a 64 KiB write's pages)
// allocated then freed, for each allocator kind (model at cost 0: its bookkeeping only).
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

BENCHMARK_CAPTURE(BM_AllocFree, os, AllocatorKind::os);
BENCHMARK_CAPTURE(BM_AllocFree, heap, AllocatorKind::heap);
BENCHMARK_CAPTURE(BM_AllocFree, model, AllocatorKind::model);
BENCHMARK_CAPTURE(BM_AllocFreeBurst16, os, AllocatorKind::os);
BENCHMARK_CAPTURE(BM_AllocFreeBurst16, heap, AllocatorKind::heap);
BENCHMARK_CAPTURE(BM_AllocFreeBurst16, model, AllocatorKind::model);

}  // namespace
