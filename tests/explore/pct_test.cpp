// PCT's guarantee, measured: a depth-d bug in n tasks and k steps is found by one schedule
// with probability at least 1/(n k^(d-1)), so in at most n k^(d-1) schedules on average.
#include "explore/test_programs.hpp"

#include <gtest/gtest.h>

namespace explore::testing {
namespace {

constexpr int kPadding = 8; // independent steps before the racy increment, to lengthen k

std::uint64_t schedules_to_find(std::uint64_t seed, int depth, std::uint64_t budget,
                                std::uint64_t k)
{
	Counter p(false, kPadding);
	ExploreOptions o;
	o.strategy = "pct";
	o.pct_depth = depth;
	o.seed = seed;
	o.max_schedules = budget;
	Explorer ex(o);
	const ExploreResult r = ex.explore(p);
	EXPECT_EQ(r.steps, r.schedules * k) << "every schedule should take k steps";
	return r.first ? r.first->schedule_index : 0;
}

// The lost update has depth 2 (load0 < store1 and load1 < store0): over 200 seeds the mean
// number of schedules stays within n*k, and no seed needs more than 20 times that.
TEST(Pct, FindsDepthTwoBugWithinTheoreticalBudget)
{
	const std::uint64_t n = 2;
	const std::uint64_t k = 2 * (kPadding + 2);
	const std::uint64_t bound = n * k;
	std::uint64_t total = 0;
	for (std::uint64_t seed = 1; seed <= 200; ++seed) {
		const std::uint64_t found = schedules_to_find(seed, 2, 20 * bound, k);
		ASSERT_NE(found, 0u) << "seed " << seed << " missed the bug in " << 20 * bound;
		total += found;
	}
	const double mean = static_cast<double>(total) / 200.0;
	EXPECT_LE(mean, static_cast<double>(bound));
	RecordProperty("mean_schedules", std::to_string(mean));
}

// Depth 1 has no change points: the highest-priority task runs to its end, so a depth-2
// bug is never found. This is what makes the test above measure the change points.
TEST(Pct, DepthOneNeverFindsADepthTwoBug)
{
	for (std::uint64_t seed = 1; seed <= 5; ++seed)
		EXPECT_EQ(schedules_to_find(seed, 1, 100, 2 * (kPadding + 2)), 0u);
}

} // namespace
} // namespace explore::testing
