#include "pipe_bench/cgroup_location.hpp"

#include <fstream>
#include <sstream>

namespace pipe_bench {
namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto at = text.find(sep);
    out.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return out;
    text.remove_prefix(at + 1);
  }
}

std::string parent_of(const std::string& dir) {
  const auto slash = dir.rfind('/');
  return slash == 0 || slash == std::string::npos ? std::string("/") : dir.substr(0, slash);
}

}  // namespace

std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool has_word(std::string_view list, std::string_view word) {
  std::size_t i = 0;
  while (i < list.size()) {
    const auto end = list.find_first_of(" \n,", i);
    const auto item = list.substr(i, end == std::string_view::npos ? end : end - i);
    if (item == word) return true;
    if (end == std::string_view::npos) break;
    i = end + 1;
  }
  return false;
}

std::vector<CgroupMount> parse_cgroup_mounts(std::string_view text) {
  std::vector<CgroupMount> out;
  for (const auto line : split(text, '\n')) {
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    const auto fields = split(line, ' ');
    if (fields.size() < 10) continue;
    std::size_t dash = 6;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (dash + 1 >= fields.size()) continue;
    const auto fstype = fields[dash + 1];
    if (fstype != "cgroup" && fstype != "cgroup2") continue;
    CgroupMount m;
    m.root = std::string(fields[3]);
    m.mount_point = std::string(fields[4]);
    m.v2 = fstype == "cgroup2";
    m.memory = !m.v2 && dash + 3 < fields.size() && has_word(fields[dash + 3], "memory");
    out.push_back(std::move(m));
  }
  return out;
}

OwnCgroups parse_proc_cgroup(std::string_view text) {
  OwnCgroups out;
  for (const auto line : split(text, '\n')) {
    const auto first = line.find(':');
    const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const auto id = line.substr(0, first);
    const auto controllers = line.substr(first + 1, second - first - 1);
    const std::string path(line.substr(second + 1));
    if (id == "0" && controllers.empty()) out.v2 = path;
    if (has_word(controllers, "memory")) out.v1_memory = path;
  }
  return out;
}

std::optional<std::string> cgroup_dir(const CgroupMount& mount, const std::string& path) {
  std::string rest = path;
  if (mount.root != "/") {
    if (path.compare(0, mount.root.size(), mount.root) != 0) return std::nullopt;
    rest = path.substr(mount.root.size());
    if (!rest.empty() && rest.front() != '/') return std::nullopt;
  }
  if (rest == "/") rest.clear();
  return mount.mount_point + rest;
}

std::optional<CgroupLocation> locate_memory_cgroup(std::string& why) {
  const auto mountinfo = read_text_file("/proc/self/mountinfo");
  const auto own_text = read_text_file("/proc/self/cgroup");
  if (!mountinfo || !own_text) {
    why = "cannot read /proc/self/mountinfo or /proc/self/cgroup";
    return std::nullopt;
  }
  const auto mounts = parse_cgroup_mounts(*mountinfo);
  const OwnCgroups own = parse_proc_cgroup(*own_text);
  std::string v2_why = "no cgroup2 hierarchy mounted";
  for (const auto& m : mounts) {
    if (!m.v2 || !own.v2) continue;
    const auto controllers = read_text_file(m.mount_point + "/cgroup.controllers");
    if (!controllers || !has_word(*controllers, "memory")) {
      v2_why = "cgroup v2 at " + m.mount_point + " lacks the memory controller";
      continue;
    }
    const auto dir = cgroup_dir(m, *own.v2);
    if (!dir) continue;
    std::string parent = *dir == m.mount_point ? *dir : parent_of(*dir);
    for (;;) {
      const auto subtree = read_text_file(parent + "/cgroup.subtree_control");
      if (subtree && has_word(*subtree, "memory")) return CgroupLocation{2, parent, *dir};
      if (parent.size() <= m.mount_point.size()) break;
      parent = parent_of(parent);
    }
    v2_why = "cgroup v2: no ancestor of " + *dir + " enables memory in cgroup.subtree_control";
  }
  for (const auto& m : mounts) {
    if (!m.memory || !own.v1_memory) continue;
    const auto dir = cgroup_dir(m, *own.v1_memory);
    if (!dir) continue;
    return CgroupLocation{1, *dir, *dir};
  }
  why = v2_why + ", and no cgroup v1 memory controller is mounted";
  return std::nullopt;
}

}  // namespace pipe_bench
