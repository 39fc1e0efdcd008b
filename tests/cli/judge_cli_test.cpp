// End-to-end: `mmcheck judge` checks Result: lines in every state of the Fix: switch.
#include "cli/process.hpp"
#include "support/json_check.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

namespace {

using test_support::run_mmcheck;

using test_support::has;
using test_support::kFlush;
using test_support::kInSource;

// A copy of the self-test with its Result: line replaced, in the test's temp dir.
std::string with_result_line(const std::string& result)
{
	std::ifstream in(std::string(MMCHECK_SOURCE_DIR) + "/" + kFlush);
	std::stringstream ss;
	ss << in.rdbuf();
	std::string text = ss.str();
	const std::string old = "Result: Never (mutant off), Sometimes (mutant on)";
	std::size_t at = text.find(old);
	EXPECT_NE(at, std::string::npos);
	text.replace(at, old.size(), result);
	std::filesystem::path dir = std::filesystem::path(testing::TempDir()) / "judge" / "selftest";
	std::filesystem::create_directories(dir);
	std::filesystem::path p = dir / "flush_tlb_mm_range-vs-tlb_lookup.litmus";
	std::ofstream(p) << text;
	return p.string();
}

// Both states are explored; the state with the mutant on finds the race and says how to
// replay it, and the replay command reproduces it.
TEST(CliJudge, TrueResultLineExitsZeroAndReplaysTheFinding)
{
	auto r = run_mmcheck("judge " + kFlush, kInSource);
	ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
	EXPECT_TRUE(has(r.out, "Ok  " + kFlush + " [mutant off]: Never (0 of ")) << r.out;
	EXPECT_TRUE(has(r.out, "Ok  " + kFlush + " [mutant on]: Sometimes (")) << r.out;
	EXPECT_TRUE(has(r.out, "every Result: line holds")) << r.out;
	const std::string mark = "replay: mmcheck ";
	std::size_t at = r.out.find(mark);
	ASSERT_NE(at, std::string::npos) << r.out;
	at += mark.size();
	std::string cmd = r.out.substr(at, r.out.find('\n', at) - at);
	EXPECT_TRUE(has(cmd, "--fix flush_skips_cpu=on")) << cmd;
	auto replay = run_mmcheck(cmd, kInSource);
	EXPECT_EQ(replay.exit_code, 1) << replay.out << replay.err; // a forbidden violation
	EXPECT_TRUE(has(replay.out, "\nBUG: ")) << replay.out;
}

// --traces draws the first violation of each state in CPU columns.
TEST(CliJudge, TracesDrawTheFirstViolationInCpuColumns)
{
	auto r = run_mmcheck("judge --traces " + kFlush, kInSource);
	ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
	EXPECT_TRUE(has(r.out, "P0 (A)")) << r.out;
	EXPECT_TRUE(has(r.out, "\nBUG: ")) << r.out;
}

// A Result: line the runs contradict: exit 1, the state that differs, what was observed.
TEST(CliJudge, FalseResultLineExitsOneWithTheObservedLine)
{
	std::string path = with_result_line("Result: Never (mutant off), Never (mutant on)");
	auto r = run_mmcheck("judge " + path);
	ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
	EXPECT_TRUE(has(r.out, "No  " + path + " [mutant on]: Sometimes, but the Result: line says Never"))
		<< r.out;
	EXPECT_TRUE(has(r.out, "observed: Result: Never (mutant off), Sometimes (mutant on)")) << r.out;
	EXPECT_TRUE(has(r.out, "some Result: lines do not hold")) << r.out;
}

// JSON: one document, one run per state.
TEST(CliJudge, JsonPrintsOneDocumentWithARunPerState)
{
	auto r = run_mmcheck("judge --json " + kFlush, kInSource);
	ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
	EXPECT_TRUE(test_support::json_valid(r.out)) << r.out;
	EXPECT_TRUE(has(r.out, "\"ok\":true")) << r.out;
	EXPECT_TRUE(has(r.out, "flush_skips_cpu=on")) << r.out;
}

// Bad input: --fix (the Fix: line decides), a demo, a file without Result:, a missing file.
TEST(CliJudge, BadInputExitsTwo)
{
	auto r = run_mmcheck("judge " + kFlush + " --fix flush_skips_cpu=on", kInSource);
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_TRUE(has(r.err, "judge: --fix/MMCHECK_FIX cannot be used")) << r.err;
	r = run_mmcheck("judge demo:all", kInSource);
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_TRUE(has(r.err, "is a demo; demos have no Result: line")) << r.err;
	r = run_mmcheck("judge README.md", kInSource);
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_TRUE(has(r.err, "is not a .litmus file or a directory")) << r.err;
	r = run_mmcheck("judge docs/example.litmus", kInSource);
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_TRUE(has(r.err, "has no Result: line")) << r.err;
	r = run_mmcheck("judge scenarios/core/nosuch.litmus", kInSource);
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_EQ(r.err, "mmcheck: cannot read 'scenarios/core/nosuch.litmus': no such file or directory\n");
	r = run_mmcheck("judge scenarios/nosuch/", kInSource);
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_EQ(r.err, "mmcheck: cannot read 'scenarios/nosuch/': no such file or directory\n");
	r = run_mmcheck("judge", kInSource);
	EXPECT_EQ(r.exit_code, 2);
}

} // namespace
