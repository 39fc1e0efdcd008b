// The engine: interleavings, determinism, unwinding after a finding.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <set>

using simtest::World;

namespace {

// Two tasks with k independent stores each interleave in C(2k, k) ways.
TEST(Engine, TwoTasksOfThreeStepsInterleaveTwentyWays)
{
	sim::Atomic<int> a, b;
	World w;
	auto body = [](sim::Atomic<int>& x) {
		for (int i = 0; i < 3; ++i)
			x.store(i);
	};
	w.tasks = {[&] { body(a); }, [&] { body(b); }};
	EXPECT_EQ(simtest::explore_all(w).schedules, 20u);
}

// Lost update: the final value 1 is reachable, and so is 2.
TEST(Engine, LoadStoreCounterLosesAnUpdateInSomeSchedule)
{
	sim::Atomic<int> c;
	std::set<int> finals;
	World w;
	w.setup = [&] { c.init(0); };
	auto inc = [&] { c.store(c.load() + 1); };
	w.tasks = {inc, inc};
	w.check = [&] { finals.insert(c.peek()); };
	auto r = simtest::explore_all(w);
	EXPECT_EQ(r.schedules, 6u);
	EXPECT_EQ(finals, (std::set<int>{1, 2}));
}

// A finding in one task unwinds every task (destructors run: no leak under ASan) and the next
// schedule starts clean.
TEST(Engine, ViolationStopsTheScheduleAndUnwindsAllTasks)
{
	sim::Atomic<int> c;
	static constexpr sim::LockClass cls{"demo_lock"};
	sim::SpinLock l{&cls};
	int destroyed = 0;
	struct Guard {
		int& n;
		~Guard() { ++n; }
	};
	World w;
	w.setup = [&] {
		c.init(0);
		l.owner = -1; // a fresh world each schedule, as Program::setup() builds one
	};
	w.tasks = {[&] {
			   Guard g{destroyed};
			   auto v = std::vector<int>(100); // heap memory on the fiber stack's frame
			   l.lock();
			   c.store(1);
			   l.unlock();
		   },
		   [&] {
			   Guard g{destroyed};
			   if (c.load() == 1)
				   sim::raise(sim::ViolationKind::assertion, "saw 1");
		   }};
	auto r = simtest::explore_all(w);
	ASSERT_FALSE(r.violations.empty());
	EXPECT_EQ(r.first()->kind, sim::ViolationKind::assertion);
	EXPECT_EQ(destroyed, static_cast<int>(2 * r.schedules));
}

// sim::choose() is explored like an interleaving.
TEST(Engine, ValueChoicesAreExploredExhaustively)
{
	std::set<int> seen;
	World w;
	w.tasks = {[&] { seen.insert(sim::choose(3)); }};
	auto r = simtest::explore_all(w);
	EXPECT_EQ(r.schedules, 3u);
	EXPECT_EQ(seen, (std::set<int>{0, 1, 2}));
}

// Violations outside a schedule are thrown, so the model can be unit-tested sequentially.
TEST(Engine, RaiseWithoutEngineThrows)
{
	EXPECT_THROW(sim::raise(sim::ViolationKind::invariant, "x"), sim::ViolationError);
}

} // namespace
