#include "pipe_bench/proc_scan.hpp"

#include <dirent.h>

#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

namespace pipe_bench {
namespace {

// Parses /proc/<pid>/stat: "pid (comm) state ppid pgrp ...". comm may hold spaces and ')', so
// it ends at the last ')'.
bool read_stat(pid_t pid, ProcessInfo& info) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  const auto open = line.find('(');
  const auto close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return false;
  info.pid = pid;
  info.comm = line.substr(open + 1, close - open - 1);
  std::istringstream rest(line.substr(close + 1));
  long ppid = 0, pgid = 0;
  if (!(rest >> info.state >> ppid >> pgid)) return false;
  info.ppid = static_cast<pid_t>(ppid);
  info.pgid = static_cast<pid_t>(pgid);
  return true;
}

std::uint64_t rss_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    std::uint64_t kib = 0;
    fields >> kib;
    return kib * 1024;
  }
  return 0;
}

}  // namespace

std::vector<ProcessInfo> list_processes() {
  std::vector<ProcessInfo> out;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return out;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    pid_t pid = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec != std::errc() || end != name.data() + name.size()) continue;
    ProcessInfo info;
    if (read_stat(pid, info)) out.push_back(std::move(info));
  }
  ::closedir(dir);
  return out;
}

std::vector<ProcessInfo> live_group_members(pid_t pgid) {
  std::vector<ProcessInfo> out;
  for (auto& p : list_processes()) {
    if (p.pgid == pgid && p.state != 'Z' && p.state != 'X') out.push_back(std::move(p));
  }
  return out;
}

std::uint64_t group_rss_bytes(pid_t pgid) {
  std::uint64_t total = 0;
  for (const auto& p : live_group_members(pgid)) total += rss_bytes(p.pid);
  return total;
}

}  // namespace pipe_bench
