// SIGPIPE through the C++ handles: Writer::write to a pipe with no reader raises SIGPIPE on the
// calling thread before EPIPE, unless the pipe was made with PipeOptions::no_sigpipe.
#include "pipepool/pipe.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstddef>

namespace pipepool {
namespace {

std::atomic<int> g_signals{0};
std::atomic<pthread_t> g_thread{};

void on_sigpipe(int) {
  g_signals.fetch_add(1);
  g_thread.store(pthread_self());
}

class PipeSigpipeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_signals.store(0);
    struct sigaction sa {};
    sa.sa_handler = on_sigpipe;
    sigemptyset(&sa.sa_mask);
    ASSERT_EQ(sigaction(SIGPIPE, &sa, &saved_), 0);
  }
  void TearDown() override { sigaction(SIGPIPE, &saved_, nullptr); }

  struct sigaction saved_ {};
};

TEST_F(PipeSigpipeTest, WriterRaisesByDefault) {
  PipePair pair = make_pipe();
  ASSERT_TRUE(pair.ok());
  pair.reader.close();
  const std::byte b[3]{};
  const IoResult r = pair.writer.write(b);
  EXPECT_EQ(r.error.value(), EPIPE);
  EXPECT_EQ(r.count, 0u);
  EXPECT_EQ(g_signals.load(), 1);
  EXPECT_TRUE(pthread_equal(g_thread.load(), pthread_self()));
  // A clone shares the end and its setting.
  Writer copy = pair.writer.clone();
  EXPECT_EQ(copy.write(b).error.value(), EPIPE);
  EXPECT_EQ(g_signals.load(), 2);
}

TEST_F(PipeSigpipeTest, NoSigpipeOptionTurnsItOff) {
  PipeOptions options;
  options.no_sigpipe = true;
  PipePair pair = make_pipe(options);
  ASSERT_TRUE(pair.ok());
  pair.reader.close();
  const std::byte b[3]{};
  EXPECT_EQ(pair.writer.write(b).error.value(), EPIPE);
  const iovec v{const_cast<std::byte*>(b), sizeof b};
  EXPECT_EQ(pair.writer.writev({&v, 1}).error.value(), EPIPE);
  EXPECT_EQ(g_signals.load(), 0);
}

// A write that fails for another reason raises nothing.
TEST_F(PipeSigpipeTest, OtherErrorsDoNotRaise) {
  PipePair pair = make_pipe();
  ASSERT_TRUE(pair.ok());
  pair.writer.set_nonblocking(true);
  const std::byte b[4096]{};
  while (pair.writer.write(b).ok()) {
  }
  EXPECT_EQ(pair.writer.write(b).error.value(), EAGAIN);
  EXPECT_EQ(g_signals.load(), 0);
}

}  // namespace
}  // namespace pipepool
