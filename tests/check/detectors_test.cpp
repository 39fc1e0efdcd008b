// Every check must be able to fail: each detector fires on a seeded model bug (a test-only
// MUTANT switch or a hand-corrupted state) and stays quiet on the correct model.
#include "check/violation.hpp"
#include "mm/mm_harness.hpp"

#include <gtest/gtest.h>

namespace {

using checktest::expect_violation;

using namespace mmtest;

constexpr unsigned long X = 0x40000000;

mm::Config with_mutant(const char* name)
{
	mm::Config c;
	EXPECT_TRUE(c.fixes.set(name, true)) << name;
	return c;
}

// P0 keeps using X through its TLB while P1 unmaps it.
MmSpec access_vs_munmap(const mm::Config& cfg)
{
	MmSpec s;
	s.title = "access-vs-munmap";
	s.cfg = cfg;
	s.init = [](check::World& w, Ctx& c) {
		c.procs["A"] = w.create_process("A");
		w.mmap(c.proc("A"), X, 2 * PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
		w.store(c.proc("A"), X, 1);
		w.store(c.proc("A"), X + PAGE_SIZE, 2);
	};
	s.cpus.push_back([](check::World& w, Ctx& c) {
		w.load(c.proc("A"), X);
		w.load(c.proc("A"), X + PAGE_SIZE);
		w.load(c.proc("A"), X);
	});
	s.cpus.push_back([](check::World& w, Ctx& c) { w.munmap(c.proc("A"), X, 2 * PAGE_SIZE); });
	return s;
}

sim::ViolationKind first_kind(const explore::ExploreResult& r)
{
	return r.first ? r.first->violation.kind : sim::ViolationKind::assertion;
}

TEST(StaleTlbDetector, FlushThatSkipsACpuIsReported)
{
	MmProgram p(access_vs_munmap(with_mutant("flush_skips_cpu")));
	auto r = run_explorer(p, "dfs", 0, 2);
	ASSERT_TRUE(r.first.has_value());
	const std::string& m = r.first->violation.message;
	EXPECT_TRUE(first_kind(r) == sim::ViolationKind::use_after_free ||
		    m.find("TLB of CPU") != std::string::npos)
		<< describe_first(r);
}

TEST(StaleTlbDetector, CorrectFlushIsQuiet)
{
	MmProgram p(access_vs_munmap(mm::Config{}));
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
}

// With the tables freed before the flush, P0's second load misses the leaf TLB entry, hits the
// cached PMD->PTE-table pointer and walks the freed PTE table.
TEST(TableUseAfterFreeDetector, TablesFreedBeforeTheFlushAreCaught)
{
	mm::Config c = with_mutant("free_tables_before_flush");
	c.table_free = mm::TableFreeMode::immediate;
	MmProgram p(access_vs_munmap(c));
	auto r = run_explorer(p, "dfs", 0, 2);
	ASSERT_TRUE(r.first.has_value());
	EXPECT_EQ(first_kind(r), sim::ViolationKind::use_after_free) << describe_first(r);
	EXPECT_NE(r.first->violation.message.find("PTE table"), std::string::npos)
		<< describe_first(r);
}

TEST(TableUseAfterFreeDetector, TablesFreedAfterTheFlushAreQuietInEveryFreeMode)
{
	for (auto mode : {mm::TableFreeMode::immediate, mm::TableFreeMode::rcu,
			  mm::TableFreeMode::ipi_sync}) {
		mm::Config c;
		c.table_free = mode;
		MmProgram p(access_vs_munmap(c));
		auto r = run_explorer(p, "dfs", 0, 2);
		EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	}
}

// A parent thread keeps storing while another forks: without the flush at the end of
// dup_mmap, a store through the still-writable TLB entry lands in the page now shared with
// the child.
MmSpec store_vs_fork(const mm::Config& cfg)
{
	MmSpec s;
	s.title = "store-vs-fork";
	s.cfg = cfg;
	s.init = [](check::World& w, Ctx& c) {
		c.procs["A"] = w.create_process("A");
		w.mmap(c.proc("A"), X, PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
		w.store(c.proc("A"), X, 1);
	};
	s.cpus.push_back([](check::World& w, Ctx& c) {
		w.store(c.proc("A"), X, 2);
		w.store(c.proc("A"), X, 3);
	});
	s.cpus.push_back([](check::World& w, Ctx& c) {
		mm::process* b = w.fork(c.proc("A"), "B");
		w.load(*b, X);
		w.load(*b, X);
	});
	return s;
}

TEST(MemoryOracle, ParentStoreLeakingIntoTheChildAfterForkIsReported)
{
	MmProgram p(store_vs_fork(with_mutant("fork_skips_flush")));
	auto r = run_explorer(p, "dfs", 0, 2);
	ASSERT_TRUE(r.first.has_value());
	EXPECT_EQ(first_kind(r), sim::ViolationKind::invariant) << describe_first(r);
}

TEST(MemoryOracle, ForkWithItsFlushKeepsTheChildsSnapshot)
{
	MmProgram p(store_vs_fork(mm::Config{}));
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
}

// As store_vs_fork, but nobody stores after the fork and A then unmaps the page: a stale
// writable TLB entry left by the fork is flushed again by the munmap, so the end-of-schedule
// check cannot see it; the invariants World runs at quiescent points (on by default) can.
MmSpec load_vs_fork_then_unmap(const mm::Config& cfg)
{
	MmSpec s;
	s.title = "load-vs-fork-then-unmap";
	s.cfg = cfg;
	s.init = [](check::World& w, Ctx& c) {
		c.procs["A"] = w.create_process("A");
		w.mmap(c.proc("A"), X, PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
		w.store(c.proc("A"), X, 1);
	};
	s.cpus.push_back([](check::World& w, Ctx& c) { w.load(c.proc("A"), X); });
	s.cpus.push_back([](check::World& w, Ctx& c) {
		w.fork(c.proc("A"), "B");
		w.munmap(c.proc("A"), X, PAGE_SIZE);
	});
	return s;
}

TEST(QuiescentChecks, StaleTlbEntryThatALaterFlushRemovesIsReportedByDefault)
{
	MmProgram p(load_vs_fork_then_unmap(with_mutant("fork_skips_flush")));
	auto r = run_explorer(p, "dfs", 0, 2);
	ASSERT_TRUE(r.first.has_value());
	EXPECT_NE(r.first->violation.message.find("as writable"), std::string::npos)
		<< describe_first(r);
}

TEST(QuiescentChecks, ForkWithItsFlushLeavesNoStaleEntryAtAnyQuiescentPoint)
{
	MmProgram p(load_vs_fork_then_unmap(mm::Config{}));
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.exhausted);
}

TEST(MemoryOracle, CowThatReusesASharedPageIsReported)
{
	check::World w;
	w.reset(with_mutant("cow_reuses_shared_page"));
	mm::process* a = w.create_process("A");
	w.mmap(*a, X, PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
	w.store(*a, X, 1);
	mm::process* b = w.fork(*a, "B");
	w.store(*b, X, 2); // writes the page A still maps
	try {
		w.load(*a, X);
		FAIL() << "the oracle accepted the child's store in the parent";
	} catch (const sim::ViolationError& e) {
		EXPECT_NE(e.violation.message.find("returned 2, expected 1"), std::string::npos)
			<< e.violation.message;
	}
}

TEST(MemoryOracle, LoadOfAValueNobodyStoredIsReported)
{
	check::World w;
	w.reset(mm::Config{});
	mm::process* a = w.create_process("A");
	w.mmap(*a, X, PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
	w.store(*a, X, 1);
	// Corrupt the page behind the model's back.
	mm::pmd_t* pmd = mm::walk_to_pmd(a->mm, X, false);
	mm::page* pg = w.kernel().phys().pfn_to_page(mm::pte_pfn(mm::pte_offset_map(pmd, X)->peek()));
	pg->data.init(666);
	expect_violation([&] { w.load(*a, X); }, "returned 666, expected 1");
}

TEST(MemoryOracle, AccessThatShouldFaultButSucceedsIsReported)
{
	check::World w;
	w.reset(mm::Config{});
	mm::process* a = w.create_process("A");
	w.mmap(*a, X, PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
	w.store(*a, X, 1);
	// Make the VMA read-only behind the oracle's back: the PTE and TLB still allow writes.
	w.kernel().sys_mprotect(*a, X, PAGE_SIZE, mm::PROT_READ);
	w.oracle().space_of(*a).vmas.front().prot = mm::VM_READ;
	w.kernel().sys_mprotect(*a, X, PAGE_SIZE, RW);
	w.oracle().space_of(*a).vmas.front().prot = mm::VM_READ;
	expect_violation([&] { w.store(*a, X, 2); }, "succeeded, but the address space allows only SIGSEGV");
}

TEST(MapcountIdentity, ZapThatForgetsTheMapcountIsReported)
{
	check::World w;
	w.reset(with_mutant("zap_skips_mapcount"));
	mm::process* a = w.create_process("A");
	w.mmap(*a, X, PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
	w.store(*a, X, 1);
	// The page is freed with a mapcount left: bad_page().
	expect_violation([&] { w.munmap(*a, X, PAGE_SIZE); }, "freed while still mapped");
}

TEST(MapcountIdentity, HandCorruptedMapcountIsReportedAndACorrectOneIsNot)
{
	check::World w;
	w.reset(mm::Config{});
	mm::process* a = w.create_process("A");
	w.mmap(*a, X, PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
	w.store(*a, X, 1);
	EXPECT_NO_THROW(w.check_invariants());
	mm::pmd_t* pmd = mm::walk_to_pmd(a->mm, X, false);
	mm::page* pg = w.kernel().phys().pfn_to_page(mm::pte_pfn(mm::pte_offset_map(pmd, X)->peek()));
	pg->_mapcount.init(1);
	expect_violation([&] { w.check_invariants(); }, "page-table entries map it");
}

TEST(RefcountIdentity, LeakedReferenceIsReported)
{
	check::World w;
	w.reset(mm::Config{});
	mm::process* a = w.create_process("A");
	w.mmap(*a, X, PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
	w.store(*a, X, 1);
	mm::pmd_t* pmd = mm::walk_to_pmd(a->mm, X, false);
	mm::page* pg = w.kernel().phys().pfn_to_page(mm::pte_pfn(mm::pte_offset_map(pmd, X)->peek()));
	mm::folio_get(pg);
	try {
		w.check_invariants();
		FAIL() << "leak not reported";
	} catch (const sim::ViolationError& e) {
		EXPECT_NE(e.violation.message.find("refcount"), std::string::npos);
	}
	mm::folio_put(pg);
	EXPECT_NO_THROW(w.check_invariants());
}

TEST(TableReachability, LeakedTableIsReported)
{
	check::World w;
	w.reset(mm::Config{});
	w.create_process("A");
	w.kernel().pgtables().alloc(mm::GFP_KERNEL, mm::PT_PTE, nullptr, X);
	expect_violation([&] { w.check_invariants(); }, "is allocated but no page table points to it: leaked");
}

TEST(RefcountSanity, UnderflowIsReported)
{
	check::World w;
	w.reset(mm::Config{});
	mm::folio* f = w.kernel().phys().alloc_pages(mm::GFP_KERNEL, 0);
	mm::folio_put(f);
	expect_violation([&] { mm::folio_put(f); }, "refcount underflow");
}

} // namespace
