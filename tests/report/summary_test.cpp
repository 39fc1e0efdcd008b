#include "report/run_report_builder.hpp"
#include "report/summary.hpp"

#include <gtest/gtest.h>

namespace {

// herd's shape: verdict, Observation with positive and negative counts, time, replay line.
TEST(RenderSummary, PrintsHerdStyleSummaryWithReplayCommand)
{
	EXPECT_EQ(report::render_summary(test_support::lost_update_report()),
	          "Test demo:lost-update (expect: exists violation assertion)\n"
	          "Schedules 40, steps 160, strategy pct seed 1 (stopped at the first violation)\n"
	          "Outcomes 1\n"
	          "  39  counter=2\n"
	          "Violations\n"
	          "  1  assertion\n"
	          "Found assertion in schedule 40: lost update: counter is 1, expected 2\n"
	          "Ok\n"
	          "Observation lost-update Sometimes 1 39\n"
	          "Time lost-update 0.500 s (80 schedules/s)\n"
	          "Replay: mmcheck replay s1.TOKEN demo:lost-update\n");
}

// A clean exhaustive run: Never, no Found line, no replay line; a failed expectation says No.
TEST(RenderSummary, SaysNeverWithoutViolationAndNoOnFailedExpectation)
{
	report::RunReport r;
	r.target = "demo:atomic-counter";
	r.name = "atomic-counter";
	r.expectation = "exists violation assertion";
	r.ok = false;
	r.strategy = "dfs";
	r.result.schedules = 6;
	r.result.steps = 24;
	r.result.exhausted = true;
	std::string got = report::render_summary(r);
	EXPECT_NE(got.find("(exhausted)\n"), std::string::npos) << got;
	EXPECT_NE(got.find("\nNo\nObservation atomic-counter Never 0 6\n"), std::string::npos)
	    << got;
	EXPECT_EQ(got.find("Found"), std::string::npos) << got;
	EXPECT_EQ(got.find("Replay"), std::string::npos) << got;
	EXPECT_EQ(report::replay_command(r), "");
}

// Options that change how a schedule runs travel with the replay command.
TEST(ReplayCommand, CarriesTheOptionsTheReplayNeeds)
{
	report::RunReport r = test_support::lost_update_report();
	r.replay_args = {"--max-steps", "10"};
	EXPECT_EQ(report::replay_command(r),
	          "mmcheck replay s1.TOKEN demo:lost-update --max-steps 10");
}

// Always: every explored schedule showed a violation.
TEST(ObservationWord, IsAlwaysWhenEveryScheduleViolates)
{
	explore::ExploreResult r;
	r.schedules = 3;
	r.schedules_with_violation = 3;
	EXPECT_EQ(report::observation_word(r), "Always");
	r.schedules_with_violation = 0;
	EXPECT_EQ(report::observation_word(r), "Never");
}

// The one-line verdict names the target and what was found.
TEST(RenderVerdictLine, NamesTargetAndFinding)
{
	std::string got = report::render_verdict_line(test_support::lost_update_report());
	EXPECT_EQ(got.rfind("Ok  demo:lost-update", 0), 0u) << got;
	EXPECT_NE(got.find("found assertion in 40 schedules"), std::string::npos) << got;
}

} // namespace
