// A copy source that stops a copy mid-way, deterministically: anonymous pages (two by default),
// one of them missing and registered with userfaultfd, so a copy that reaches it blocks in the
// page fault until the test resolves it. For tests of calls overlapping a copy outside the pipe
// mutex.
#pragma once

#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace pipepool {

class StalledSource {
 public:
  static constexpr std::size_t kPage = 4096;

  // Page `missing` (below `pages`) is missing; the others are filled with `fill`.
  explicit StalledSource(int missing = 1, char fill = 'a', std::size_t pages = 2)
      : missing_(missing), pages_(pages) {
    uffd_ = static_cast<int>(::syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY));
    if (uffd_ < 0) return;
    uffdio_api api{};
    api.api = UFFD_API;
    if (::ioctl(uffd_, UFFDIO_API, &api) != 0) return;
    void* area =
        ::mmap(nullptr, pages_ * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) return;
    area_ = static_cast<char*>(area);
    for (std::size_t i = 0; i < pages_; ++i) {  // the other pages are present
      if (i != static_cast<std::size_t>(missing_)) std::memset(area_ + i * kPage, fill, kPage);
    }
    uffdio_register reg{};
    reg.range.start = reinterpret_cast<std::uintptr_t>(area_ + missing_ * kPage);
    reg.range.len = kPage;
    reg.mode = UFFDIO_REGISTER_MODE_MISSING;
    ok_ = ::ioctl(uffd_, UFFDIO_REGISTER, &reg) == 0;
  }
  ~StalledSource() {
    if (area_ != nullptr) ::munmap(area_, pages_ * kPage);
    if (uffd_ >= 0) ::close(uffd_);
  }
  StalledSource(const StalledSource&) = delete;
  StalledSource& operator=(const StalledSource&) = delete;

  // Whether userfaultfd could be set up (it needs Linux 5.11+ for user-mode-only descriptors).
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] std::span<const std::byte> bytes(std::size_t n = 2 * kPage) const {
    return std::as_bytes(std::span(area_, n));
  }
  [[nodiscard]] const char* data() const { return area_; }
  // Blocks until a copy faults on the missing page.
  bool wait_for_fault() const {
    uffd_msg msg{};
    return ::read(uffd_, &msg, sizeof msg) == static_cast<ssize_t>(sizeof msg) &&
           msg.event == UFFD_EVENT_PAGEFAULT;
  }
  // Maps the missing page filled with `fill`; the stalled copy goes on.
  bool resolve(char fill) const {
    std::vector<char> page(kPage, fill);
    uffdio_copy copy{};
    copy.dst = reinterpret_cast<std::uintptr_t>(area_ + missing_ * kPage);
    copy.src = reinterpret_cast<std::uintptr_t>(page.data());
    copy.len = kPage;
    return ::ioctl(uffd_, UFFDIO_COPY, &copy) == 0;
  }

 private:
  int missing_;
  std::size_t pages_;
  int uffd_ = -1;
  char* area_ = nullptr;
  bool ok_ = false;
};

}  // namespace pipepool
