// Replays fuzz inputs without libFuzzer (any compiler): each argument is a file or a directory
// of files. Used by the corpus regression test and to reproduce a crash:
//   PIPEPOOL_FUZZ_TRACE=1 pipe_fuzz_replay crash-<hash>
// Exits 0 when every input matched the model; a mismatch aborts (see pipe_fuzz_driver.hpp).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "pipe_fuzz_driver.hpp"

namespace {

bool replay_file(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "pipe_fuzz_replay: cannot open %s\n", path.c_str());
    return false;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(f)),
                                std::istreambuf_iterator<char>());
  pipepool::fuzz::run_pipe_ops(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
    return 2;
  }
  std::size_t inputs = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    if (std::filesystem::is_directory(arg)) {
      std::vector<std::filesystem::path> files;
      for (const auto& e : std::filesystem::directory_iterator(arg)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) {
        if (!replay_file(file)) return 1;
        ++inputs;
      }
    } else {
      if (!replay_file(arg)) return 1;
      ++inputs;
    }
  }
  if (inputs == 0) {
    std::fprintf(stderr, "pipe_fuzz_replay: no inputs\n");
    return 1;
  }
  std::printf("pipe_fuzz_replay: %zu inputs matched the model\n", inputs);
  return 0;
}
