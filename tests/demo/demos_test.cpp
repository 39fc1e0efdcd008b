#include "demo/demo.hpp"

#include <gtest/gtest.h>

#include <set>

namespace {

explore::ExploreResult explore_demo(const demo::Demo& d, const std::string& strategy)
{
	explore::ExploreOptions opt;
	opt.strategy = strategy;
	opt.max_schedules = 2000;
	explore::Explorer ex(opt);
	auto p = d.make();
	return ex.explore(*p);
}

class EveryDemo : public testing::TestWithParam<std::string> {};

// Each demo meets its expectation under every strategy: the racy ones are found, the
// correct ones stay clean.
TEST_P(EveryDemo, MeetsItsExpectationUnderEveryStrategy)
{
	const demo::Demo* d = demo::find_demo(GetParam());
	ASSERT_NE(d, nullptr);
	for (const char* strategy : {"random", "pct", "dfs"}) {
		explore::ExploreResult r = explore_demo(*d, strategy);
		std::string found =
		    r.first ? std::string(sim::violation_name(r.first->violation.kind)) + ": " +
		                  r.first->violation.message
		            : "nothing";
		EXPECT_TRUE(d->expect.holds(r))
		    << d->name << " with " << strategy << ": expected " << d->expect.describe()
		    << ", found " << found << " in " << r.schedules << " schedules";
	}
}

std::vector<std::string> demo_names()
{
	std::vector<std::string> names;
	for (const demo::Demo& d : demo::demos())
		names.push_back(d.name);
	return names;
}

INSTANTIATE_TEST_SUITE_P(Demos, EveryDemo, testing::ValuesIn(demo_names()),
                         [](const testing::TestParamInfo<std::string>& i) {
	                         std::string n = i.param;
	                         for (char& c : n)
		                         c = c == '-' ? '_' : c;
	                         return n;
                         });

// Names are unique and each demo has a description and a program of that name.
TEST(DemoRegistry, NamesAreUniqueAndMatchTheirPrograms)
{
	std::set<std::string> seen;
	for (const demo::Demo& d : demo::demos()) {
		EXPECT_TRUE(seen.insert(d.name).second) << d.name;
		EXPECT_FALSE(d.description.empty()) << d.name;
		EXPECT_EQ(d.make()->name(), d.name);
	}
	EXPECT_EQ(demo::find_demo("no-such-demo"), nullptr);
}

// An expected kind must be found; another kind, or nothing, fails the expectation.
TEST(DemoExpectation, HoldsOnlyForTheExpectedKinds)
{
	demo::Expectation e{true, {sim::ViolationKind::deadlock, sim::ViolationKind::lock_order}};
	EXPECT_EQ(e.describe(), "exists violation deadlock|lock-order-inversion");
	explore::ExploreResult r;
	r.schedules = 5;
	EXPECT_FALSE(e.holds(r));
	r.violations["lock-order-inversion"] = 1;
	EXPECT_TRUE(e.holds(r));
	r.violations["use-after-free"] = 1;
	EXPECT_FALSE(e.holds(r));

	demo::Expectation none;
	EXPECT_EQ(none.describe(), "forbid violation");
	EXPECT_FALSE(none.holds(r));
	EXPECT_TRUE(none.holds(explore::ExploreResult{}));
}

} // namespace
