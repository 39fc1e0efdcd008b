// TLB flushing: an IPI flush waits for every CPU in mm_cpumask to take the interrupt (so it
// cannot complete while a CPU has IRQs off); a broadcast flush waits for nobody.
#include "mm_harness.hpp"

#include "sim/irq.hpp"

#include <gtest/gtest.h>

namespace {

using namespace mmtest;

constexpr unsigned long X = 0x40000000;

// The GUP-fast argument in miniature: P0 reads a pointer with IRQs off and uses what it points
// to; P1 clears the pointer, flushes A's TLBs, then frees the object. An IPI flush cannot
// complete while P0 is in its IRQs-off section, so P0 never uses a freed object.
MmSpec flush_vs_irqs_off(mm::TlbFlushMode mode)
{
	MmSpec s;
	s.title = "flush-vs-irqs-off";
	s.cfg.tlb_flush = mode;
	s.init = [](check::World& w, Ctx& c) {
		c.procs["A"] = w.create_process("A");
		c.proc("A").mm->cpumask.init(0b11); // CPUs 0 and 1 have run in A
		c.results["ptr"] = 1;
		c.results["freed"] = 0;
	};
	s.cpus.push_back([](check::World&, Ctx& c) {
		sim::local_irq_disable();
		sim::point(sim::Op::load, sim::WaitKind::none, nullptr);
		long ptr = c.results["ptr"];
		sim::point(sim::Op::load, sim::WaitKind::none, nullptr);
		if (ptr != 0 && c.results["freed"] != 0)
			sim::raise(sim::ViolationKind::use_after_free,
				   "object used with IRQs off after the flush completed and it was freed");
		sim::local_irq_enable();
	});
	s.cpus.push_back([](check::World&, Ctx& c) {
		sim::point(sim::Op::store, sim::WaitKind::none, nullptr);
		c.results["ptr"] = 0;
		mm::flush_tlb_mm(c.proc("A").mm);
		sim::point(sim::Op::store, sim::WaitKind::none, nullptr);
		c.results["freed"] = 1;
	});
	return s;
}

TEST(TlbFlush, IpiFlushCannotCompleteWhileACpuHasIrqsOff)
{
	MmProgram p(flush_vs_irqs_off(mm::TlbFlushMode::ipi));
	auto r = run_explorer(p, "dfs", 0, 3);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.exhausted);
}

TEST(TlbFlush, BroadcastFlushCompletesWhileACpuHasIrqsOff)
{
	MmProgram p(flush_vs_irqs_off(mm::TlbFlushMode::broadcast));
	auto r = run_explorer(p, "dfs", 0, 3);
	ASSERT_TRUE(r.first.has_value());
	EXPECT_EQ(r.first->violation.kind, sim::ViolationKind::use_after_free) << describe_first(r);
}

// A flush drops the translations of the flushed range on every CPU and leaves the rest.
TEST(TlbFlush, FlushDropsOnlyTheRangeOnEveryCpu)
{
	mm::Kernel k;
	mm::Config c;
	c.ncpus = 2;
	k.reset(c);
	mm::process* a = k.create_process("A");
	mm::cpu_tlb& t0 = k.tlb(0);
	mm::cpu_tlb& t1 = k.tlb(1);
	for (mm::cpu_tlb* t : {&t0, &t1}) {
		t->insert({.mm = a->mm, .va = X, .size = PAGE_SIZE, .pfn = 1, .valid = true});
		t->insert({.mm = a->mm, .va = X + PAGE_SIZE, .size = PAGE_SIZE, .pfn = 2, .valid = true});
	}
	mm::flush_tlb_mm_range(a->mm, X, X + PAGE_SIZE);
	for (mm::cpu_tlb* t : {&t0, &t1}) {
		EXPECT_EQ(t->lookup_leaf(a->mm, X), nullptr);
		EXPECT_NE(t->lookup_leaf(a->mm, X + PAGE_SIZE), nullptr);
	}
	mm::flush_tlb_mm(a->mm);
	EXPECT_EQ(t1.lookup_leaf(a->mm, X + PAGE_SIZE), nullptr);
}

// A store through a TLB entry whose frame was freed and reallocated lands in somebody else's
// memory: reported even though the frame is live again.
TEST(TlbFlush, StaleEntryIntoAReallocatedFrameIsReported)
{
	check::World w;
	mm::Config c;
	c.nr_frames = 16;
	w.reset(c);
	mm::process* a = w.create_process("A");
	w.mmap(*a, X, PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
	w.store(*a, X, 1);
	const mm::tlb_entry* e = w.kernel().tlb(0).lookup_leaf(a->mm, X);
	ASSERT_NE(e, nullptr);
	mm::tlb_entry stale = *e;
	w.munmap(*a, X, PAGE_SIZE);
	// Put the stale translation back by hand (what a flush that missed CPU 0 leaves), then
	// hand the frame out again.
	w.kernel().tlb(0).insert(stale);
	mm::folio* reuse = nullptr;
	while ((reuse = w.kernel().phys().alloc_pages(mm::GFP_KERNEL, 0)) != nullptr &&
	       reuse->pfn != stale.pfn) {
	}
	ASSERT_NE(reuse, nullptr);
	try {
		w.kernel().user_store(*a, X, 2);
		FAIL() << "stale TLB use not reported";
	} catch (const sim::ViolationError& ex) {
		EXPECT_EQ(ex.violation.kind, sim::ViolationKind::use_after_free);
		EXPECT_NE(ex.violation.message.find("stale TLB entry"), std::string::npos)
			<< ex.violation.message;
	}
}

} // namespace
