// Seed 002 (2022, Peter Xu): a hugetlb page-table walker of process A that holds neither the vma
// lock nor i_mmap_rwsem, while a hole punch unshares A's PMD table P and the last sharer B frees
// it. With hugetlb_walk_lock off (v6.1's hugetlb_fault(), which looks at its entry before taking
// the vma lock) the explorer finds the use-after-free by itself; with it on, nothing, also
// exhaustively at preemption bound 2. Peter's RCU proposal: the fault path would have to sleep
// inside its RCU-protected walk. Also the 2021 flush after huge_pmd_unshare (Nadav Amit).
//
//   A: [4 GiB, 5 GiB) and B: [8 GiB, 9 GiB), MAP_SHARED|MAP_NORESERVE of F, both faulted page 0:
//   they share P. P0: A faults page 1   P1: fallocate(PUNCH_HOLE) of page 2   P2: B munmaps
#include "hugetlb_harness.hpp"

namespace {

using namespace mmtest;

constexpr unsigned long XA = SEED_XA;
constexpr unsigned long XB = SEED_XB;

TEST(HugetlbSeed002, TheSharedTableIsSetUp)
{
	check::World w;
	w.reset(hugetlb_config(2));
	Ctx c;
	seed_setup(w, c, true);
	mm::pmd_t* a = mm::walk_to_pmd(c.proc("A").mm, XA, false);
	mm::pmd_t* b = mm::walk_to_pmd(c.proc("B").mm, XB, false);
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(mm::ptdesc_of(a), mm::ptdesc_of(b));
	EXPECT_EQ(mm::ptdesc_of(a)->pt_share_count.peek(), 1);
}

TEST(HugetlbSeed002, UnlockedWalkerUseAfterFreeIsFoundWithTheWalkRuleOff)
{
	MmProgram p(seed002("seed002-fix-off", {}, {"hugetlb_walk_lock"}));
	auto r = run_explorer(p, "pct", 20000);
	ASSERT_TRUE(r.first.has_value()) << r.schedules << " schedules";
	EXPECT_EQ(r.first->violation.kind, sim::ViolationKind::use_after_free) << describe_first(r);
	auto frames = frames_by_cpu(p, r);
	EXPECT_TRUE(ran(frames, 0, "hugetlb_fault"));
	EXPECT_TRUE(ran(frames, 1, "huge_pmd_unshare"));
	EXPECT_TRUE(ran(frames, 2, "free_pgtables"));
}

TEST(HugetlbSeed002, CleanWithTheWalkRuleOver10kPctSchedules)
{
	MmProgram p(seed002("seed002", {}));
	auto r = run_explorer(p, "pct", 10000);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
}

TEST(HugetlbSeed002, CleanWithTheWalkRuleExhaustivelyAtBound2)
{
	MmProgram p(seed002("seed002", {}));
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.exhausted) << r.schedules << " schedules";
}

// Peter Xu's RFC: protect the walk with RCU (table pages are freed after a grace period). The
// fault must sleep while it still uses the entry (i_mmap_rwsem in huge_pmd_share(), the page
// allocation, the folio lock): a sleep inside an RCU read-side section.
TEST(HugetlbSeed002, RcuWalkProposalSleepsInsideTheWalk)
{
	MmProgram p(seed002("seed002-rcu", {"hugetlb_walk_rcu"}));
	auto r = run_explorer(p, "pct", 1000);
	ASSERT_TRUE(r.first.has_value()) << r.schedules << " schedules";
	EXPECT_EQ(r.first->violation.kind, sim::ViolationKind::might_sleep) << describe_first(r);
	EXPECT_NE(r.first->violation.message.find("RCU"), std::string::npos) << describe_first(r);
	bool in_fault = false;
	for (const auto& f : r.first->violation.frames)
		in_fault = in_fault || f == "hugetlb_fault";
	EXPECT_TRUE(in_fault) << describe_first(r);
}

// Nadav Amit, 2021: after huge_pmd_unshare() the PUD range must be flushed before i_mmap_rwsem is
// dropped. Without it the hole punch leaves A's TLB translating through a table A no longer
// points to (and once the last sharer frees the pages, into freed memory).
TEST(HugetlbUnshareFlush, StaleTlbAfterUnshareIsFoundWithTheFlushFixOff)
{
	MmProgram p(unshare_flush("unshare-flush-off", false));
	auto r = run_explorer(p, "pct", 10000);
	ASSERT_TRUE(r.first.has_value()) << r.schedules << " schedules";
	EXPECT_NE(r.first->violation.message.find("TLB of CPU"), std::string::npos) << describe_first(r);
}

TEST(HugetlbUnshareFlush, CleanWithTheFlushExhaustivelyAtBound2)
{
	MmProgram p(unshare_flush("unshare-flush", true));
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.exhausted) << r.schedules << " schedules";
}

} // namespace
