// Helpers for the blocking-path torture and fault-injection tests.
//
// Watchdog: a test that would hang on a lost wake-up creates one first. If the test has not
// destroyed it within the bound, the watchdog reports the test as failed (ADD_FAILURE and a
// message on stderr) and aborts the process, so CI fails fast instead of hanging.
//
// scaled(n, d): iteration counts shrink by d under ThreadSanitizer, which runs these tests 5-15x
// slower.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#if defined(__SANITIZE_THREAD__)
#define PIPEPOOL_TORTURE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PIPEPOOL_TORTURE_TSAN 1
#endif
#endif

namespace pipepool::test {

#ifdef PIPEPOOL_TORTURE_TSAN
inline constexpr bool kUnderTsan = true;
#else
inline constexpr bool kUnderTsan = false;
#endif

// `n` normally, n / tsan_divisor (at least 1) under ThreadSanitizer.
constexpr std::size_t scaled(std::size_t n, std::size_t tsan_divisor = 4) {
  return kUnderTsan ? (n / tsan_divisor > 0 ? n / tsan_divisor : 1) : n;
}

class Watchdog {
 public:
  // Sanitizers slow everything down, so the bound triples under them.
  explicit Watchdog(std::chrono::seconds bound = std::chrono::seconds(60)) {
    const testing::TestInfo* info = testing::UnitTest::GetInstance()->current_test_info();
    name_ = info != nullptr ? std::string(info->test_suite_name()) + "." + info->name() : "?";
    thread_ = std::thread([this, bound] {
      std::unique_lock lock(mutex_);
      if (cv_.wait_for(lock, bound * (kUnderTsan ? 3 : 1), [this] { return done_; })) return;
      ADD_FAILURE() << "watchdog: " << name_ << " still running after " << bound.count()
                    << " s (a thread is stuck: lost wake-up?)";
      std::fprintf(stderr, "watchdog: %s still running after %lld s; aborting\n", name_.c_str(),
                   static_cast<long long>(bound.count()));
      std::fflush(stderr);
      std::abort();
    });
  }
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::string name_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// Spins (yielding) until `pred()` holds. Used to wait until threads are parked in a blocking call
// (the pipe's counters say so) before the event that must wake them; the watchdog bounds it.
template <class Pred>
void wait_until(Pred pred) {
  while (!pred()) std::this_thread::sleep_for(std::chrono::microseconds(50));
}

}  // namespace pipepool::test
