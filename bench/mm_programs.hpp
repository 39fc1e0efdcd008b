// The mm concurrency programs of tests/mm/concurrency_test.cpp (fault-vs-munmap, fork-vs-fault,
// mremap-vs-fault) and of tests/check/detectors_test.cpp (access-vs-munmap, store-vs-fork;
// load-vs-fork-then-unmap is a variant of the latter),
// copied as plain explore::Programs over a check::World so the benchmarks measure the model,
// the checks and the explorer, not the test harness (its std::function bodies and std::map
// context). Keep the operations in step with the tests.
#pragma once

#include "check/world.hpp"
#include "explore/program.hpp"

#include <string>

namespace bench {

inline constexpr unsigned long kX = 0x40000000;
inline constexpr int kRW = mm::PROT_READ | mm::PROT_WRITE;
inline constexpr int kAnonFixed = mm::MAP_PRIVATE | mm::MAP_ANONYMOUS | mm::MAP_FIXED;

// Two CPUs of one process A racing on a World built fresh for each schedule.
class MmRace : public explore::Program {
public:
	explicit MmRace(bool check_quiescent, const mm::Config& cfg = {}) : cfg_(cfg)
	{
		w_.set_check_quiescent(check_quiescent);
	}
	int num_tasks() const override { return 2; }
	void setup() override
	{
		mm::Config c = cfg_;
		c.ncpus = num_tasks() + 1; // the init pseudo-CPU has a TLB too
		w_.reset(c);
		a_ = w_.create_process("A");
		init();
		w_.check_invariants();
	}
	void check() override { w_.check_invariants(); }
	std::string describe(sim::Op op, const void* obj) const override
	{
		return w_.describe(op, obj);
	}
	check::World& world() { return w_; }

protected:
	virtual void init() = 0;
	mm::Config cfg_;
	check::World w_;
	mm::process* a_ = nullptr;
};

// A: [ 0 | 1 | 2 | 3 ]   P0: store 1, store 2, load 1      P1: munmap(1..3), load 1
class FaultVsMunmap final : public MmRace {
public:
	using MmRace::MmRace;
	std::string name() const override { return "fault-vs-munmap"; }
	void init() override
	{
		w_.mmap(*a_, kX, 4 * mm::PAGE_SIZE, kRW, kAnonFixed);
		w_.store(*a_, kX, 1);
	}
	void run(int i) override
	{
		if (i == 0) {
			w_.store(*a_, kX + mm::PAGE_SIZE, 11);
			w_.store(*a_, kX + 2 * mm::PAGE_SIZE, 12);
			w_.load(*a_, kX + mm::PAGE_SIZE);
		} else {
			w_.munmap(*a_, kX + mm::PAGE_SIZE, 2 * mm::PAGE_SIZE);
			w_.load(*a_, kX + mm::PAGE_SIZE);
		}
	}
};

// A forks B while another thread of A writes; B reads and writes its copy.
class ForkVsFault final : public MmRace {
public:
	using MmRace::MmRace;
	std::string name() const override { return "fork-vs-fault"; }
	void init() override
	{
		w_.mmap(*a_, kX, 2 * mm::PAGE_SIZE, kRW, kAnonFixed);
		w_.store(*a_, kX, 1);
		w_.load(*a_, kX + mm::PAGE_SIZE);
	}
	void run(int i) override
	{
		if (i == 0) {
			mm::process* b = w_.fork(*a_, "B");
			w_.load(*b, kX);
			w_.store(*b, kX + mm::PAGE_SIZE, 50);
			w_.load(*b, kX + mm::PAGE_SIZE);
		} else {
			w_.store(*a_, kX, 2);
			w_.store(*a_, kX + mm::PAGE_SIZE, 3);
			w_.load(*a_, kX);
		}
	}
};

// mremap moves A's two pages under a thread that faults on the old and the new address.
class MremapVsFault final : public MmRace {
public:
	using MmRace::MmRace;
	std::string name() const override { return "mremap-vs-fault"; }
	void init() override
	{
		w_.mmap(*a_, kX, 2 * mm::PAGE_SIZE, kRW, kAnonFixed);
		w_.store(*a_, kX, 7);
	}
	void run(int i) override
	{
		if (i == 0) {
			w_.mremap(*a_, kX, 2 * mm::PAGE_SIZE, 2 * mm::PAGE_SIZE,
				  mm::MREMAP_MAYMOVE | mm::MREMAP_FIXED, kX + 0x400000);
		} else {
			w_.store(*a_, kX + mm::PAGE_SIZE, 8);
			w_.load(*a_, kX);
			w_.load(*a_, kX + 0x400000);
		}
	}
};

// P0 keeps using A's two pages through its TLB while P1 unmaps them.
class AccessVsMunmap final : public MmRace {
public:
	using MmRace::MmRace;
	std::string name() const override { return "access-vs-munmap"; }
	void init() override
	{
		w_.mmap(*a_, kX, 2 * mm::PAGE_SIZE, kRW, kAnonFixed);
		w_.store(*a_, kX, 1);
		w_.store(*a_, kX + mm::PAGE_SIZE, 2);
	}
	void run(int i) override
	{
		if (i == 0) {
			w_.load(*a_, kX);
			w_.load(*a_, kX + mm::PAGE_SIZE);
			w_.load(*a_, kX);
		} else {
			w_.munmap(*a_, kX, 2 * mm::PAGE_SIZE);
		}
	}
};

// A thread of A keeps storing while another forks B, which reads its copy.
class StoreVsFork final : public MmRace {
public:
	using MmRace::MmRace;
	std::string name() const override { return "store-vs-fork"; }
	void init() override
	{
		w_.mmap(*a_, kX, mm::PAGE_SIZE, kRW, kAnonFixed);
		w_.store(*a_, kX, 1);
	}
	void run(int i) override
	{
		if (i == 0) {
			w_.store(*a_, kX, 2);
			w_.store(*a_, kX, 3);
		} else {
			mm::process* b = w_.fork(*a_, "B");
			w_.load(*b, kX);
			w_.load(*b, kX);
		}
	}
};

// Like store-vs-fork, but nobody stores after the fork and A unmaps the page afterwards: a
// stale writable TLB entry left by the fork is flushed again before the schedule ends, so only
// a check between the fork and the munmap can see it.
class LoadVsForkThenUnmap final : public MmRace {
public:
	using MmRace::MmRace;
	std::string name() const override { return "load-vs-fork-then-unmap"; }
	void init() override
	{
		w_.mmap(*a_, kX, mm::PAGE_SIZE, kRW, kAnonFixed);
		w_.store(*a_, kX, 1);
	}
	void run(int i) override
	{
		if (i == 0) {
			w_.load(*a_, kX);
		} else {
			w_.fork(*a_, "B");
			w_.munmap(*a_, kX, mm::PAGE_SIZE);
		}
	}
};

} // namespace bench
