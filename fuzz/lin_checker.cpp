#include "lin_checker.hpp"

#include <algorithm>
#include <bitset>
#include <cstdlib>
#include <unordered_set>
#include <utility>

#include "lin_state.hpp"

namespace pipepool::lin {
namespace {

using Placed = std::bitset<kMaxCheckedOps>;

// The calls' invoke and return events in time order, as a doubly linked list with a head
// sentinel (node 0): a placed call's two events are unlinked, and relinked on backtracking.
class EventList {
 public:
  explicit EventList(const History& h) {
    struct Event {
      std::uint64_t time;
      bool is_return;
      std::size_t op;
    };
    std::vector<Event> events;
    for (std::size_t i = 0; i < h.ops.size(); ++i) {
      events.push_back({h.ops[i].invoke, false, i});
      events.push_back({h.ops[i].ret, true, i});
    }
    // Equal stamps count as overlapping: invokes before returns.
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
      return a.time != b.time ? a.time < b.time : (!a.is_return && b.is_return);
    });
    const std::size_t n = events.size() + 1;
    op_.assign(n, 0);
    is_call_.assign(n, false);
    match_.assign(n, 0);
    prev_.assign(n, 0);
    next_.assign(n, kEnd);
    std::vector<std::size_t> call_node(h.ops.size(), 0);
    for (std::size_t i = 0; i < events.size(); ++i) {
      const std::size_t node = i + 1;
      op_[node] = events[i].op;
      is_call_[node] = !events[i].is_return;
      prev_[node] = node - 1;
      next_[node - 1] = node;
      if (is_call_[node]) {
        call_node[events[i].op] = node;
      } else {
        match_[call_node[events[i].op]] = node;
      }
    }
    next_[n - 1] = kEnd;
  }

  static constexpr std::size_t kEnd = static_cast<std::size_t>(-1);

  [[nodiscard]] std::size_t first() const { return next_[0]; }
  [[nodiscard]] std::size_t next(std::size_t node) const { return next_[node]; }
  [[nodiscard]] bool is_call(std::size_t node) const { return is_call_[node]; }
  [[nodiscard]] std::size_t op(std::size_t node) const { return op_[node]; }

  // Unlinks a call's invoke and return events.
  void lift(std::size_t call) {
    unlink(call);
    unlink(match_[call]);
  }
  // Undoes the latest lift(call) still in effect.
  void unlift(std::size_t call) {
    relink(match_[call]);
    relink(call);
  }

 private:
  void unlink(std::size_t node) {
    next_[prev_[node]] = next_[node];
    if (next_[node] != kEnd) prev_[next_[node]] = prev_[node];
  }
  void relink(std::size_t node) {
    next_[prev_[node]] = node;
    if (next_[node] != kEnd) prev_[next_[node]] = node;
  }

  std::vector<std::size_t> op_;
  std::vector<bool> is_call_;
  std::vector<std::size_t> match_;  // call node -> its return node
  std::vector<std::size_t> prev_;
  std::vector<std::size_t> next_;
};

// A configuration of the search: which calls are placed and the model state they led to.
struct Seen {
  Placed placed;
  ModelState state;
  bool operator==(const Seen&) const = default;
};

struct SeenHash {
  std::size_t operator()(const Seen& s) const {
    return std::hash<Placed>{}(s.placed) ^ static_cast<std::size_t>(state_hash(s.state));
  }
};

struct Frame {
  std::size_t call;   // the placed call's invoke node
  ModelState before;  // the state before it
};

}  // namespace

CheckResult check(const History& h) {
  if (h.ops.size() > kMaxCheckedOps) std::abort();
  CheckResult result;
  EventList list(h);
  ModelState state = initial_state(h);
  Placed placed;
  std::vector<Frame> stack;
  std::unordered_set<Seen, SeenHash> seen;

  std::size_t node = list.first();
  while (list.first() != EventList::kEnd) {
    if (list.is_call(node)) {
      const std::size_t op = list.op(node);
      ModelState next = state;
      ++result.steps;
      if (apply(next, h.ops[op])) {
        Placed with = placed;
        with.set(op);
        if (seen.insert({with, next}).second) {
          stack.push_back({node, std::move(state)});
          state = std::move(next);
          placed = with;
          list.lift(node);
          if (stack.size() > result.order.size()) {
            result.order.clear();
            for (const Frame& f : stack) result.order.push_back(list.op(f.call));
          }
          node = list.first();
          continue;
        }
      }
      node = list.next(node);
      continue;
    }
    // A pending call returned before any placement fit: undo the last placement.
    if (stack.empty()) return result;
    Frame top = std::move(stack.back());
    stack.pop_back();
    state = std::move(top.before);
    placed.reset(list.op(top.call));
    list.unlift(top.call);
    node = list.next(top.call);
  }
  result.linearizable = true;
  return result;
}

}  // namespace pipepool::lin
