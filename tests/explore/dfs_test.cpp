// Exhaustive search: exact schedule counts (an explorer that loses or repeats a schedule
// fails here), the preemption bound, and value choices.
#include "explore/test_programs.hpp"

#include <gtest/gtest.h>

namespace explore::testing {
namespace {

// Every interleaving of 2 x k independent steps is visited, each exactly once.
TEST(Dfs, UnboundedVisitsEveryInterleavingOfTwoTasksExactlyOnce)
{
	for (int k = 1; k <= 5; ++k) {
		SCOPED_TRACE("k=" + std::to_string(k));
		IndependentStores p(k);
		Explorer ex(dfs_options(-1));
		Spy spy(make_dfs(-1));
		const ExploreResult r = ex.explore(p, spy);
		const std::uint64_t expect = binomial(2 * k, k);
		EXPECT_EQ(r.schedules, expect);
		EXPECT_TRUE(r.exhausted);
		EXPECT_EQ(distinct(spy.schedules).size(), expect);
		// The orders the program itself saw are all different, too.
		EXPECT_EQ(r.outcomes.size(), expect);
		for (const auto& [order, n] : r.outcomes)
			EXPECT_EQ(n, 1u) << order;
	}
}

// With three tasks a decision has several untried alternatives: all (3k)!/(k!)^3 orders.
TEST(Dfs, UnboundedVisitsEveryInterleavingOfThreeTasksExactlyOnce)
{
	const std::uint64_t expect[] = {0, 6, 90, 1680};
	for (int k = 1; k <= 3; ++k) {
		SCOPED_TRACE("k=" + std::to_string(k));
		IndependentStores p(k, 3);
		Explorer ex(dfs_options(-1));
		const ExploreResult r = ex.explore(p);
		EXPECT_EQ(r.schedules, expect[k]);
		EXPECT_EQ(r.outcomes.size(), expect[k]);
		EXPECT_TRUE(r.exhausted);
	}
}

// Bound 0: only the first pick is free, then each task runs to completion.
TEST(Dfs, PreemptionBoundZeroRunsEachTaskToCompletion)
{
	IndependentStores p(4);
	Explorer ex(dfs_options(0));
	const ExploreResult r = ex.explore(p);
	EXPECT_EQ(r.schedules, 2u);
	EXPECT_TRUE(r.exhausted);
	EXPECT_EQ(r.outcomes.count("00001111"), 1u);
	EXPECT_EQ(r.outcomes.count("11110000"), 1u);
}

// Bound 1 on 2 x k steps: the first task runs j = 1..k steps (j < k preempts it once), the
// other runs to the end, the first finishes: k schedules per first task.
TEST(Dfs, PreemptionBoundOneGivesExactlyTwoKSchedules)
{
	for (int k = 1; k <= 5; ++k) {
		SCOPED_TRACE("k=" + std::to_string(k));
		IndependentStores p(k);
		Explorer ex(dfs_options(1));
		const ExploreResult r = ex.explore(p);
		EXPECT_EQ(r.schedules, static_cast<std::uint64_t>(2 * k));
		EXPECT_EQ(r.outcomes.size(), static_cast<std::size_t>(2 * k));
		EXPECT_TRUE(r.exhausted);
	}
}

// P0 P1 P0 P1 needs two preemptions: bound 1 covers its space without the bug, bound 2
// finds it.
TEST(Dfs, BugNeedingTwoPreemptionsIsFoundWithBoundTwoNotOne)
{
	Alternation p;
	{
		Explorer ex(dfs_options(1));
		const ExploreResult r = ex.explore(p);
		EXPECT_TRUE(r.exhausted);
		EXPECT_FALSE(r.first.has_value());
	}
	{
		Explorer ex(dfs_options(2));
		const ExploreResult r = ex.explore(p);
		ASSERT_TRUE(r.first.has_value());
		EXPECT_EQ(r.first->violation.message, "P0 and P1 alternated");
	}
}

// sim::choose() values are explored like interleavings, in every phase.
TEST(Dfs, EnumeratesValueChoices)
{
	Choices p;
	Explorer ex(dfs_options(-1));
	Spy spy(make_dfs(-1));
	const ExploreResult r = ex.explore(p, spy);
	EXPECT_EQ(r.schedules, 12u);
	EXPECT_TRUE(r.exhausted);
	EXPECT_EQ(r.outcomes.size(), 12u);
	EXPECT_EQ(distinct(spy.schedules).size(), 12u);
	for (const Schedule& s : spy.schedules) {
		ASSERT_EQ(s.decisions.size(), 3u);
		for (const Decision& d : s.decisions)
			EXPECT_TRUE(d.is_value);
	}
}

// A search whose last schedule is the max_schedules-th still reports it covered its space;
// one schedule fewer does not.
TEST(Dfs, ReportsExhaustedWhenTheBudgetEndsExactlyAtTheLastSchedule)
{
	IndependentStores p(2);
	ExploreOptions o = dfs_options(-1);
	o.max_schedules = 6;
	EXPECT_TRUE(Explorer(o).explore(p).exhausted);
	o.max_schedules = 5;
	const ExploreResult r = Explorer(o).explore(p);
	EXPECT_FALSE(r.exhausted);
	EXPECT_EQ(r.schedules, 5u);
}

// A single task with no choices is one schedule, then the search is exhausted.
TEST(Dfs, ProgramWithoutChoicesIsOneSchedule)
{
	class Lone : public Program {
	public:
		std::string name() const override { return "lone"; }
		int num_tasks() const override { return 1; }
		void setup() override {}
		void run(int) override { x_.store(1); }

	private:
		sim::Atomic<int> x_;
	} p;
	Explorer ex(dfs_options(-1));
	const ExploreResult r = ex.explore(p);
	EXPECT_EQ(r.schedules, 1u);
	EXPECT_TRUE(r.exhausted);
}

} // namespace
} // namespace explore::testing
