// IPIs wait for IRQ-off CPUs; RCU callbacks wait for pre-existing readers; use after the grace
// period is a use-after-free.
#include "harness.hpp"

#include <gtest/gtest.h>

using simtest::World;

namespace {

sim::Atomic<int>* ipi_args_[3];

// An IPI sent while another CPU has IRQs disabled completes only after that CPU re-enables
// them, in every schedule: the handler never runs inside the IRQ-off section, and the sender
// does not return before the handler ran everywhere.
TEST(Ipi, SyncIpiWaitsForCpuWithIrqsOff)
{
	sim::Atomic<int> in_irq_off, handled, bad;
	World w;
	w.setup = [&] {
		in_irq_off.init(0);
		handled.init(0);
		bad.init(0);
	};
	w.tasks = {[&] {
			   sim::local_irq_disable();
			   in_irq_off.store(1);
			   in_irq_off.store(0);
			   sim::local_irq_enable();
		   },
		   [&] {
			   sim::smp_call_function(
				   [](void* arg, int cpu) {
					   auto* flags = static_cast<sim::Atomic<int>**>(arg);
					   if (cpu != 0)
						   return;
					   if (flags[0]->peek() == 1)
						   flags[2]->init(1); // ran inside the IRQ-off section
					   flags[1]->init(1);
				   },
				   ipi_args_);
			   if (handled.load() != 1)
				   bad.store(2);
		   }};
	ipi_args_[0] = &in_irq_off;
	ipi_args_[1] = &handled;
	ipi_args_[2] = &bad;
	w.check = [&] {
		if (bad.peek() == 1)
			sim::raise(sim::ViolationKind::assertion, "IPI handled inside an IRQ-off section");
		if (bad.peek() == 2)
			sim::raise(sim::ViolationKind::assertion, "IPI returned before the handler ran");
	};
	auto r = simtest::explore_all(w);
	EXPECT_TRUE(r.violations.empty()) << r.first()->message;
	EXPECT_GT(r.schedules, 5u);
}

// Counter-check: with no IRQ-off section the same overlap is reachable.
TEST(Ipi, WithoutIrqsOffTheHandlerRunsAtOnce)
{
	sim::Atomic<int> section, seen_in_section;
	World w;
	w.setup = [&] {
		section.init(0);
		seen_in_section.init(0);
	};
	w.tasks = {[&] {
			   section.store(1);
			   section.store(0);
		   },
		   [&] {
			   sim::smp_call_function([](void*, int) {}, nullptr);
			   if (section.load() == 1)
				   seen_in_section.store(1);
		   }};
	w.check = [&] {
		if (seen_in_section.peek())
			sim::raise(sim::ViolationKind::assertion, "overlap");
	};
	EXPECT_FALSE(simtest::explore_all(w).violations.empty());
}

// Two CPUs with IRQs off IPI-ing each other is reported (the kernel WARNs: it can deadlock).
TEST(Ipi, SendingWithIrqsOffIsReported)
{
	World w;
	w.tasks = {[&] {
		sim::local_irq_disable();
		sim::smp_call_function([](void*, int) {}, nullptr);
		sim::local_irq_enable();
	}};
	auto r = simtest::run_fixed(w);
	ASSERT_TRUE(r.first());
	EXPECT_EQ(r.first()->kind, sim::ViolationKind::might_sleep);
}

struct Obj {
	sim::Lifetime lt;
	sim::Atomic<int> data;
};

// The RCU pattern: unpublish, then call_rcu. A reader that found the object before it was
// unpublished may use it until it leaves its section, in every schedule.
TEST(Rcu, CallRcuWaitsForPreexistingReaders)
{
	Obj o;
	sim::Atomic<Obj*> published;
	World w;
	w.setup = [&] {
		o.lt.revive();
		o.data.init(7);
		published.init(&o);
	};
	w.tasks = {[&] {
			   sim::rcu_read_lock();
			   if (Obj* p = published.load()) {
				   sim::lifetime_check(p->lt, p, "read");
				   p->data.load();
				   sim::lifetime_check(p->lt, p, "read");
			   }
			   sim::rcu_read_unlock();
		   },
		   [&] {
			   published.store(nullptr);
			   sim::lifetime_free_rcu(o.lt, &o);
		   }};
	auto r = simtest::explore_all(w);
	EXPECT_TRUE(r.violations.empty()) << r.first()->message;
	EXPECT_EQ(o.lt.state, sim::Lifetime::State::freed); // freed once the schedule ended
}

// A reader that starts after the free was queued, or an access outside any reader, is a
// use-after-free: found in some schedule, with who freed it.
TEST(Rcu, AccessAfterGracePeriodIsUseAfterFree)
{
	Obj o;
	World w;
	w.setup = [&] { o.lt.revive(); };
	w.tasks = {[&] {
			   MM_FRAME("walker");
			   sim::rcu_read_lock();
			   sim::lifetime_check(o.lt, &o, "read");
			   sim::rcu_read_unlock();
			   sim::rcu_read_lock();
			   sim::lifetime_check(o.lt, &o, "read");
			   sim::rcu_read_unlock();
		   },
		   [&] {
			   MM_FRAME("free_pgtables");
			   sim::lifetime_free_rcu(o.lt, &o);
		   }};
	auto r = simtest::explore_all(w);
	ASSERT_TRUE(r.found(sim::ViolationKind::use_after_free));
	const auto& v = r.violations.front();
	EXPECT_NE(v.message.find("free_pgtables"), std::string::npos) << v.message;
}

// synchronize_rcu blocks while an older reader runs, and not for a younger one.
TEST(Rcu, SynchronizeRcuWaitsForOlderReaders)
{
	sim::Atomic<int> inside, bad;
	World w;
	w.setup = [&] {
		inside.init(0);
		bad.init(0);
	};
	w.tasks = {[&] {
			   sim::rcu_read_lock();
			   inside.store(1);
			   inside.store(0);
			   sim::rcu_read_unlock();
		   },
		   [&] {
			   int before = inside.load();
			   sim::synchronize_rcu();
			   // A reader seen inside before the grace period must have left it.
			   if (before == 1 && inside.load() == 1)
				   bad.store(1);
		   }};
	w.check = [&] {
		if (bad.peek())
			sim::raise(sim::ViolationKind::assertion, "grace period ended under a reader");
	};
	auto r = simtest::explore_all(w);
	EXPECT_TRUE(r.violations.empty()) << r.first()->message;
}

// Freeing twice is a finding.
TEST(Lifetime, DoubleFreeIsReported)
{
	Obj o;
	World w;
	w.setup = [&] { o.lt.revive(); };
	w.tasks = {[&] {
		sim::lifetime_free(o.lt, &o);
		sim::lifetime_free(o.lt, &o);
	}};
	auto r = simtest::run_fixed(w);
	ASSERT_TRUE(r.first());
	EXPECT_EQ(r.first()->kind, sim::ViolationKind::double_free);
}

} // namespace
