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

std::shared_ptr<FdTables::Table> FdTables::copy_of(const Table& table) {
  auto copy = std::make_shared<Table>();
  copy->users = 1;
  copy->fds = table.fds;
  for (const auto& [fd, d] : copy->fds) add_ref(d);
  return copy;
}

void FdTables::add_ref(const Descriptor& d) {
  if (d.pipe) ++refs_[*d.pipe];
}

void FdTables::drop(const Descriptor& d) {
  if (!d.pipe) return;
  auto it = refs_.find(*d.pipe);
  if (it == refs_.end()) return;
  if (--it->second == 0) {
    refs_.erase(it);
    on_release_(*d.pipe);
  }
}

void FdTables::open(int pid, int fd, Descriptor d) {
  auto table = table_of(pid);
  auto [it, inserted] = table->fds.try_emplace(fd, d);
  if (inserted) {
    add_ref(d);
    return;
  }
  const Descriptor old = it->second;
  it->second = d;
  add_ref(d);
  drop(old);
}

void FdTables::close(int pid, int fd) {
  auto table = table_of(pid);
  auto it = table->fds.find(fd);
  if (it == table->fds.end()) return;
  const Descriptor d = it->second;
  table->fds.erase(it);
  drop(d);
}

void FdTables::close_range(int pid, int first, int last, bool cloexec_only) {
  auto table = table_of(pid);
  auto it = table->fds.lower_bound(first);
  while (it != table->fds.end() && it->first <= last) {
    if (cloexec_only) {
      it->second.cloexec = true;
      ++it;
      continue;
    }
    const Descriptor d = it->second;
    it = table->fds.erase(it);
    drop(d);
  }
}

void FdTables::set_cloexec(int pid, int fd, bool cloexec) {
  auto table = table_of(pid);
  auto it = table->fds.find(fd);
  if (it != table->fds.end()) it->second.cloexec = cloexec;
}

void FdTables::fork(int parent, int child, bool share_files) {
  auto from = table_of(parent);
  if (auto old = pids_.find(child); old != pids_.end()) exit(child);
  if (share_files) {
    ++from->users;
    pids_[child] = from;
    return;
  }
  pids_[child] = copy_of(*from);
}

void FdTables::unshare(int pid) {
  auto table = table_of(pid);
  if (table->users <= 1) return;
  --table->users;
  pids_[pid] = copy_of(*table);
}

void FdTables::exec(int pid) {
  unshare(pid);
  auto table = table_of(pid);
  for (auto it = table->fds.begin(); it != table->fds.end();) {
    if (!it->second.cloexec) {
      ++it;
      continue;
    }
    const Descriptor d = it->second;
    it = table->fds.erase(it);
    drop(d);
  }
}

void FdTables::exit(int pid) {
  auto it = pids_.find(pid);
  if (it == pids_.end()) return;
  auto table = it->second;
  pids_.erase(it);
  if (--table->users > 0) return;
  const auto fds = std::move(table->fds);
  table->fds.clear();
  for (const auto& [fd, d] : fds) drop(d);
}

std::optional<Descriptor> FdTables::get(int pid, int fd) const {
  auto it = pids_.find(pid);
  if (it == pids_.end()) return std::nullopt;
  auto f = it->second->fds.find(fd);
  if (f == it->second->fds.end()) return std::nullopt;
  return f->second;
}

std::optional<std::uint64_t> FdTables::pipe_of(int pid, int fd) const {
  const auto d = get(pid, fd);
  if (!d) return std::nullopt;
  return d->pipe;
}

std::vector<int> FdTables::lowest_free(int pid, int n) const {
  std::vector<int> out;
  auto it = pids_.find(pid);
  int candidate = 0;
  if (it != pids_.end()) {
    for (const auto& [fd, d] : it->second->fds) {
      while (candidate < fd && static_cast<int>(out.size()) < n) out.push_back(candidate++);
      if (static_cast<int>(out.size()) == n) return out;
      candidate = fd + 1;
    }
  }
  while (static_cast<int>(out.size()) < n) out.push_back(candidate++);
  return out;
}

std::set<std::uint64_t> FdTables::open_pipes() const {
  std::set<std::uint64_t> out;
  for (const auto& [pipe, n] : refs_) out.insert(pipe);
  return out;
}

}  // namespace pipe_bench::replay
