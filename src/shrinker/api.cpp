// The public shrinker API (pipepool/shrinker.hpp) and pp_shrink (pipepool/posix.h).
#include <limits>

#include "pipepool/posix.h"
#include "pipepool/shrinker.hpp"
#include "pools/shrinker.hpp"
#include "shrinker/monitor.hpp"
#include "shrinker/registry.hpp"

namespace pipepool {

std::size_t shrinker_count() noexcept {
  return shrinker::Registry::instance().count();
}

std::size_t shrinker_scan(std::size_t pages) noexcept {
  return shrinker::Registry::instance().scan(pages);
}

std::size_t shrink_all() noexcept {
  return shrinker_scan(std::numeric_limits<std::size_t>::max());
}

ShrinkerStats shrinker_stats() noexcept {
  return shrinker::Registry::instance().stats();
}

std::optional<ShrinkerPoolStats> shrinker_pool_stats(const PagePool& pool) noexcept {
  const auto* p = dynamic_cast<const pools::ShrinkerPool*>(&pool);
  if (p == nullptr) return std::nullopt;
  return ShrinkerPoolStats{p->cap(), p->held(), p->reclaimed()};
}

std::string start_pressure_monitor(const PressureOptions& options) {
  return shrinker::Monitor::instance().start(options);
}

void stop_pressure_monitor() noexcept {
  shrinker::Monitor::instance().stop();
}

PressureStatus pressure_status() {
  return shrinker::Monitor::instance().status();
}

std::size_t trigger_pressure() noexcept {
  return shrinker::on_pressure_event(shrinker::Monitor::instance().reclaim_all());
}

}  // namespace pipepool

extern "C" size_t pp_shrink(size_t pages) {
  return pipepool::shrinker_scan(pages);
}
