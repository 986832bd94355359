// libFuzzer entry point: one input is one operation sequence on one pipe (pipe_fuzz_driver.hpp).
#include <cstddef>
#include <cstdint>

#include "pipe_fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pipepool::fuzz::run_pipe_ops(data, size);
  return 0;
}
