// Counts the pressure monitor's threads in this process, for the monitor's tests.
#pragma once

#include <dirent.h>

#include <fstream>
#include <string>

#include "shrinker/monitor.hpp"

namespace pipepool {

// Monitor threads of this process: tasks in /proc/self/task named like the monitor. Counting by
// name, not all threads, keeps runtime threads (TSan starts one lazily) out of the count.
inline int monitor_threads() {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  int n = 0;
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream comm(std::string("/proc/self/task/") + e->d_name + "/comm");
    std::string name;
    if (std::getline(comm, name) && name == shrinker::kMonitorThreadName) ++n;
  }
  closedir(dir);
  return n;
}

}  // namespace pipepool
