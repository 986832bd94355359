// Reads a fuzz input as a stream of little numbers. Past the end every read returns 0, so any
// byte string decodes to some operation sequence.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pipepool::fuzz {

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}

  [[nodiscard]] bool done() const noexcept { return pos_ >= size_; }
  [[nodiscard]] std::uint8_t u8() noexcept { return pos_ < size_ ? data_[pos_++] : 0; }
  [[nodiscard]] std::uint16_t u16() noexcept {
    const std::uint16_t lo = u8();
    return static_cast<std::uint16_t>(lo | (u8() << 8));
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace pipepool::fuzz
