// Every scenario in scenarios/ is self-describing and says the truth (LKMM judgelitmus):
// its name is its path, the README lists it, and its Result: line matches the runs with
// its Fix: switch in both states, over the scenario's own budget.
#include "litmus/files.hpp"
#include "litmus/result_line.hpp"

#include <gtest/gtest.h>

namespace {

using namespace litmus_test;

class Scenario : public testing::TestWithParam<std::string> {};

// scenarios/<area>/<name>.litmus holds "mmcheck <area>/<name>", a description and a
// Result: line, and scenarios/README names it.
TEST_P(Scenario, IsNamedAfterItsPathAndListedInTheReadme)
{
	const std::string path = GetParam();
	litmus::Scenario s = litmus::load_file(source_dir() + "/" + path);
	const std::string want = path.substr(10, path.size() - 10 - 7); // scenarios/ ... .litmus
	EXPECT_EQ(s.ast.name, want);
	EXPECT_FALSE(s.ast.description.empty());
	EXPECT_FALSE(s.ast.header.results.empty()) << "no Result: line";
	EXPECT_NE(read("scenarios/README").find(want + ".litmus"), std::string::npos)
		<< want << " is not in scenarios/README";
}

TEST_P(Scenario, ResultLineMatchesTheRunsBothWays)
{
	auto s = std::make_shared<const litmus::Scenario>(
	    litmus::load_file(source_dir() + "/" + GetParam()));
	std::vector<litmus::ResultRun> runs = litmus::check_result_line(s, s->config.explore);
	ASSERT_FALSE(runs.empty());
	for (const litmus::ResultRun& r : runs)
		EXPECT_TRUE(r.matches()) << GetParam() << (r.state.empty() ? "" : " with " + r.state)
					 << ": Result: says " << r.expected << ", the run observed " << r.got
					 << " (" << r.verdict.positive << " positive, " << r.verdict.negative
					 << " negative, " << r.result.schedules << " schedules)\n  observed "
					 << litmus::observed_result_line(*s, runs);
}

INSTANTIATE_TEST_SUITE_P(Files, Scenario, testing::ValuesIn(files_below("scenarios", ".litmus")),
			 [](const auto& p) { return param_name(p.param); });

// The library holds the mm-core races and the detector self-tests.
TEST(ScenarioLibrary, HasTheCoreRacesAndSelfTests)
{
	EXPECT_GE(files_below("scenarios/core", ".litmus").size(), 3u);
	EXPECT_GE(files_below("scenarios/selftest", ".litmus").size(), 3u);
}

} // namespace
