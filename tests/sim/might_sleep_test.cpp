// might_sleep: blocking operations in atomic context are findings even when they would not
// actually block in this schedule.
#include "harness.hpp"

#include <gtest/gtest.h>

using simtest::World;

namespace {

constexpr sim::LockClass ptl_class{"ptl"};
constexpr sim::LockClass mutex_class{"i_mmap_mutex"};

TEST(MightSleep, MutexUnderSpinlockIsReported)
{
	sim::SpinLock ptl{&ptl_class};
	sim::Mutex m{&mutex_class};
	World w;
	w.tasks = {[&] {
		MM_FRAME("move_page_tables");
		ptl.lock();
		m.lock();
		m.unlock();
		ptl.unlock();
	}};
	auto r = simtest::run_fixed(w);
	ASSERT_TRUE(r.first());
	EXPECT_EQ(r.first()->kind, sim::ViolationKind::might_sleep);
	EXPECT_NE(r.first()->message.find("holding a spinlock"), std::string::npos);
	ASSERT_FALSE(r.first()->detail.empty());
	EXPECT_NE(r.first()->detail[0].find("ptl taken in move_page_tables"), std::string::npos)
		<< r.first()->detail[0];
}

TEST(MightSleep, MutexOutsideSpinlockIsClean)
{
	sim::SpinLock ptl{&ptl_class};
	sim::Mutex m{&mutex_class};
	World w;
	w.tasks = {[&] {
		m.lock();
		ptl.lock();
		ptl.unlock();
		m.unlock();
	}};
	EXPECT_TRUE(simtest::run_fixed(w).violations.empty());
}

TEST(MightSleep, SynchronizeRcuInsideReaderIsReported)
{
	World w;
	w.tasks = {[&] {
		sim::rcu_read_lock();
		sim::synchronize_rcu();
		sim::rcu_read_unlock();
	}};
	auto r = simtest::run_fixed(w);
	ASSERT_TRUE(r.first());
	EXPECT_EQ(r.first()->kind, sim::ViolationKind::might_sleep);
	EXPECT_NE(r.first()->message.find("RCU read-side"), std::string::npos);
}

TEST(MightSleep, SleepingAllocationWithIrqsOffIsReported)
{
	World w;
	w.tasks = {[&] {
		sim::local_irq_disable();
		if (sim::Engine* e = sim::Engine::active())
			e->might_sleep("GFP_KERNEL allocation");
		sim::local_irq_enable();
	}};
	auto r = simtest::run_fixed(w);
	ASSERT_TRUE(r.first());
	EXPECT_EQ(r.first()->kind, sim::ViolationKind::might_sleep);
	EXPECT_NE(r.first()->message.find("IRQs disabled"), std::string::npos);
}

} // namespace
