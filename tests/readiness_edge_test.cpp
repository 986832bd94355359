// internal::Readiness on its own (a second instance watching a pipe's end, driven by hand, so the
// test chooses when each update runs): an already readable descriptor gets a new edge exactly when
// its end may have turned not ready and ready again since the last edge, which is what keeps an
// edge-triggered consumer that drained to EAGAIN from missing data whose update came late.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "internal/pipe_core.hpp"
#include "internal/readiness.hpp"
#include "pipepool/pipe.hpp"

namespace pipepool::internal {
namespace {

using Change = Readiness::Change;

class ReadinessEdgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PipeOptions o;
    o.nonblocking = true;
    pair_ = make_pipe(o);
    ASSERT_TRUE(pair_.ok());
    evfd_ = readiness_.watch(pair_.reader.end()->pipe(), *pair_.reader.end(), false);
    ASSERT_GE(evfd_, 0);
    ep_ = ::epoll_create1(EPOLL_CLOEXEC);
    ASSERT_GE(ep_, 0);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ASSERT_EQ(::epoll_ctl(ep_, EPOLL_CTL_ADD, evfd_, &ev), 0);
  }
  void TearDown() override {
    readiness_.unwatch(*pair_.reader.end());
    ::close(ep_);
  }

  // Edges delivered since the last call (0 or 1: epoll merges what it has not reported).
  int edges() {
    epoll_event ev{};
    return ::epoll_wait(ep_, &ev, 1, 0);
  }
  bool readable() const {
    pollfd p{evfd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
  }
  void put(std::size_t n) {
    std::vector<std::byte> b(n, std::byte{1});
    ASSERT_EQ(pair_.writer.write(b).count, n);
  }
  void drain() {
    std::vector<std::byte> b(65536);
    ASSERT_TRUE(pair_.reader.read(b).ok());
    ASSERT_EQ(pair_.reader.read(b).error.value(), EAGAIN);
  }

  PipePair pair_;
  Readiness readiness_;
  int evfd_ = -1;
  int ep_ = -1;
};

TEST_F(ReadinessEdgeTest, FollowsTheEndThroughUpdates) {
  EXPECT_FALSE(readable());
  EXPECT_EQ(edges(), 0);
  put(10);
  EXPECT_FALSE(readable());  // no update yet
  readiness_.changed(Change::wrote);
  EXPECT_TRUE(readable());
  EXPECT_EQ(edges(), 1);
  drain();
  readiness_.changed(Change::read);
  EXPECT_FALSE(readable());
  EXPECT_EQ(edges(), 0);
}

TEST_F(ReadinessEdgeTest, RefillSeenBeforeTheDrainsUpdateStillMakesAnEdge) {
  put(10);
  readiness_.changed(Change::wrote);
  ASSERT_EQ(edges(), 1);
  drain();  // the consumer saw EAGAIN; the update of this read comes late
  put(10);
  readiness_.changed(Change::wrote);  // samples ready: nothing proves a drain yet
  readiness_.changed(Change::read);   // the drain's update: raised and lowered since the edge
  EXPECT_TRUE(readable());
  EXPECT_EQ(edges(), 1);
}

TEST_F(ReadinessEdgeTest, RaiseAloneOnAReadyEndMakesNoEdge) {
  put(10);
  readiness_.changed(Change::wrote);
  ASSERT_EQ(edges(), 1);
  put(10);  // more data, never drained: the consumer has not seen it not ready
  readiness_.changed(Change::wrote);
  EXPECT_TRUE(readable());
  EXPECT_EQ(edges(), 0);
}

TEST_F(ReadinessEdgeTest, WriterCloseIsReadyForever) {
  pair_.writer.close();  // its own pipe's update does not reach this instance
  EXPECT_FALSE(readable());
  readiness_.changed(Change::closed);
  EXPECT_TRUE(readable());
  EXPECT_EQ(edges(), 1);
}

TEST_F(ReadinessEdgeTest, WatchTwiceGivesTheSameDescriptor) {
  EXPECT_EQ(readiness_.watch(pair_.reader.end()->pipe(), *pair_.reader.end(), false), evfd_);
}

}  // namespace
}  // namespace pipepool::internal
