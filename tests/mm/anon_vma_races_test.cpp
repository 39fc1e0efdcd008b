// Thread 003 (2010): migration against exec's stack relocation, fork and vma_adjust, with the
// merged fixes, without them, and with each proposal discussed on the thread. The explorer
// finds every race by itself from the model's code paths; only the switches differ.
//
// "Found" tests search with PCT until the first violation; "clean" tests run the same budget
// and, for today's kernel, every schedule with at most two preemptions.
#include "mm_harness.hpp"

#include "mm/vma.hpp"

#include <gtest/gtest.h>

namespace {

using namespace mmtest;

constexpr unsigned long X = 0x40000000;
constexpr unsigned long STACK_TOP = 0x7ffff0000000; // another PMD than STACK_TOP_MAX's
constexpr std::uint64_t kBudget = 10000;

mm::Config with(std::initializer_list<std::pair<const char*, bool>> sw)
{
	mm::Config c;
	for (const auto& [name, on] : sw)
		EXPECT_TRUE(c.fixes.set(name, on)) << name;
	return c;
}

// Which checks run besides the model's own: the migration checks (rmap completeness in
// remove walks, nothing left when a migration ends) and the quiescent-point invariants. With
// both off, what a leftover entry does next is left to the model (the fault's BUG).
struct Checks {
	bool migration = true;
	bool quiescent = true;
};

void apply(check::World& w, Checks ch)
{
	w.set_check_migration(ch.migration);
	w.set_check_quiescent(ch.quiescent);
}

// exec vs migration (races.md §2.4.1). A has exec'd up to the temporary stack holding argv
// {3}; P0 runs setup_arg_pages() and the new image touches its stack; P1 migrates the stack
// page by pfn, as compaction does (no mmap_lock).
//
//   temporary stack [TOP-1p, TOP)  --shift-->  [STACK_TOP-1p, STACK_TOP), then grown down
MmSpec exec_vs_migration(const mm::Config& cfg, Checks ch = {})
{
	MmSpec s;
	s.title = "exec-vs-migration";
	s.cfg = cfg;
	s.init = [ch](check::World& w, Ctx& c) {
		apply(w, ch);
		c.procs["A"] = w.create_process("A");
		w.exec_begin(c.proc("A"), {3});
		c.addrs["P"] = w.pfn_of(c.proc("A"), mm::STACK_TOP_MAX - PAGE_SIZE);
	};
	s.cpus.push_back([](check::World& w, Ctx& c) {
		w.exec_setup_arg_pages(c.proc("A"), STACK_TOP);
		w.load(c.proc("A"), STACK_TOP - PAGE_SIZE);
	});
	s.cpus.push_back([](check::World& w, Ctx& c) { w.migrate_pfn(c.addrs["P"]); });
	return s;
}

// fork vs migration (races.md §2.4.2). A maps one written page P; one CPU forks B, which then
// reads it; the other migrates P by pfn (2.6.34's move_pages held A's mmap_lock, which fork
// excludes). `swapped` puts them on the other CPUs: the verdict must not change. The outcome
// says whether fork copied a migration entry into B, so both of Andrea's orders can be seen:
// the walk restores A before the copy (B gets the new page's PTE), or the copy comes first
// (B gets the entry, and the walk must reach B after A).
MmSpec fork_vs_migration(const mm::Config& cfg, bool swapped = false)
{
	MmSpec s;
	s.title = "fork-vs-migration";
	s.cfg = cfg;
	s.init = [](check::World& w, Ctx& c) {
		c.procs["A"] = w.create_process("A");
		w.mmap(c.proc("A"), X, PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
		w.store(c.proc("A"), X, 5);
		c.addrs["P"] = w.pfn_of(c.proc("A"), X);
	};
	Body fork = [](check::World& w, Ctx& c) {
		mm::process* b = w.fork(c.proc("A"), "B");
		w.load(*b, X);
	};
	Body migrate = [](check::World& w, Ctx& c) { w.migrate_pfn(c.addrs["P"]); };
	s.cpus = swapped ? std::vector<Body>{migrate, fork} : std::vector<Body>{fork, migrate};
	s.outcome_fn = [](check::World& w, Ctx&) {
		return w.kernel().fork_copied_migration_entries ? std::string("B copied the entry")
								 : std::string("B copied a pte");
	};
	return s;
}

// vma_adjust vs remove_migration_ptes across a fork tree (races.md §2.4.3). A's page P at
// X+1p is COW-shared with its child B. P0: B mprotects [X, X+1p), which splits B's VMA and
// moves the rest's vm_start and vm_pgoff up by a page; P1: move_pages(A, X+1p), whose walks
// lock A's anon_vma (P's) while B's VMA changes under B's.
//
//   A:  [ X | X+1p=P ]            B (fork): [ X | X+1p=P ]  ->  [ X ro ][ X+1p=P ]
MmSpec vma_adjust_vs_migration(const mm::Config& cfg)
{
	MmSpec s;
	s.title = "vma_adjust-vs-remove_migration_ptes";
	s.cfg = cfg;
	s.init = [](check::World& w, Ctx& c) {
		c.procs["A"] = w.create_process("A");
		w.mmap(c.proc("A"), X, 2 * PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
		w.store(c.proc("A"), X + PAGE_SIZE, 5);
		c.procs["B"] = w.fork(c.proc("A"), "B");
	};
	s.cpus.push_back([](check::World& w, Ctx& c) {
		w.mprotect(c.proc("B"), X, PAGE_SIZE, mm::PROT_READ);
		w.load(c.proc("B"), X + PAGE_SIZE);
	});
	s.cpus.push_back([](check::World& w, Ctx& c) { w.move_pages(c.proc("A"), X + PAGE_SIZE); });
	return s;
}

explore::ExploreResult explore_pct(const MmSpec& s, std::uint64_t budget = kBudget)
{
	MmProgram p(s);
	return run_explorer(p, "pct", budget);
}

// The violation found, with the message fragment the thread's objection is about.
void expect_found(const explore::ExploreResult& r, sim::ViolationKind kind, const std::string& what)
{
	ASSERT_TRUE(r.first.has_value()) << r.schedules << " schedules, none failed";
	EXPECT_EQ(r.first->violation.kind, kind) << describe_first(r);
	EXPECT_NE(r.first->violation.message.find(what), std::string::npos) << describe_first(r);
}

void expect_clean_pct(const MmSpec& s)
{
	auto r = explore_pct(s);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_EQ(r.schedules, kBudget);
}

void expect_clean_dfs(const MmSpec& s)
{
	MmProgram p(s);
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.exhausted) << r.schedules << " schedules";
	EXPECT_GT(r.schedules, 100u);
}

// ---- exec vs migration: a8bef8ff6ea1 ----

TEST(ExecVsMigration, WithoutTheTemporaryStackSkipRemoveMigrationPtesMissesTheEntry)
{
	auto r = explore_pct(exec_vs_migration(with({{"migrate_skip_temporary_stack", false}})));
	ASSERT_TRUE(r.first.has_value());
	EXPECT_EQ(r.first->violation.kind, sim::ViolationKind::invariant) << describe_first(r);
	const std::string& m = r.first->violation.message;
	EXPECT_TRUE(m.find("remove_migration_ptes() passes the migration entry") != std::string::npos ||
		    m.find("left at") != std::string::npos)
		<< describe_first(r);
}

// What the leftover entry does next, with the early checks off: the new image faults on its
// stack and finds a migration entry whose page is no longer locked (swapops.h BUG in 2010).
TEST(ExecVsMigration, WithoutTheSkipTheNewImageFaultsOnALeftoverEntry)
{
	auto r = explore_pct(exec_vs_migration(with({{"migrate_skip_temporary_stack", false}}),
					       {.migration = false, .quiescent = false}));
	expect_found(r, sim::ViolationKind::invariant, "found while the page is not locked");
}

TEST(ExecVsMigration, WithTheSkipIsCleanOverTheSameBudget)
{
	expect_clean_pct(exec_vs_migration(mm::Config{}));
}

TEST(ExecVsMigration, WithTheSkipIsCleanExhaustivelyAtBound2)
{
	expect_clean_dfs(exec_vs_migration(mm::Config{}));
}

// ---- fork vs migration: the rmap order ----

TEST(ForkVsMigration, WalkingTheChildBeforeItsParentLeavesTheCopiedEntryBehind)
{
	auto r = explore_pct(fork_vs_migration(with({{"anon_vma_chain_prepend", true}})));
	ASSERT_TRUE(r.first.has_value());
	EXPECT_EQ(r.first->violation.kind, sim::ViolationKind::invariant) << describe_first(r);
	EXPECT_NE(r.first->violation.message.find("left at"), std::string::npos) << describe_first(r);
	EXPECT_NE(r.first->violation.message.find(" of B "), std::string::npos) << describe_first(r);
}

TEST(ForkVsMigration, ParentBeforeChildIsCleanOverTheSameBudget)
{
	expect_clean_pct(fork_vs_migration(mm::Config{}));
}

TEST(ForkVsMigration, ParentBeforeChildIsCleanExhaustivelyAtBound2)
{
	expect_clean_dfs(fork_vs_migration(mm::Config{}));
}

// Both orders of the copy and the remap walk happen, and both are safe in kernel order.
TEST(ForkVsMigration, ParentBeforeChildReachesBothOrdersOfCopyAndRemap)
{
	MmProgram p(fork_vs_migration(mm::Config{}));
	auto r = run_explorer(p, "dfs", 0, 2);
	ASSERT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.outcomes.count("B copied the entry"));
	EXPECT_TRUE(r.outcomes.count("B copied a pte"));
}

// The same two operations on the other CPUs give the same verdicts.
TEST(ForkVsMigration, TheVerdictsDoNotDependOnWhichCpuRunsWhat)
{
	auto found = explore_pct(fork_vs_migration(with({{"anon_vma_chain_prepend", true}}), true));
	EXPECT_TRUE(found.first.has_value());
	expect_clean_pct(fork_vs_migration(mm::Config{}, true));
}

// ---- vma_adjust vs remove_migration_ptes: 012f18004da3 and its alternatives ----

TEST(VmaAdjustVsMigration, WithoutAnyAnonVmaLockInVmaAdjustAWalkSeesAHalfUpdatedVma)
{
	auto r = explore_pct(vma_adjust_vs_migration(with({{"always_lock_root_anon_vma", false}})));
	expect_found(r, sim::ViolationKind::invariant, "had stored only part of");
}

TEST(VmaAdjustVsMigration, TheVmasOwnAnonVmaLockDoesNotExcludeAWalkOfItsParentsPage)
{
	auto r = explore_pct(vma_adjust_vs_migration(with({{"vma_adjust_own_anon_vma_lock", true}})));
	expect_found(r, sim::ViolationKind::invariant, "had stored only part of");
}

TEST(VmaAdjustVsMigration, LockingTheRootIsCleanOverTheSameBudget)
{
	expect_clean_pct(vma_adjust_vs_migration(mm::Config{}));
}

TEST(VmaAdjustVsMigration, LockingTheRootIsCleanExhaustivelyAtBound2)
{
	expect_clean_dfs(vma_adjust_vs_migration(mm::Config{}));
}

// Mel's patch 2/3 does keep the walk from reading a half-updated VMA: the walk trylocks the
// child's anon_vma and restarts while vma_adjust() holds it. The restart waits for the other
// CPU's critical section and no more: no schedule retries without bound.
TEST(VmaAdjustVsMigration, MelsTrylockAndRestartWalkIsCleanAndRestarts)
{
	MmSpec s = vma_adjust_vs_migration(with({{"rmap_walk_trylock_restart", true}}));
	s.outcome_fn = [](check::World& w, Ctx&) {
		return w.kernel().rmap_walk_restarts ? std::string("restarted") : std::string("no restart");
	};
	MmProgram p(s);
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.exhausted);
	EXPECT_TRUE(r.outcomes.count("restarted")) << "the restart path was never taken";
}

