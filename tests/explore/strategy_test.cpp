// Strategy construction from the knobs, and determinism of the seeded strategies.
#include "explore/test_programs.hpp"

#include <gtest/gtest.h>

namespace explore::testing {
namespace {

std::string error_of(const ExploreOptions& o)
{
	try {
		make_strategy(o);
	} catch (const std::invalid_argument& e) {
		return e.what();
	}
	return "(no error)";
}

// A bad value names the knob, as the user typed it.
TEST(MakeStrategy, RejectsBadValuesNamingTheKnob)
{
	ExploreOptions o;
	o.strategy = "foo";
	EXPECT_EQ(error_of(o), "--strategy: unknown strategy 'foo' (expected random, pct or dfs)");
	o.strategy = "pct";
	o.pct_depth = 0;
	EXPECT_EQ(error_of(o), "--pct-depth: must be at least 1 (got 0)");
}

// Each name gives the strategy of that name.
TEST(MakeStrategy, BuildsTheNamedStrategy)
{
	for (const char* n : {"random", "pct", "dfs"}) {
		ExploreOptions o;
		o.strategy = n;
		EXPECT_EQ(make_strategy(o)->name(), n);
	}
}

std::vector<Schedule> run_seed(const char* strategy, std::uint64_t seed)
{
	IndependentStores p(4);
	ExploreOptions o;
	o.strategy = strategy;
	o.seed = seed;
	o.max_schedules = 20;
	Explorer ex(o);
	Spy spy(make_strategy(o));
	ex.explore(p, spy);
	return spy.schedules;
}

// The same seed explores the same schedules; another seed explores others.
TEST(Random, SameSeedSameSchedulesOtherSeedOthers)
{
	EXPECT_EQ(run_seed("random", 42), run_seed("random", 42));
	EXPECT_NE(run_seed("random", 42), run_seed("random", 43));
}

// PCT is deterministic for a seed too.
TEST(Pct, SameSeedSameSchedulesOtherSeedOthers)
{
	EXPECT_EQ(run_seed("pct", 42), run_seed("pct", 42));
	EXPECT_NE(run_seed("pct", 42), run_seed("pct", 43));
}

// A random walk over 2 x 4 steps reaches many different interleavings, not one.
TEST(Random, SpreadsOverInterleavings)
{
	const auto ss = run_seed("random", 7);
	EXPECT_GE(distinct(ss).size(), 10u);
}

// Uniform among enabled tasks at each step: three one-step tasks give each of the 6 orders
// with probability 1/2 * 1/3 = 1/6 (about 500 of 3000; 400..600 is over 4 sigma).
TEST(Random, PicksUniformlyAmongEnabledTasks)
{
	IndependentStores p(1, 3);
	ExploreOptions o;
	o.strategy = "random";
	o.max_schedules = 3000;
	Explorer ex(o);
	const ExploreResult r = ex.explore(p);
	ASSERT_EQ(r.outcomes.size(), 6u);
	for (const auto& [order, n] : r.outcomes) {
		EXPECT_GE(n, 400u) << order;
		EXPECT_LE(n, 600u) << order;
	}
}

} // namespace
} // namespace explore::testing
