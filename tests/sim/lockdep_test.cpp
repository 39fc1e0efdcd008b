// lockdep: an order inversion is reported the first time both orders are seen, across
// schedules, even when no schedule deadlocked.
#include "harness.hpp"

#include <gtest/gtest.h>

using simtest::World;

namespace {

constexpr sim::LockClass mmap_lock_class{"mmap_lock"};
constexpr sim::LockClass i_mmap_class{"i_mmap_rwsem"};
constexpr sim::LockClass ptl_class{"ptl"};
constexpr sim::LockClass gate_class{"gate"};

// The deadlock needs an unlikely schedule (both tasks inside their first lock at once), and the
// gate mutex below makes it impossible altogether; lockdep still reports the inversion on the
// very first schedule that takes the second order.
TEST(Lockdep, InversionIsReportedOnAScheduleThatDoesNotDeadlock)
{
	sim::Mutex gate{&gate_class};
	sim::RwSem mmap_lock{&mmap_lock_class}, i_mmap{&i_mmap_class};
	World w;
	w.setup = [&] {
		gate.owner = mmap_lock.owner = i_mmap.owner = -1;
		mmap_lock.readers = i_mmap.readers = 0;
	};
	w.tasks = {[&] {
			   MM_FRAME("do_munmap");
			   gate.lock();
			   mmap_lock.down_write();
			   {
				   MM_FRAME("unmap_vmas");
				   i_mmap.down_write();
				   i_mmap.up_write();
			   }
			   mmap_lock.up_write();
			   gate.unlock();
		   },
		   [&] {
			   MM_FRAME("bad_path");
			   gate.lock();
			   i_mmap.down_read();
			   mmap_lock.down_read();
			   mmap_lock.up_read();
			   i_mmap.up_read();
			   gate.unlock();
		   }};
	// P0 runs to its end, then P1: no deadlock is possible (the gate serialises them), yet the
	// second order is reported as soon as P1 takes it.
	sim::Engine e(w.opt);
	simtest::FixedChooser p0_first(0);
	simtest::run_one(e, w, p0_first);
	ASSERT_TRUE(e.violation());
	const sim::Violation& v = *e.violation();
	EXPECT_EQ(v.kind, sim::ViolationKind::lock_order);
	EXPECT_NE(v.message.find("takes mmap_lock while holding i_mmap_rwsem"), std::string::npos)
		<< v.message;
	std::string detail;
	for (const auto& d : v.detail)
		detail += d + "\n";
	// Both acquisition stacks: this one and the one first seen.
	EXPECT_NE(detail.find("takes mmap_lock in bad_path"), std::string::npos) << detail;
	EXPECT_NE(detail.find("took i_mmap_rwsem in unmap_vmas < do_munmap"), std::string::npos)
		<< detail;
	EXPECT_NE(detail.find("schedule #1"), std::string::npos) << detail;
}

// The order graph is kept across the schedules of one exploration: each schedule below takes
// only one order, and the second schedule is the one that completes the inversion.
TEST(Lockdep, GraphPersistsAcrossSchedules)
{
	sim::SpinLock a{&i_mmap_class}, b{&ptl_class};
	World w;
	w.setup = [&] { a.owner = b.owner = -1; };
	w.tasks = {[&] {
		bool ab = sim::choose(2) == 0;
		sim::SpinLock& first = ab ? a : b;
		sim::SpinLock& second = ab ? b : a;
		first.lock();
		second.lock();
		second.unlock();
		first.unlock();
	}};
	auto r = simtest::explore_all(w);
	EXPECT_EQ(r.schedules, 2u);
	ASSERT_EQ(r.violations.size(), 1u);
	EXPECT_EQ(r.violations[0].kind, sim::ViolationKind::lock_order);
}

// Same-order acquisitions in both tasks: no report in any schedule.
TEST(Lockdep, ConsistentOrderIsQuiet)
{
	sim::RwSem mmap_lock{&mmap_lock_class}, i_mmap{&i_mmap_class};
	World w;
	w.setup = [&] {
		mmap_lock.owner = i_mmap.owner = -1;
		mmap_lock.readers = i_mmap.readers = 0;
	};
	auto t = [&] {
		mmap_lock.down_read();
		i_mmap.down_read();
		i_mmap.up_read();
		mmap_lock.up_read();
	};
	w.tasks = {t, t};
	auto r = simtest::explore_all(w);
	EXPECT_TRUE(r.violations.empty());
}

// Trylocks cannot deadlock, so they add no ordering.
TEST(Lockdep, TrylockInReverseOrderIsExempt)
{
	sim::SpinLock a{&i_mmap_class}, b{&ptl_class};
	World w;
	w.setup = [&] { a.owner = b.owner = -1; };
	w.tasks = {[&] {
			   a.lock();
			   b.lock();
			   b.unlock();
			   a.unlock();
		   },
		   [&] {
			   b.lock();
			   if (a.trylock())
				   a.unlock();
			   b.unlock();
		   }};
	auto r = simtest::explore_all(w);
	EXPECT_TRUE(r.violations.empty()) << r.first()->message;
}

// Two locks of one class need a nesting annotation.
TEST(Lockdep, SameClassTwiceIsRecursiveUnlessNested)
{
	sim::SpinLock p1{&ptl_class}, p2{&ptl_class}, mm{&mmap_lock_class};
	World w;
	w.setup = [&] { p1.owner = p2.owner = mm.owner = -1; };
	w.tasks = {[&] {
		p1.lock();
		p2.lock();
		p2.unlock();
		p1.unlock();
	}};
	auto r = simtest::run_fixed(w);
	ASSERT_TRUE(r.first());
	EXPECT_EQ(r.first()->kind, sim::ViolationKind::recursive_locking);

	w.tasks = {[&] {
			   p1.lock();
			   p2.lock_nested(1); // SINGLE_DEPTH_NESTING, as move_ptes does
			   p2.unlock();
			   p1.unlock();
		   },
		   [&] {
			   mm.lock();
			   p1.lock_nest_lock(mm);
			   p2.lock_nest_lock(mm);
			   p2.unlock();
			   p1.unlock();
			   mm.unlock();
		   }};
	r = simtest::explore_all(w);
	EXPECT_TRUE(r.violations.empty()) << r.first()->message;
}

// An IRQ-safe class (hugetlb_lock) taken with IRQs on is reported; with spin_lock_irq it is not.
TEST(Lockdep, IrqSafeClassNeedsIrqsOff)
{
	static constexpr sim::LockClass hugetlb_lock_class{"hugetlb_lock", true};
	sim::SpinLock l{&hugetlb_lock_class};
	World w;
	w.setup = [&] { l.owner = -1; };
	w.tasks = {[&] {
		l.lock();
		l.unlock();
	}};
	auto r = simtest::run_fixed(w);
	ASSERT_TRUE(r.first());
	EXPECT_EQ(r.first()->kind, sim::ViolationKind::irq_unsafe_lock);
	w.tasks = {[&] {
		l.lock_irq();
		l.unlock_irq();
	}};
	EXPECT_TRUE(simtest::run_fixed(w).violations.empty());
}

} // namespace
