// Page-pool policies, single-threaded (the pipe mutex is not involved):
//   BM_PoolPutGet     put_page() then get_page(): a page kept by the pool and taken back
//                     (tmp_page for legacy / prealloc, the pool for unified / shrinker).
//   BM_PoolWriteRead  the hooks one write of N pages and the read that drains it run: prefill,
//                     prefill_locked, N x get_page, trim_locked, release, then N x put_page,
//                     trim_locked, release. Over the heap allocator.
#include <benchmark/benchmark.h>

#include "pipepool/page_allocator.hpp"
#include "pipepool/page_pool.hpp"

namespace {

using pipepool::PolicyKind;

std::unique_ptr<pipepool::PagePool> pool(PolicyKind kind) {
  pipepool::AllocatorOptions options;
  options.kind = pipepool::AllocatorKind::heap;
  return pipepool::make_pool(kind, pipepool::make_allocator(options));
}

void BM_PoolPutGet(benchmark::State& state, PolicyKind kind) {
  auto p = pool(kind);
  if (!p) {
    state.SkipWithError("policy not built");
    return;
  }
  pipepool::PageBatch burst;
  void* page = p->get_page(burst);  // allocated under the (notional) lock the first time
  for (auto _ : state) {
    p->put_page(page);
    page = p->get_page(burst);
    benchmark::DoNotOptimize(page);
  }
  p->put_page(page);
  state.SetItemsProcessed(state.iterations());
}

void BM_PoolWriteRead(benchmark::State& state, PolicyKind kind) {
  auto p = pool(kind);
  if (!p) {
    state.SkipWithError("policy not built");
    return;
  }
  const auto pages = static_cast<unsigned>(state.range(0));
  std::vector<void*> ring(pages);
  for (auto _ : state) {
    pipepool::PageBatch burst, spare;
    p->prefill(std::size_t{pages} * pipepool::kPageSize, burst);
    p->prefill_locked(burst);
    for (auto& slot : ring) slot = p->get_page(burst);
    p->trim_locked(burst, spare);
    p->release(spare);
    for (auto* page : ring) p->put_page(page);
    pipepool::PageBatch none, freed;
    p->trim_locked(none, freed);
    p->release(freed);
  }
  state.SetItemsProcessed(state.iterations() * pages);
}

#define POLICY_BENCHMARKS(kind)                             \
  BENCHMARK_CAPTURE(BM_PoolPutGet, kind, PolicyKind::kind); \
  BENCHMARK_CAPTURE(BM_PoolWriteRead, kind, PolicyKind::kind)->Arg(1)->Arg(4)->Arg(16)

POLICY_BENCHMARKS(legacy);
POLICY_BENCHMARKS(prealloc);
POLICY_BENCHMARKS(unified);
POLICY_BENCHMARKS(shrinker);

}  // namespace
