// Replay: a token from a found bug reproduces the same run, step for step, and a schedule
// from another program is refused rather than replayed into nonsense.
#include "explore/test_programs.hpp"

#include <gtest/gtest.h>

namespace explore::testing {
namespace {

void expect_same_trace(const sim::Trace& a, const sim::Trace& b)
{
	EXPECT_EQ(a.task_names, b.task_names);
	ASSERT_EQ(a.steps.size(), b.steps.size());
	for (std::size_t i = 0; i < a.steps.size(); ++i) {
		SCOPED_TRACE("step " + std::to_string(i));
		EXPECT_EQ(a.steps[i].task, b.steps[i].task);
		EXPECT_EQ(a.steps[i].op, b.steps[i].op);
		EXPECT_EQ(a.steps[i].object, b.steps[i].object);
		EXPECT_EQ(a.steps[i].frames, b.steps[i].frames);
		EXPECT_EQ(a.steps[i].result, b.steps[i].result);
	}
}

// Found by random search, saved as a token, decoded and replayed twice: both replays show
// the same steps and end in the violation that was found.
TEST(Replay, TokenReproducesTheSameTrace)
{
	Counter p(false, 2);
	ExploreOptions o;
	o.strategy = "random";
	o.seed = 3;
	Explorer ex(o);
	const ExploreResult r = ex.explore(p);
	ASSERT_TRUE(r.first.has_value());

	const std::uint32_t key = Explorer::program_key(p);
	const std::string token = encode_token(r.first->schedule, key);
	std::string err;
	const auto s = decode_token(token, key, err);
	ASSERT_TRUE(s.has_value()) << err;

	Explorer fresh(o);
	const sim::Trace t1 = fresh.replay(p, *s);
	const sim::Trace t2 = fresh.replay(p, *s);
	expect_same_trace(t1, t2);
	EXPECT_EQ(t1.task_names, (std::vector<std::string>{"P0", "P1", "init"}));
	EXPECT_EQ(t1.steps.size(), 8u);
	ASSERT_TRUE(t1.violation.has_value());
	EXPECT_EQ(t1.violation->message, r.first->violation.message);
	EXPECT_EQ(t1.violation->step, r.first->violation.step);
	// The describer and the frames reach the trace.
	bool saw_counter = false;
	for (const sim::TraceStep& st : t1.steps) {
		saw_counter |= st.object == "counter";
		ASSERT_FALSE(st.frames.empty());
		EXPECT_STREQ(st.frames[0], "counter_inc");
	}
	EXPECT_TRUE(saw_counter);
}

// Replaying through the explorer gives the same violation as the run that found it.
TEST(Replay, ReplayStrategyReproducesTheViolation)
{
	Alternation p;
	Explorer ex(dfs_options(2));
	const ExploreResult r = ex.explore(p);
	ASSERT_TRUE(r.first.has_value());
	auto replay = make_replay(r.first->schedule);
	const ExploreResult again = ex.explore(p, *replay);
	EXPECT_EQ(again.schedules, 1u);
	ASSERT_TRUE(again.first.has_value());
	EXPECT_EQ(again.first->schedule, r.first->schedule);
	EXPECT_EQ(again.first->violation.message, r.first->violation.message);
}

std::string mismatch_of(Program& p, const Schedule& s)
{
	Explorer ex;
	try {
		ex.replay(p, s);
	} catch (const ReplayMismatch& e) {
		return e.what();
	}
	return "(replayed)";
}

// A schedule that does not fit the program is refused, with the first disagreement.
TEST(Replay, RefusesScheduleThatDoesNotFitTheProgram)
{
	IndependentStores p(1); // one decision: who stores first
	Schedule ok{{{false, 1}}};
	EXPECT_EQ(mismatch_of(p, ok), "(replayed)");

	EXPECT_EQ(mismatch_of(p, Schedule{{{false, 5}}}),
	          "token does not match this program: decision 0 picks task 5, which cannot run "
	          "there");
	EXPECT_EQ(mismatch_of(p, Schedule{{{true, 0}}}),
	          "token does not match this program: decision 0 is a value, but the run picks a "
	          "task there");
	EXPECT_EQ(mismatch_of(p, Schedule{}),
	          "token does not match this program: the run needs more than the 0 decisions "
	          "recorded");
	EXPECT_EQ(mismatch_of(p, Schedule{{{false, 0}, {false, 1}}}),
	          "token does not match this program: the run ended after 1 of 2 decisions");
	Choices c;
	EXPECT_EQ(mismatch_of(c, Schedule{{{true, 1}, {true, 5}, {true, 0}}}),
	          "token does not match this program: decision 1 is value 5, out of range for "
	          "choose(3)");
}

} // namespace
} // namespace explore::testing
