// The reclaim counters: parsing memory.stat (v1 and v2), memory.events, memory.failcnt and
// /proc/vmstat, missing fields, the delta of two samples, and what counts as reclaim.
#include <gtest/gtest.h>

#include <string>

#include "pipe_bench/reclaim_counters.hpp"

namespace {

using namespace pipe_bench;

constexpr const char* kV1Stat =
    "cache 888832\nrss 1687552\npgpgin 18480\npgpgout 17854\npgfault 43198\n"
    "hierarchical_memory_limit 9223372036854771712\ntotal_pgpgin 99999\ntotal_pgpgout 99998\n";
constexpr const char* kV2Stat =
    "anon 1024\nfile 4096\npgfault 10\npgscan 700\npgsteal 650\npgscan_kswapd 0\n"
    "pgscan_direct 700\npgsteal_direct 650\npgactivate 3\n";
constexpr const char* kV2Events = "low 0\nhigh 12\nmax 345\noom 0\noom_kill 0\n";
constexpr const char* kVmstat =
    "nr_free_pages 5000\nallocstall_dma 0\nallocstall_dma32 2\nallocstall_normal 5\n"
    "allocstall_movable 1\npgsteal_kswapd 9\npgsteal_direct 40\npgscan_kswapd 10\n"
    "pgscan_direct 44\npgscan_direct_throttle 0\n";

TEST(BenchReclaimCounters, V1MemoryStatGivesPgpginAndPgpgoutOfTheCgroupItself) {
  ReclaimCounters c;
  parse_memory_stat(kV1Stat, c);
  EXPECT_EQ(c.pgpgin, 18480u);
  EXPECT_EQ(c.pgpgout, 17854u);
  EXPECT_FALSE(c.pgscan.has_value());
  EXPECT_FALSE(c.pgsteal.has_value());
}

TEST(BenchReclaimCounters, V2MemoryStatAndEvents) {
  ReclaimCounters c;
  parse_memory_stat(kV2Stat, c);
  parse_memory_events(kV2Events, c);
  EXPECT_EQ(c.pgscan, 700u);
  EXPECT_EQ(c.pgsteal, 650u);
  EXPECT_EQ(c.events_max, 345u);
  EXPECT_EQ(c.events_high, 12u);
  EXPECT_FALSE(c.pgpgin.has_value());
  EXPECT_FALSE(c.failcnt.has_value());
}

TEST(BenchReclaimCounters, VmstatSumsAllocstallAndTakesDirectReclaimOnly) {
  ReclaimCounters c;
  parse_vmstat(kVmstat, c);
  EXPECT_EQ(c.vm_pgscan_direct, 44u);
  EXPECT_EQ(c.vm_pgsteal_direct, 40u);
  EXPECT_EQ(c.vm_allocstall, 8u);
}

TEST(BenchReclaimCounters, MissingFieldsStayUnsetAndGarbageIsIgnored) {
  ReclaimCounters c;
  parse_vmstat("nr_free_pages 1\npgscan_direct notanumber\nbroken\n\n", c);
  parse_memory_stat("", c);
  parse_memory_events("max\n", c);
  EXPECT_FALSE(c.vm_pgscan_direct.has_value());
  EXPECT_FALSE(c.vm_allocstall.has_value());
  EXPECT_FALSE(c.events_max.has_value());
  EXPECT_EQ(parse_single("2210\n"), 2210u);
  EXPECT_FALSE(parse_single("").has_value());
  EXPECT_FALSE(parse_single("x\n").has_value());
}

TEST(BenchReclaimCounters, DeltaIsPerFieldAndNeedsBothSides) {
  ReclaimCounters before, after;
  before.failcnt = 100;
  after.failcnt = 2310;
  before.pgpgin = 10;  // missing after: no delta
  after.pgpgout = 5;   // missing before: no delta
  before.vm_pgscan_direct = 7;
  after.vm_pgscan_direct = 7;
  before.events_max = 50;  // a reset: never negative
  after.events_max = 3;
  after.source = "cgroup v1 /x";
  const ReclaimCounters d = reclaim_delta(before, after);
  EXPECT_EQ(d.failcnt, 2210u);
  EXPECT_FALSE(d.pgpgin.has_value());
  EXPECT_FALSE(d.pgpgout.has_value());
  EXPECT_EQ(d.vm_pgscan_direct, 0u);
  EXPECT_EQ(d.events_max, 0u);
  EXPECT_EQ(d.source, "cgroup v1 /x");
}

TEST(BenchReclaimCounters, ReclaimIsAnyReclaimCounterGrowingButNotPageActivity) {
  ReclaimCounters d;
  d.pgpgin = 5000;
  d.pgpgout = 4000;
  d.failcnt = 0;
  d.vm_pgscan_direct = 0;
  EXPECT_FALSE(reclaim_caused(d));
  EXPECT_EQ(format_reclaim(d),
            "no reclaim (failcnt +0, pgpgin +5000, pgpgout +4000; global "
            "pgscan_direct +0)");
  for (auto field : {&ReclaimCounters::failcnt, &ReclaimCounters::pgscan, &ReclaimCounters::pgsteal,
                     &ReclaimCounters::events_max, &ReclaimCounters::events_high,
                     &ReclaimCounters::vm_pgscan_direct, &ReclaimCounters::vm_pgsteal_direct,
                     &ReclaimCounters::vm_allocstall}) {
    ReclaimCounters one = d;
    one.*field = 1;
    EXPECT_TRUE(reclaim_caused(one));
  }
  d.failcnt = 2210;
  EXPECT_EQ(format_reclaim(d),
            "failcnt +2210, pgpgin +5000, pgpgout +4000; global pgscan_direct +0");
}

TEST(BenchReclaimCounters, NothingAvailableIsNoReclaim) {
  const ReclaimCounters empty;
  EXPECT_FALSE(reclaim_caused(empty));
  EXPECT_EQ(format_reclaim(empty), "no reclaim (no counter available)");
}

TEST(BenchReclaimCounters, ReadsTheLiveVmstat) {
  const ReclaimCounters c = read_reclaim_counters({}, "global");
  EXPECT_EQ(c.source, "global");
  EXPECT_TRUE(c.vm_pgscan_direct.has_value());
  EXPECT_FALSE(c.failcnt.has_value());
}

}  // namespace
