// SIGPIPE through the C++ handles: Writer::write to a pipe with no reader raises SIGPIPE on the
// calling thread before EPIPE, unless the pipe was made with PipeOptions::no_sigpipe.
#include "pipepool/pipe.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstddef>

#include "signal_support.hpp"

namespace pipepool {
namespace {

class PipeSigpipeTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::SignalLog::count.store(0); }

  testing::ScopedDisposition handler_{SIGPIPE, testing::SignalLog::record};
};

TEST_F(PipeSigpipeTest, WriterRaisesByDefault) {
  PipePair pair = make_pipe();
  ASSERT_TRUE(pair.ok());
  pair.reader.close();
  const std::byte b[3]{};
  const IoResult r = pair.writer.write(b);
  EXPECT_EQ(r.error.value(), EPIPE);
  EXPECT_EQ(r.count, 0u);
  EXPECT_EQ(testing::SignalLog::count.load(), 1);
  EXPECT_TRUE(pthread_equal(testing::SignalLog::thread.load(), pthread_self()));
  // A clone shares the end and its setting.
  Writer copy = pair.writer.clone();
  EXPECT_EQ(copy.write(b).error.value(), EPIPE);
  EXPECT_EQ(testing::SignalLog::count.load(), 2);
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
  EXPECT_EQ(testing::SignalLog::count.load(), 0);
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
  EXPECT_EQ(testing::SignalLog::count.load(), 0);
}

}  // namespace
}  // namespace pipepool
