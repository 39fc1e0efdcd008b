// Seed 000 (2012, Mel Gorman / Hugh Dickins): hugetlb PMD sharing vs teardown. Process B's munmap
// (or exit) zaps its PMD table P but leaves it linked for free_pgtables(); meanwhile A's fault
// picks B's dying VMA as a sharing partner and links P. The explorer must find this by itself
// with hugetlb_teardown_unshareable off, and find nothing with it on (also exhaustively at
// preemption bound 2). Mel's interim trylock RFC: closes the munmap case (B holds mmap_sem for
// write), but not exit, which took no mmap_sem in 2012 (Hugh), and its retry can go on forever.
//
//   A: [4 GiB, 5 GiB) MAP_SHARED|MAP_NORESERVE of F       B: [8 GiB, 9 GiB) the same
//   B faulted page 0 (B's PMD table P)                    P0: A faults page 1   P1: B goes away
#include "hugetlb_harness.hpp"

namespace {

using namespace mmtest;

constexpr unsigned long XA = SEED_XA;
std::string frames_of(const explore::ExploreResult& r)
{
	std::string s;
	for (const auto& f : r.first->violation.frames)
		s += f + " ";
	return s;
}

TEST(HugetlbSeed000, MunmapRaceIsFoundWithTheTeardownFixOff)
{
	MmProgram p(seed000("seed000-munmap-fix-off", Teardown::munmap, {},
			    {"hugetlb_teardown_unshareable"}));
	auto r = run_explorer(p, "pct", 20000);
	ASSERT_TRUE(r.first.has_value()) << r.schedules << " schedules";
	EXPECT_NE(frames_of(r).find("free_pgtables"), std::string::npos) << describe_first(r);
	// The picture of the thread: A shares, B zapped before and frees after.
	auto frames = frames_by_cpu(p, r);
	EXPECT_TRUE(ran(frames, 0, "huge_pmd_share"));
	EXPECT_TRUE(ran(frames, 1, "__unmap_hugepage_range"));
	EXPECT_TRUE(ran(frames, 1, "free_pgtables"));
}

TEST(HugetlbSeed000, ExitRaceIsFoundWithTheTeardownFixOff)
{
	MmProgram p(seed000("seed000-exit-fix-off", Teardown::exit, {}, {"hugetlb_teardown_unshareable"}));
	auto r = run_explorer(p, "pct", 20000);
	ASSERT_TRUE(r.first.has_value()) << r.schedules << " schedules";
	EXPECT_NE(frames_of(r).find("free_pgtables"), std::string::npos) << describe_first(r);
}

TEST(HugetlbSeed000, MunmapIsCleanWithTheFixOver10kPctSchedules)
{
	MmProgram p(seed000("seed000-munmap", Teardown::munmap, {}));
	auto r = run_explorer(p, "pct", 10000);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
}

TEST(HugetlbSeed000, MunmapIsCleanWithTheFixExhaustivelyAtBound2)
{
	MmProgram p(seed000("seed000-munmap", Teardown::munmap, {}));
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.exhausted) << r.schedules << " schedules";
}

TEST(HugetlbSeed000, ExitIsCleanWithTheFixExhaustivelyAtBound2)
{
	MmProgram p(seed000("seed000-exit", Teardown::exit, {}));
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.exhausted) << r.schedules << " schedules";
}

// Mel Gorman's RFC: the partner's mmap_sem, trylocked. munmap holds B's for write from the zap to
// free_pgtables(), so A cannot share in between: the munmap race is gone (coincidentally, as
// Mel suspected: it only excludes shmdt/munmap).
TEST(HugetlbSeed000, TrylockProposalClosesTheMunmapRace)
{
	MmProgram p(seed000("seed000-trylock-munmap", Teardown::munmap, {"hugetlb_pmd_share_trylock"}));
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.exhausted) << r.schedules << " schedules";
}

// Hugh Dickins: "an exiting mm does not take mmap_sem". With the 2012 exit_mmap() the trylock
// always succeeds on a dying B and the race is back.
TEST(HugetlbSeed000, TrylockProposalMissesExitWhichTookNoMmapSem)
{
	MmProgram p(seed000("seed000-trylock-exit-2012", Teardown::exit, {"hugetlb_pmd_share_trylock"},
			    {"exit_mmap_lock"}));
	auto r = run_explorer(p, "pct", 20000);
	ASSERT_TRUE(r.first.has_value()) << r.schedules << " schedules";
	auto frames = frames_by_cpu(p, r);
	EXPECT_TRUE(ran(frames, 0, "huge_pmd_share"));
	EXPECT_TRUE(ran(frames, 1, "exit_mmap"));
	EXPECT_TRUE(ran(frames, 1, "free_pgtables"));
}

// Today's exit_mmap() takes mmap_lock, but drops it between the zap (read) and free_pgtables()
// (write): a read trylock still gets in between.
TEST(HugetlbSeed000, TrylockProposalMissesExitEvenWithTodaysExitLocking)
{
	MmProgram p(seed000("seed000-trylock-exit", Teardown::exit, {"hugetlb_pmd_share_trylock"}));
	auto r = run_explorer(p, "pct", 20000);
	ASSERT_TRUE(r.first.has_value()) << r.schedules << " schedules";
	EXPECT_NE(frames_of(r).find("free_pgtables"), std::string::npos) << describe_first(r);
}

// Mel Gorman on his own RFC: "in theory it could retry forever". A retries the trylock while it
// holds its fault mutex; B holds its mmap_lock for write in mmap() and waits for F's i_rwsem,
// which a hole punch holds while it waits for A's fault mutex. Lockdep does not see the cycle
// (the trylock is exempt from lock ordering); the explorer sees A retrying with nobody able to
// make progress.
//
//   P0: A faults page 0         P1: B mmaps F again       P2: fallocate(PUNCH_HOLE) page 0
//   fault mutex(0), vma lock    mmap_lock(B) write        i_rwsem(F)
//   huge_pmd_share: trylock     hugetlbfs_file_mmap:      remove_inode_hugepages:
//   mmap_lock(B) fails, retry   i_rwsem(F) ... waits      fault mutex(0) ... waits
TEST(HugetlbSeed000, TrylockProposalCanRetryForever)
{
	MmSpec s = seed000_trylock_retry(true);
	MmProgram p(s);
	auto r = run_explorer(p, "pct", 20000);
	ASSERT_TRUE(r.first.has_value()) << r.schedules << " schedules";
	EXPECT_EQ(r.first->violation.kind, sim::ViolationKind::livelock) << describe_first(r);
	EXPECT_NE(frames_of(r).find("huge_pmd_share"), std::string::npos) << describe_first(r);
	// The same program with today's kernel: no retry loop, so the fault finishes and the punch
	// and the mmap follow.
	MmProgram q(seed000_trylock_retry(false));
	auto clean = run_explorer(q, "pct", 5000);
	EXPECT_FALSE(clean.first.has_value()) << describe_first(clean);
}

} // namespace
