// End-to-end: the mmcheck binary as a user runs it. Budgets are small so the suite stays
// fast under the sanitizers; every demo reaches its verdict well within them.
#include "cli/process.hpp"
#include "support/json_check.hpp"

#include <gtest/gtest.h>

namespace {

using test_support::run_mmcheck;

using test_support::has;

// The main job: every demo meets its expectation, and the verdict table lists all of them.
TEST(CliRun, DemoAllExitsZeroWithEveryVerdictOk)
{
	auto r = run_mmcheck("run demo:all --schedules 2000");
	ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
	EXPECT_TRUE(has(r.out, "\nVerdicts\n")) << r.out;
	for (const char* d :
	     {"lost-update", "atomic-counter", "abba-deadlock", "mutex-under-spinlock",
	      "ipi-vs-irqs-off", "rcu-use-after-free", "trylock-livelock"})
		EXPECT_TRUE(has(r.out, std::string("Ok  demo:") + d)) << d << "\n" << r.out;
	EXPECT_FALSE(has(r.out, "No  demo:")) << r.out;
	// Expected findings are shown briefly, with how to replay them.
	EXPECT_TRUE(has(r.out, "Found assertion in schedule")) << r.out;
	EXPECT_TRUE(has(r.out, "Replay: mmcheck replay ")) << r.out;
}

// A bad value is bad input: exit 2, and the message names the flag.
TEST(CliRun, BadFlagValueExitsTwoNamingTheKnob)
{
	auto r = run_mmcheck("run demo:all --schedules abc");
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_EQ(r.err, "mmcheck: --schedules: expected a non-negative integer, got 'abc'\n");
	r = run_mmcheck("run demo:all --strategy bfs");
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_TRUE(has(r.err, "--strategy: expected one of random, pct, dfs, got 'bfs'")) << r.err;
	r = run_mmcheck("run demo:all --pct-depth=0");
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_TRUE(has(r.err, "--pct-depth: expected a positive integer, got '0'")) << r.err;
	r = run_mmcheck("run demo:all --seed");
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_TRUE(has(r.err, "--seed: missing value")) << r.err;
}

// Environment variables set knobs too; a bad one is named, and a flag wins over it.
TEST(CliRun, EnvironmentSetsKnobsAndFlagsWin)
{
	auto r = run_mmcheck("run demo:atomic-counter", "MMCHECK_SEED=x");
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_EQ(r.err, "mmcheck: MMCHECK_SEED: expected a non-negative integer, got 'x'\n");
	r = run_mmcheck("run demo:atomic-counter", "MMCHECK_SCHEDULES=3");
	EXPECT_EQ(r.exit_code, 0) << r.err;
	EXPECT_TRUE(has(r.out, "Schedules 3,")) << r.out;
	r = run_mmcheck("run demo:atomic-counter --schedules 7", "MMCHECK_SCHEDULES=abc");
	EXPECT_EQ(r.exit_code, 0) << r.err;
	EXPECT_TRUE(has(r.out, "Schedules 7,")) << r.out;
}

// Unknown demos, options, commands and missing targets are usage errors.
TEST(CliRun, UnknownTargetOptionOrCommandExitsTwo)
{
	auto r = run_mmcheck("run demo:nosuch");
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_TRUE(has(r.err, "mmcheck: unknown demo 'nosuch'")) << r.err;
	r = run_mmcheck("run nosuch.txt");
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_TRUE(has(r.err, "unknown target 'nosuch.txt'")) << r.err;
	r = run_mmcheck("run demo:all --frobnicate");
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_TRUE(has(r.err, "unknown option '--frobnicate'")) << r.err;
	EXPECT_EQ(run_mmcheck("run").exit_code, 2);
	EXPECT_EQ(run_mmcheck("frobnicate").exit_code, 2);
	EXPECT_EQ(run_mmcheck("").exit_code, 2);
	EXPECT_TRUE(r.out.empty()) << r.out;
}

// A failed expectation exits 1 and shows the failing schedule's trace and replay command.
TEST(CliRun, FailedExpectationExitsOneWithTrace)
{
	// A step budget of 1 turns the clean atomic counter into a step-budget finding.
	auto r = run_mmcheck("run demo:atomic-counter --max-steps 1");
	EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
	EXPECT_TRUE(has(r.out, "\nNo\n")) << r.out;
	EXPECT_TRUE(has(r.out, "Trace of the failing schedule")) << r.out;
	EXPECT_TRUE(has(r.out, "BUG: step-budget")) << r.out;
	EXPECT_TRUE(has(r.out, "Replay: mmcheck replay ")) << r.out;
	// The report ends with the violation, then the replay command.
	EXPECT_LT(r.out.find("BUG: step-budget"), r.out.find("Replay: mmcheck replay ")) << r.out;
	EXPECT_EQ(r.out.find('\n', r.out.find("Replay: mmcheck replay ")) + 1, r.out.size()) << r.out;
}

using test_support::replay_line;

// The printed replay command reproduces the violation, step for step.
TEST(CliReplay, PrintedTokenReproducesTheViolation)
{
	auto r = run_mmcheck("run demo:lost-update");
	ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
	std::string cmd = replay_line(r.out);
	ASSERT_FALSE(cmd.empty()) << r.out;
	auto a = run_mmcheck(cmd);
	EXPECT_EQ(a.exit_code, 0) << a.out << a.err; // the expected violation is there
	EXPECT_TRUE(has(a.out, "BUG: assertion: lost update: counter is 1, expected 2")) << a.out;
	EXPECT_TRUE(has(a.out, "counter_inc: WRITE_ONCE(counter)")) << a.out;
	auto b = run_mmcheck(cmd + " --full");
	EXPECT_EQ(a.out, b.out) << "a 4-step trace has nothing to trim";
}

// A forbidden violation's replay exits 1: the bug is still there.
TEST(CliReplay, ForbiddenViolationReplayExitsOne)
{
	auto r = run_mmcheck("run demo:atomic-counter --max-steps 1");
	std::string cmd = replay_line(r.out);
	ASSERT_FALSE(cmd.empty()) << r.out;
	EXPECT_TRUE(has(cmd, " --max-steps 1")) << cmd; // the replay runs with the same budget
	auto a = run_mmcheck(cmd);
	EXPECT_EQ(a.exit_code, 1) << a.out << a.err;
	EXPECT_TRUE(has(a.out, "BUG: step-budget")) << a.out;
}

// A malformed token, or one recorded from another program, is bad input.
TEST(CliReplay, BadOrForeignTokenExitsTwo)
{
	auto r = run_mmcheck("replay garbage demo:lost-update");
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_TRUE(has(r.err, "mmcheck: replay: bad token 'garbage'")) << r.err;
	auto run = run_mmcheck("run demo:lost-update");
	std::string cmd = replay_line(run.out);
	ASSERT_FALSE(cmd.empty());
	std::string token = cmd.substr(7, cmd.find(' ', 7) - 7);
	r = run_mmcheck("replay " + token + " demo:rcu-use-after-free");
	EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
	EXPECT_EQ(run_mmcheck("replay " + token).exit_code, 2);
	EXPECT_EQ(run_mmcheck("replay " + token + " demo:all").exit_code, 2);
}

// --json prints one well-formed document with the summary's fields, and nothing else.
TEST(CliJson, RunPrintsOneBalancedDocument)
{
	auto r = run_mmcheck("run demo:lost-update demo:atomic-counter --json --schedules 500");
	ASSERT_EQ(r.exit_code, 0) << r.err;
	EXPECT_TRUE(test_support::json_valid(r.out)) << r.out;
	for (const char* key : {"\"mmcheck\":", "\"ok\":true", "\"runs\":[", "\"verdict\":\"Ok\"",
	                        "\"observation\":", "\"schedules\":500",
	                        "\"outcomes\":", "\"found\":", "\"replay\":\"mmcheck replay "})
		EXPECT_TRUE(has(r.out, key)) << key << "\n" << r.out;
	auto f = run_mmcheck("run demo:atomic-counter --json --max-steps 1");
	EXPECT_EQ(f.exit_code, 1);
	EXPECT_TRUE(test_support::json_valid(f.out)) << f.out;
	EXPECT_TRUE(has(f.out, "\"trace\":{\"tasks\":")) << f.out;
}

// explore spends the whole budget: the Observation counts every violating schedule.
TEST(CliExplore, KeepsGoingPastTheFirstViolation)
{
	auto r = run_mmcheck("explore demo:mutex-under-spinlock --schedules 50");
	EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
	EXPECT_TRUE(has(r.out, "Observation mutex-under-spinlock Always 50 0")) << r.out;
}

// --version, --help and list work and exit 0.
TEST(CliMisc, VersionHelpAndListExitZero)
{
	auto v = run_mmcheck("--version");
	EXPECT_EQ(v.exit_code, 0);
	EXPECT_EQ(v.out.rfind("mmcheck ", 0), 0u) << v.out;
	auto h = run_mmcheck("--help");
	EXPECT_EQ(h.exit_code, 0);
	for (const char* w :
	     {"run", "explore", "replay", "list", "MMCHECK_SCHEDULES", "--keep-going"})
		EXPECT_TRUE(has(h.out, w)) << w;
	auto l = run_mmcheck("list");
	EXPECT_EQ(l.exit_code, 0);
	EXPECT_TRUE(has(l.out, "demo:trylock-livelock")) << l.out;
}

} // namespace
