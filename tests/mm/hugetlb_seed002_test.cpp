// Seed 002 (2022, Peter Xu): a hugetlb page-table walker of process A that holds neither the vma
// lock nor i_mmap_rwsem, while a hole punch unshares A's PMD table P and the last sharer B frees
// it. With hugetlb_walk_lock off (v6.1's hugetlb_fault(), which looks at its entry before taking
// the vma lock) the explorer finds the use-after-free by itself; with it on, nothing, also
// exhaustively at preemption bound 2. Peter's RCU proposal: the fault path would have to sleep
// inside its RCU-protected walk. Also the 2021 flush after huge_pmd_unshare (Nadav Amit).
//
//   A: [4 GiB, 5 GiB) and B: [8 GiB, 9 GiB), MAP_SHARED|MAP_NORESERVE of F, both faulted page 0:
//   they share P. P0: A faults page 1   P1: fallocate(PUNCH_HOLE) of page 0   P2: B munmaps
#include "hugetlb_harness.hpp"

namespace {

using namespace mmtest;

constexpr unsigned long XA = 4 * GIB;
constexpr unsigned long XB = 8 * GIB;
constexpr int NORESERVE_SHARED = mm::MAP_SHARED | mm::MAP_NORESERVE | mm::MAP_FIXED;
constexpr int PUNCH = mm::FALLOC_FL_PUNCH_HOLE | mm::FALLOC_FL_KEEP_SIZE;

// A and B share F's PMD table for [0, 1 GiB).
void share_one_table(check::World& w, Ctx& c)
{
	// The setup is the same in every schedule: the harness checks the invariants once at its
	// end instead of after every step of it.
	w.set_check_quiescent(false);
	w.set_nr_hugepages(2);
	c.procs["A"] = w.create_process("A");
	c.procs["B"] = w.create_process("B");
	mm::file* f = w.hugetlbfs_create("F", GIB);
	w.mmap(c.proc("A"), XA, GIB, RW, NORESERVE_SHARED, f);
	w.mmap(c.proc("B"), XB, GIB, RW, NORESERVE_SHARED, f);
	w.store(c.proc("B"), XB, 1);
	w.load(c.proc("A"), XA);
	w.set_check_quiescent(true);
}

MmSpec seed002(const char* title, std::initializer_list<const char*> on,
	       std::initializer_list<const char*> off = {})
{
	MmSpec s;
	s.title = title;
	s.cfg = hugetlb_config(2);
	for (const char* n : on)
		EXPECT_TRUE(s.cfg.fixes.set(n, true)) << n;
	for (const char* n : off)
		EXPECT_TRUE(s.cfg.fixes.set(n, false)) << n;
	s.init = share_one_table;
	s.cpus.push_back([](check::World& w, Ctx& c) { w.load(c.proc("A"), XA + HPAGE_SIZE); });
	s.cpus.push_back([](check::World& w, Ctx&) {
		w.fallocate(*w.kernel().find_file("F"), PUNCH, 0, HPAGE_SIZE);
	});
	s.cpus.push_back([](check::World& w, Ctx& c) { w.munmap(c.proc("B"), XB, GIB); });
	return s;
}

TEST(HugetlbSeed002, TheSharedTableIsSetUp)
{
	check::World w;
	w.reset(hugetlb_config(2));
	Ctx c;
	share_one_table(w, c);
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
//
//   P0: A loads page 0 (its TLB caches it)   P1: fallocate(PUNCH_HOLE) of page 1: unshares A
MmSpec unshare_flush(const char* title, bool fix)
{
	MmSpec s;
	s.title = title;
	s.cfg = hugetlb_config(2);
	s.cfg.fixes.set("hugetlb_unshare_flush", fix);
	s.init = share_one_table;
	s.cpus.push_back([](check::World& w, Ctx& c) {
		w.load(c.proc("A"), XA);
		w.load(c.proc("A"), XA);
	});
	s.cpus.push_back([](check::World& w, Ctx&) {
		w.fallocate(*w.kernel().find_file("F"), PUNCH, HPAGE_SIZE, HPAGE_SIZE);
	});
	return s;
}

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