// Rik's RFC: vma_adjust() takes every anon_vma lock of the VMA's chain, so the walk is
// excluded in all three versions (their problem is elsewhere: the lock order, below).
TEST(VmaAdjustVsMigration, RiksTakeAllLocksExcludesTheWalk)
{
	for (const char* v : {"anon_vma_lock_all_v1", "anon_vma_lock_all_v3"}) {
		auto r = explore_pct(vma_adjust_vs_migration(with({{v, true}})), 3000);
		EXPECT_FALSE(r.first.has_value()) << v << ": " << describe_first(r);
	}
	// v2's __anon_vma_prepare() takes the anon_vma lock before the chain lock, the reverse of
	// the order v3 settled on (lock_classes.def): lockdep reports it on the first fault, before
	// the walk can matter.
	auto r = explore_pct(vma_adjust_vs_migration(with({{"anon_vma_lock_all_v2", true}})), 3000);
	ASSERT_TRUE(r.first.has_value());
	EXPECT_EQ(r.first->violation.kind, sim::ViolationKind::lock_order) << describe_first(r);
	EXPECT_NE(r.first->violation.message.find("against the documented order"), std::string::npos)
		<< describe_first(r);
}

// ---- the exec proposals ----

// Mel's patch 3/3 with the checks on: the entry is still left when the migration ends, which
// Christoph's rule forbids ("Migration entries are not supposed to exist when a page is not
// locked").
TEST(ExecProposals, MelsMovePtesCleanupStillLeavesTheEntryWhenTheMigrationEnds)
{
	auto r = explore_pct(exec_vs_migration(with({{"move_ptes_remove_migration_ptes", true}})));
	ASSERT_TRUE(r.first.has_value());
	EXPECT_EQ(r.first->violation.kind, sim::ViolationKind::invariant) << describe_first(r);
}

