#include "pipe_bench/replay/fd_tables.hpp"

namespace pipe_bench::replay {

std::shared_ptr<FdTables::Table> FdTables::table_of(int pid) {
  auto& table = pids_[pid];
  if (!table) {
    table = std::make_shared<Table>();
    table->users = 1;
  }
  return table;
}

void FdTables::drop(std::uint64_t pipe) {
  auto it = refs_.find(pipe);
  if (it == refs_.end()) return;
  if (--it->second == 0) {
    refs_.erase(it);
    on_release_(pipe);
  }
}

void FdTables::set(int pid, int fd, std::uint64_t pipe) {
  auto table = table_of(pid);
  auto [it, inserted] = table->fds.try_emplace(fd, pipe);
  if (!inserted) {
    if (it->second == pipe) return;
    const std::uint64_t old = it->second;
    it->second = pipe;
    ++refs_[pipe];
    drop(old);
    return;
  }
  ++refs_[pipe];
}

void FdTables::close(int pid, int fd) {
  auto table = table_of(pid);
  auto it = table->fds.find(fd);
  if (it == table->fds.end()) return;
  const std::uint64_t pipe = it->second;
  table->fds.erase(it);
  drop(pipe);
}

void FdTables::fork(int parent, int child, bool share_files) {
  auto from = table_of(parent);
  if (auto old = pids_.find(child); old != pids_.end()) exit(child);
  if (share_files) {
    ++from->users;
    pids_[child] = from;
    return;
  }
  auto copy = std::make_shared<Table>();
  copy->users = 1;
  copy->fds = from->fds;
  for (const auto& [fd, pipe] : copy->fds) ++refs_[pipe];
  pids_[child] = copy;
}

void FdTables::exit(int pid) {
  auto it = pids_.find(pid);
  if (it == pids_.end()) return;
  auto table = it->second;
  pids_.erase(it);
  if (--table->users > 0) return;
  const auto fds = std::move(table->fds);
  table->fds.clear();
  for (const auto& [fd, pipe] : fds) drop(pipe);
}

std::optional<std::uint64_t> FdTables::pipe_of(int pid, int fd) const {
  auto it = pids_.find(pid);
  if (it == pids_.end()) return std::nullopt;
  auto f = it->second->fds.find(fd);
  if (f == it->second->fds.end()) return std::nullopt;
  return f->second;
}

std::set<std::uint64_t> FdTables::open_pipes() const {
  std::set<std::uint64_t> out;
  for (const auto& [pipe, n] : refs_) out.insert(pipe);
  return out;
}

}  // namespace pipe_bench::replay
