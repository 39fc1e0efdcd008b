// The mm core under the explorer with every fix on: races between threads of one process,
// fork and faults, mremap and faults. The memory oracle judges every access at its step and
// the structural invariants run after setup and at the end of each schedule, so "clean"
// means no use-after-free, no lock problem, no wrong value, no leaked page or table and no
// stale TLB entry in any explored interleaving.
#include "mm_harness.hpp"

#include <gtest/gtest.h>

namespace {

using namespace mmtest;

constexpr unsigned long X = 0x40000000;

// Two threads of A: P0 faults pages 1 and 2 in, P1 unmaps [1, 3) under it and then touches
// the hole.
//
//   A: [ 0 | 1 | 2 | 3 ]   P0: store 1, store 2, load 1      P1: munmap(1..3), load 1
MmSpec fault_vs_munmap()
{
	MmSpec p;
	p.title = "fault-vs-munmap";
	p.init = [](check::World& w, Ctx& c) {
		c.procs["A"] = w.create_process("A");
		w.mmap(c.proc("A"), X, 4 * PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
		w.store(c.proc("A"), X, 1);
	};
	p.cpus.push_back([](check::World& w, Ctx& c) {
		w.store(c.proc("A"), X + PAGE_SIZE, 11);
		w.store(c.proc("A"), X + 2 * PAGE_SIZE, 12);
		w.load(c.proc("A"), X + PAGE_SIZE);
	});
	p.cpus.push_back([](check::World& w, Ctx& c) {
		w.munmap(c.proc("A"), X + PAGE_SIZE, 2 * PAGE_SIZE);
		w.load(c.proc("A"), X + PAGE_SIZE);
	});
	p.outcome_fn = [](check::World&, Ctx& c) {
		return "A.sigsegv=" + std::to_string(c.proc("A").sigsegv);
	};
	return p;
}

// A forks while another of its threads writes: the child must see each page as it was at
// some instant of the fork, and nothing A writes after fork returned.
MmSpec fork_vs_fault()
{
	MmSpec p;
	p.title = "fork-vs-fault";
	p.init = [](check::World& w, Ctx& c) {
		c.procs["A"] = w.create_process("A");
		w.mmap(c.proc("A"), X, 2 * PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
		w.store(c.proc("A"), X, 1);
		w.load(c.proc("A"), X + PAGE_SIZE); // a read fault: mapped, not yet written
	};
	p.cpus.push_back([](check::World& w, Ctx& c) {
		mm::process* b = w.fork(c.proc("A"), "B");
		w.load(*b, X);
		w.store(*b, X + PAGE_SIZE, 50);
		w.load(*b, X + PAGE_SIZE);
	});
	p.cpus.push_back([](check::World& w, Ctx& c) {
		w.store(c.proc("A"), X, 2);
		w.store(c.proc("A"), X + PAGE_SIZE, 3);
		w.load(c.proc("A"), X);
	});
	return p;
}

// mremap moves the page under a thread that faults on the old and the new address.
MmSpec mremap_vs_fault()
{
	MmSpec p;
	p.title = "mremap-vs-fault";
	p.init = [](check::World& w, Ctx& c) {
		c.procs["A"] = w.create_process("A");
		w.mmap(c.proc("A"), X, 2 * PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
		w.store(c.proc("A"), X, 7);
	};
	p.cpus.push_back([](check::World& w, Ctx& c) {
		w.mremap(c.proc("A"), X, 2 * PAGE_SIZE, 2 * PAGE_SIZE,
			 mm::MREMAP_MAYMOVE | mm::MREMAP_FIXED, X + 0x400000);
	});
	p.cpus.push_back([](check::World& w, Ctx& c) {
		w.store(c.proc("A"), X + PAGE_SIZE, 8);
		w.load(c.proc("A"), X);
		w.load(c.proc("A"), X + 0x400000);
	});
	return p;
}

void expect_clean_dfs(const MmSpec& s)
{
	MmProgram p(s);
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.exhausted) << r.schedules << " schedules";
	EXPECT_GT(r.schedules, 100u);
}

void expect_clean_pct(const MmSpec& s)
{
	MmProgram p(s);
	auto r = run_explorer(p, "pct", 10000);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_EQ(r.schedules, 10000u);
}

TEST(MmConcurrency, FaultsAndMunmapOfOverlappingRangesAreCleanExhaustivelyAtBound2)
{
	expect_clean_dfs(fault_vs_munmap());
}
TEST(MmConcurrency, FaultsAndMunmapOfOverlappingRangesAreCleanOver10kPctSchedules)
{
	expect_clean_pct(fault_vs_munmap());
}
TEST(MmConcurrency, ForkRacingWithFaultsInTheParentIsCleanExhaustivelyAtBound2)
{
	expect_clean_dfs(fork_vs_fault());
}
TEST(MmConcurrency, ForkRacingWithFaultsInTheParentIsCleanOver10kPctSchedules)
{
	expect_clean_pct(fork_vs_fault());
}
TEST(MmConcurrency, MremapRacingWithAFaultIsCleanExhaustivelyAtBound2)
{
	expect_clean_dfs(mremap_vs_fault());
}
TEST(MmConcurrency, MremapRacingWithAFaultIsCleanOver10kPctSchedules)
{
	expect_clean_pct(mremap_vs_fault());
}

// Both outcomes of the munmap race are reachable: P1's load after its own munmap always
// faults, and P0's accesses fault only when the munmap came first.
TEST(MmConcurrency, FaultVsMunmapReachesBothOrders)
{
	MmProgram p(fault_vs_munmap());
	auto r = run_explorer(p, "dfs", 0, 2);
	ASSERT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.outcomes.count("A.sigsegv=1")) ;
	EXPECT_TRUE(r.outcomes.count("A.sigsegv=3"));
}

} // namespace
