// What the pipe mutex's own metrics cost: an uncontended lock/unlock pair of the bare PipeMutex
// and of MeteredMutex<PipeMutex> (hold/wait time, contention, owner), one thread. The difference
// is the per-acquisition overhead every pipe read and write pays (each takes the mutex once when
// it does not have to wait).
#include <benchmark/benchmark.h>

#include "internal/metered_mutex.hpp"
#include "internal/pipe_mutex.hpp"

namespace {

template <class Mutex>
void BM_LockUnlock(benchmark::State& state) {
  Mutex mutex;
  for (auto _ : state) {
    mutex.lock();
    benchmark::ClobberMemory();
    mutex.unlock();
  }
}

BENCHMARK(BM_LockUnlock<pipepool::internal::PipeMutex>)->Name("BM_LockUnlock/PipeMutex");
BENCHMARK(BM_LockUnlock<pipepool::internal::MeteredMutex<pipepool::internal::PipeMutex>>)
    ->Name("BM_LockUnlock/MeteredMutex");

}  // namespace
