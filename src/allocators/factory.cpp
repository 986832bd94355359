// make_allocator, parse_allocator_kind and to_string: the public entry points to the allocators.
#include <memory>

#include "allocators/heap_allocator.hpp"
#include "allocators/model_allocator.hpp"
#include "allocators/os_allocator.hpp"
#include "pipepool/page_allocator.hpp"

namespace pipepool {

std::shared_ptr<PageAllocator> make_allocator(const AllocatorOptions& options) {
  switch (options.kind) {
    case AllocatorKind::os:
      return internal::OsAllocator::instance();
    case AllocatorKind::heap:
      return std::make_shared<internal::HeapAllocator>();
    case AllocatorKind::model:
      return std::make_shared<internal::ModelAllocator>(options.model);
  }
  return nullptr;
}

std::optional<AllocatorKind> parse_allocator_kind(std::string_view name) noexcept {
  if (name == "os") return AllocatorKind::os;
  if (name == "heap") return AllocatorKind::heap;
  if (name == "model") return AllocatorKind::model;
  return std::nullopt;
}

std::string_view to_string(AllocatorKind kind) noexcept {
  switch (kind) {
    case AllocatorKind::os:
      return "os";
    case AllocatorKind::heap:
      return "heap";
    case AllocatorKind::model:
      return "model";
  }
  return "unknown";
}

}  // namespace pipepool
