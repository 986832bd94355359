// Finding a program the way execvp() would.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pipe_bench {

// The path of an executable regular file named `name`: `name` itself when it contains a '/',
// else the first match in the directories of $PATH. nullopt when there is none.
[[nodiscard]] std::optional<std::string> find_executable(std::string_view name);

}  // namespace pipe_bench