// ... and with those checks off, Kamezawa's objection: by the time move_ptes() reaches the
// straggler the migration may have freed the page it names, and the patch takes a reference
// on it anyway.
TEST(ExecProposals, MelsMovePtesCleanupTakesAReferenceOnAFreedPage)
{
	auto r = explore_pct(exec_vs_migration(with({{"move_ptes_remove_migration_ptes", true}}),
					       {.migration = false, .quiescent = false}));
	expect_found(r, sim::ViolationKind::use_after_free, "folio_get");
}

// Andrea's anon_vma lock across shift_arg_pages(): a spinlock held across move_page_tables(),
// which may sleep (Mel).
TEST(ExecProposals, AndreasAnonVmaLockAcrossTheMoveSleepsUnderASpinlock)
{
	auto r = explore_pct(exec_vs_migration(with({{"shift_arg_pages_anon_vma_lock", true}})));
	expect_found(r, sim::ViolationKind::might_sleep, "sleeping function called from invalid context");
	EXPECT_EQ(r.first->schedule_index, 1u) << "it happens in every schedule";
}

// Kamezawa's unstable_rmap: migration of the stack fails cleanly, but the failed migration's
// remove_migration_ptes() then meets a VMA it may not look at (Andrea: such walks cannot fail).
TEST(ExecProposals, KamezawasUnstableRmapMakesAWalkThatCannotFailFail)
{
	auto r = explore_pct(exec_vs_migration(with({{"unstable_rmap", true}})));
	expect_found(r, sim::ViolationKind::assertion, "a walk that must not fail failed");
}

