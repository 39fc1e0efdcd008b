#include "report/json.hpp"
#include "report/run_report_builder.hpp"
#include "support/json_check.hpp"

#include <gtest/gtest.h>

namespace {

bool has(const std::string& s, const std::string& part)
{
	return s.find(part) != std::string::npos;
}

// The JSON carries what the summary says: verdict, counts, observation, found violation, replay.
TEST(ToJson, CarriesTheSummaryFields)
{
	std::string j = report::to_json(test_support::lost_update_report());
	ASSERT_TRUE(test_support::json_valid(j)) << j;
	EXPECT_TRUE(has(j, R"("target":"demo:lost-update")")) << j;
	EXPECT_TRUE(has(j, R"("verdict":"Ok","ok":true)")) << j;
	EXPECT_TRUE(has(j, R"("schedules":40,"steps":160)")) << j;
	EXPECT_TRUE(has(j, R"("outcomes":{"counter=2":39})")) << j;
	EXPECT_TRUE(has(j, R"("observation":{"result":"Sometimes","positive":1,"negative":39})"))
	    << j;
	EXPECT_TRUE(
	    has(j, R"("kind":"assertion","message":"lost update: counter is 1, expected 2")"))
	    << j;
	EXPECT_TRUE(has(j, R"("replay":"mmcheck replay s1.TOKEN demo:lost-update")")) << j;
	EXPECT_FALSE(has(j, R"("trace")")) << j;
}

// With a trace attached, every step is in it, and the document of several runs stays valid.
TEST(ToJson, IncludesTheTraceAndWrapsSeveralRuns)
{
	report::RunReport r = test_support::lost_update_report();
	r.trace = test_support::lost_update_trace();
	r.trace->steps[0].note = "say \"hi\"\n";
	std::vector<report::RunReport> runs = {r, test_support::lost_update_report()};
	runs[1].ok = false;
	std::string j = report::to_json(runs, "mmcheck 0.1.0");
	ASSERT_TRUE(test_support::json_valid(j)) << j;
	EXPECT_EQ(j.rfind(R"({"mmcheck":"mmcheck 0.1.0","ok":false,"runs":[)", 0), 0u) << j;
	EXPECT_TRUE(has(j, R"("tasks":["P0","P1"])")) << j;
	EXPECT_TRUE(has(j, R"("step":4,"task":1,"op":"WRITE_ONCE","frames":["counter_inc"])")) << j;
	EXPECT_TRUE(has(j, R"("note":"say \"hi\"\n")")) << j;
}

} // namespace
