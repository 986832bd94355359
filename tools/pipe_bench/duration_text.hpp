// Durations written for people: "90s", "10m", "1.5h", or plain seconds ("600").
#pragma once

#include <optional>
#include <string_view>

namespace pipe_bench {

// Seconds for a finite non-negative decimal number with an optional unit s, m or h (lower case).
// nullopt for an empty string, a sign, an exponent, another unit, or text after the unit.
[[nodiscard]] std::optional<double> parse_duration_s(std::string_view text) noexcept;

}  // namespace pipe_bench