// Andrea's fake VMA at the old address is linked at the tail, after the stack VMA: a walk can
// look at the new address, then the entry moves there, then the walk looks at the old address.
// (The explorer's own finding: the thread ended before anyone reviewed this version.)
TEST(ExecProposals, AndreasFakeVmaIsVisitedAfterTheRealOneAndAWalkMissesTheMovingEntry)
{
	auto r = explore_pct(exec_vs_migration(with({{"exec_fake_temporary_vma", true}})));
	expect_found(r, sim::ViolationKind::invariant, "left at");
}

// Mel's trylock walk does nothing for exec: the stack's anon_vma is the one the walk holds
// (Andrea: "Patch 2 wouldn't help the swapops crash we reproduced").
TEST(ExecProposals, MelsTrylockWalkDoesNotHelpTheExecRace)
{
	auto r = explore_pct(exec_vs_migration(
		with({{"migrate_skip_temporary_stack", false}, {"rmap_walk_trylock_restart", true}})));
	ASSERT_TRUE(r.first.has_value());
	EXPECT_EQ(r.first->violation.kind, sim::ViolationKind::invariant) << describe_first(r);
}

// Rik's RFC v1: expand_downwards() takes page_table_lock and then the anon_vma locks, while
// anon_vma_prepare() takes them the other way round (Andrea: "This will cause a lock
// inversion"). An exec does both.
TEST(ExecProposals, RiksV1TakesPageTableLockBeforeTheAnonVmaLocks)
{
	auto r = explore_pct(exec_vs_migration(with({{"anon_vma_lock_all_v1", true}})));
	expect_found(r, sim::ViolationKind::lock_order, "page_table_lock");
}

// v2 moved the chain walk under a new anon_vma_chain_lock, still taken in both orders; v3 fixed
// anon_vma_prepare()'s order and is clean.
TEST(ExecProposals, RiksV2InvertsTheChainLockAndV3IsClean)
{
	auto r2 = explore_pct(exec_vs_migration(with({{"anon_vma_lock_all_v2", true}})));
	expect_found(r2, sim::ViolationKind::lock_order, "anon_vma_chain_lock");
	auto r3 = explore_pct(exec_vs_migration(with({{"anon_vma_lock_all_v3", true}})), 3000);
	EXPECT_FALSE(r3.first.has_value()) << describe_first(r3);
}

} // namespace
