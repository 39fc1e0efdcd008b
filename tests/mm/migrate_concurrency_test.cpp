// Migration under the explorer with every fix on: user accesses racing with a migration of
// the page they touch must see memory behave like memory (the oracle checks every access at
// its step), faults on migration entries wait and retry, and two migrations and a VMA change
// in one fork tree never see each other's half-done work (issue #6).
#include "mm_harness.hpp"

#include <gtest/gtest.h>

namespace {

using namespace mmtest;

constexpr unsigned long X = 0x40000000;

// P0 keeps storing to and loading from A's page; P1 migrates it by pfn.
MmSpec access_vs_migration(const mm::Config& cfg, bool shared_file)
{
	MmSpec s;
	s.title = shared_file ? "file-access-vs-migration" : "anon-access-vs-migration";
	s.cfg = cfg;
	s.init = [shared_file](check::World& w, Ctx& c) {
		c.procs["A"] = w.create_process("A");
		if (shared_file) {
			mm::file* f = w.create_file("F", PAGE_SIZE);
			w.mmap(c.proc("A"), X, PAGE_SIZE, RW, mm::MAP_SHARED | mm::MAP_FIXED, f);
		} else {
			w.mmap(c.proc("A"), X, PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
		}
		w.store(c.proc("A"), X, 1);
		c.addrs["P"] = w.pfn_of(c.proc("A"), X);
	};
	s.cpus.push_back([](check::World& w, Ctx& c) {
		w.store(c.proc("A"), X, 2);
		w.load(c.proc("A"), X);
		w.store(c.proc("A"), X, 3);
		w.load(c.proc("A"), X);
	});
	s.cpus.push_back([](check::World& w, Ctx& c) {
		c.results["rc"] = w.migrate_pfn(c.addrs["P"]);
		w.load(c.proc("A"), X);
	});
	s.outcome_fn = [](check::World&, Ctx& c) { return "migrate=" + std::to_string(c.results["rc"]); };
	return s;
}

// Every access before, during (a fault on the migration entry waits for the page lock) and
// after the migration is judged by the oracle at its step.
TEST(MigrationVsAccess, AnonStoresAndLoadsSurviveMigrationExhaustivelyAtBound2)
{
	MmProgram p(access_vs_migration(mm::Config{}, false));
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.exhausted);
	EXPECT_TRUE(r.outcomes.count("migrate=0"));
}

TEST(MigrationVsAccess, SharedFileStoresAndLoadsSurviveMigrationExhaustivelyAtBound2)
{
	MmProgram p(access_vs_migration(mm::Config{}, true));
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.exhausted);
	EXPECT_TRUE(r.outcomes.count("migrate=0"));
}

// The oracle's half of the pair: a migration that forgets the contents is a wrong load.
TEST(MigrationVsAccess, AMigrationThatLosesTheContentsIsAWrongLoad)
{
	mm::Config c;
	c.fixes.set(mm::Mutant::migrate_skips_copy, true);
	MmProgram p(access_vs_migration(c, false));
	auto r = run_explorer(p, "pct", 2000);
	ASSERT_TRUE(r.first.has_value());
	EXPECT_NE(r.first->violation.message.find("user memory does not behave like memory"),
		  std::string::npos)
		<< describe_first(r);
}

// Three CPUs in one fork tree with Mel's trylock walk: a migration of A's page (walking A's
// anon_vma, trylocking B's), a migration of B's own COW page (walking B's anon_vma), and B's
// mprotect splitting its VMA under B's anon_vma lock. No walk sees a half-updated VMA, and
// no schedule retries without bound: each restart waits for the holder's critical section.
//
//   A: [ X | X+1p=P ]     B: [ X=Q (B's COW copy) | X+1p=P ]
TEST(MigrationVsAccess, MelsTrylockWalkNeverRetriesWithoutBoundInAForkTree)
{
	MmSpec s;
	s.title = "trylock-restart-progress";
	s.cfg.fixes.set(mm::Proposal::rmap_walk_trylock_restart, true);
	s.init = [](check::World& w, Ctx& c) {
		c.procs["A"] = w.create_process("A");
		w.mmap(c.proc("A"), X, 2 * PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
		w.store(c.proc("A"), X, 1);
		w.store(c.proc("A"), X + PAGE_SIZE, 2);
		c.procs["B"] = w.fork(c.proc("A"), "B");
		w.store(c.proc("B"), X, 3);
	};
	s.cpus.push_back([](check::World& w, Ctx& c) { w.mprotect(c.proc("B"), X, PAGE_SIZE, mm::PROT_READ); });
	s.cpus.push_back([](check::World& w, Ctx& c) { w.move_pages(c.proc("A"), X + PAGE_SIZE); });
	s.cpus.push_back([](check::World& w, Ctx& c) { w.move_pages(c.proc("B"), X); });
	MmProgram p(s);
	auto r = run_explorer(p, "pct", 3000);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
}

} // namespace
