// The test binary's main: gtest's, with SIGPIPE ignored first. Pipes (pipepool's by default, and
// the kernel's) raise SIGPIPE on a write with no reader; the tests expect the EPIPE that follows,
// as programs that handle EPIPE do. Tests of SIGPIPE itself set the disposition they need.
#include <gtest/gtest.h>

#include <csignal>

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
