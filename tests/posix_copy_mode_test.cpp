// The copy mode through the C API (pp_options.copy) and the C++ options, and the default from
// $PIPEPOOL_COPY (read once per process: the suite runs once without it and once with "kernel").
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "internal/fd_table.hpp"
#include "internal/pipe_core.hpp"
#include "pipepool/pipe.hpp"
#include "pipepool/posix.h"

namespace pipepool {
namespace {

// The copy mode of the pipe pp_pipe_opts makes with `opts`, or nullopt with errno kept.
std::optional<CopyMode> made_with(const pp_options& opts) {
  int fds[2] = {-1, -1};
  if (pp_pipe_opts(fds, 0, &opts) != 0) return std::nullopt;
  const CopyMode mode = internal::FdTable::global().get(fds[0])->pipe().copy_mode();
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
  return mode;
}

TEST(PosixCopyMode, DefaultFollowsTheEnvironment) {
  const char* env = std::getenv("PIPEPOOL_COPY");
  const CopyMode expected =
      env != nullptr && std::string_view(env) == "kernel" ? CopyMode::kernel : CopyMode::parallel;
  EXPECT_EQ(default_copy_mode(), expected);
  EXPECT_EQ(made_with(pp_options{}), expected);
  PipePair p = make_pipe();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.reader.end()->pipe().copy_mode(), expected);
}

TEST(PosixCopyMode, ExplicitChoiceWins) {
  pp_options o{};
  o.copy = PP_COPY_KERNEL;
  EXPECT_EQ(made_with(o), CopyMode::kernel);
  o.copy = PP_COPY_PARALLEL;
  EXPECT_EQ(made_with(o), CopyMode::parallel);
  for (CopyMode m : {CopyMode::kernel, CopyMode::parallel}) {
    PipeOptions po;
    po.copy = m;
    PipePair p = make_pipe(po);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p.writer.end()->pipe().copy_mode(), m);
  }
}

TEST(PosixCopyMode, UnknownValueIsEinval) {
  pp_options o{};
  const int bad = 7;
  std::memcpy(&o.copy, &bad, sizeof bad);
  errno = 0;
  EXPECT_FALSE(made_with(o).has_value());
  EXPECT_EQ(errno, EINVAL);
}

TEST(PosixCopyMode, NamesRoundTrip) {
  EXPECT_EQ(parse_copy_mode("kernel"), CopyMode::kernel);
  EXPECT_EQ(parse_copy_mode("parallel"), CopyMode::parallel);
  EXPECT_FALSE(parse_copy_mode("Kernel").has_value());
  EXPECT_FALSE(parse_copy_mode("").has_value());
  EXPECT_EQ(to_string(CopyMode::kernel), "kernel");
  EXPECT_EQ(to_string(CopyMode::parallel), "parallel");
}

}  // namespace
}  // namespace pipepool
