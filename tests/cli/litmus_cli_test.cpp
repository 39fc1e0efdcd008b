// End-to-end: the mmcheck binary on .litmus files, as a user runs it from the source tree.
// Exit codes 0 (expectation holds), 1 (a finding), 2 (bad input), and what is printed.
#include "cli/process.hpp"
#include "support/json_check.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

namespace {

using test_support::run_mmcheck;

using test_support::has;
using test_support::kFlush;
using test_support::kInSource;

using test_support::replay_line;

// A scenario whose expectation holds: exit 0, herd summary with its observation.
TEST(CliLitmus, CleanScenarioExitsZeroWithHerdSummary)
{
	auto r = run_mmcheck("run scenarios/core/move_ptes-vs-do_anonymous_page.litmus", kInSource);
	ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
	EXPECT_TRUE(has(r.out, "Test scenarios/core/move_ptes-vs-do_anonymous_page.litmus (expect: forbid violation)\n"))
		<< r.out;
	EXPECT_TRUE(has(r.out, "strategy dfs seed 1 (exhausted)\n")) << r.out; // the config block's defaults
	EXPECT_TRUE(has(r.out, "\nOk\nObservation core/move_ptes-vs-do_anonymous_page Never 0 ")) << r.out;
	EXPECT_TRUE(has(r.out, "P0:r0=0x40400000;")) << r.out; // outcomes list the registers
}

// A directory runs every .litmus file below it, in name order, and prints the verdicts.
TEST(CliLitmus, DirectoryRunsEveryScenario)
{
	auto r = run_mmcheck("run scenarios/", kInSource);
	ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
	EXPECT_TRUE(has(r.out, "\nVerdicts\n")) << r.out;
	for (const char* f : {"core/do_anonymous_page-vs-zap_pte_range", "core/dup_mmap-vs-do_wp_page",
			      "core/move_ptes-vs-do_anonymous_page", "selftest/flush_tlb_mm_range-vs-tlb_lookup"})
		EXPECT_TRUE(has(r.out, std::string("Ok  scenarios/") + f)) << f << "\n" << r.out;
	EXPECT_FALSE(has(r.out, "\nNo  ")) << r.out;
}

// --fix flips a switch: the self-test's mutant is found, exit 1, the trimmed trace in CPU
// columns, the violation, and last the replay command carrying the switch.
TEST(CliLitmus, FlippedSwitchFindsTheBugAndPrintsTraceThenReplay)
{
	auto r = run_mmcheck("run " + kFlush + " --fix flush_skips_cpu=on", kInSource);
	ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
	EXPECT_TRUE(has(r.out, "Switches flush_skips_cpu=on\n")) << r.out;
	EXPECT_TRUE(has(r.out, "\nNo\n")) << r.out;
	EXPECT_TRUE(has(r.out, "P0 (A)")) << r.out;
	EXPECT_TRUE(has(r.out, "zap_pte_range: xchg(pte 0x40000000 (A))")) << r.out;
	EXPECT_TRUE(has(r.out, "(init took ")) << r.out;
	EXPECT_TRUE(has(r.out, "\nBUG: ")) << r.out;
	std::string cmd = replay_line(r.out);
	EXPECT_TRUE(has(cmd, " " + kFlush + " --fix flush_skips_cpu=on")) << cmd;
	EXPECT_LT(r.out.find("\nBUG: "), r.out.find("Replay: ")) << r.out;
	// The environment variable does the same.
	auto e = run_mmcheck("run " + kFlush, kInSource + " MMCHECK_FIX=flush_skips_cpu=on");
	EXPECT_EQ(e.exit_code, 1) << e.out << e.err;
	EXPECT_EQ(replay_line(e.out), cmd);
}

// The printed replay command reproduces the finding; --full prints every step.
TEST(CliLitmus, ReplayReproducesTheFindingAndFullShowsEveryStep)
{
	auto run = run_mmcheck("run " + kFlush + " --fix flush_skips_cpu=on", kInSource);
	std::string cmd = replay_line(run.out);
	ASSERT_FALSE(cmd.empty()) << run.out;
	auto r = run_mmcheck(cmd, kInSource);
	EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
	EXPECT_TRUE(has(r.out, "Switch flush_skips_cpu=on\n")) << r.out;
	EXPECT_TRUE(has(r.out, "\nBUG: ")) << r.out;
	EXPECT_FALSE(has(r.out, "__pud_alloc")) << r.out; // init's steps are trimmed
	auto full = run_mmcheck(cmd + " --full", kInSource);
	EXPECT_EQ(full.exit_code, 1);
	EXPECT_TRUE(has(full.out, "__pud_alloc")) << full.out;
	EXPECT_GT(full.out.size(), r.out.size());
	// Without the switch it is another program: the token is refused, not misread.
	std::string no_fix = cmd.substr(0, cmd.find(" --fix"));
	auto refused = run_mmcheck(no_fix, kInSource);
	EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
	EXPECT_TRUE(has(refused.err, "bad token")) << refused.err;
}

// A condition expectation counts witnesses; a clean replay prints the final state.
TEST(CliLitmus, ConditionExpectationCountsWitnesses)
{
	auto r = run_mmcheck("explore scenarios/core/dup_mmap-vs-do_wp_page+child-snapshot.litmus", kInSource);
	ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
	EXPECT_TRUE(has(r.out, "(expect: exists (P0:r0=2))")) << r.out;
	EXPECT_TRUE(has(r.out, "Observation core/dup_mmap-vs-do_wp_page+child-snapshot Sometimes ")) << r.out;
	auto json = run_mmcheck("run scenarios/core/dup_mmap-vs-do_wp_page+child-snapshot.litmus --json", kInSource);
	EXPECT_EQ(json.exit_code, 0);
	EXPECT_TRUE(test_support::json_valid(json.out)) << json.out;
	EXPECT_TRUE(has(json.out, "\"observation\":{\"result\":\"Sometimes\"")) << json.out;
}

// Every bad-input file: exit 2 and exactly its golden diagnostic on stderr.
TEST(CliLitmus, BadInputExitsTwoWithItsGoldenDiagnostic)
{
	namespace fs = std::filesystem;
	std::vector<std::string> files;
	for (const auto& e : fs::directory_iterator(MMCHECK_SOURCE_DIR "/tests/litmus/bad"))
		if (e.path().extension() == ".litmus")
			files.push_back(e.path().filename().string());
	std::sort(files.begin(), files.end());
	ASSERT_GE(files.size(), 30u);
	for (const std::string& f : files) {
		std::string base = "tests/litmus/bad/" + f.substr(0, f.size() - 7);
		std::ifstream in(std::string(MMCHECK_SOURCE_DIR "/") + base + ".expected-failure");
		std::ostringstream golden;
		golden << in.rdbuf();
		auto r = run_mmcheck("run " + base + ".litmus", kInSource);
		EXPECT_EQ(r.exit_code, 2) << f << "\n" << r.out << r.err;
		EXPECT_EQ(r.err, golden.str()) << f;
		EXPECT_EQ(r.out, "") << f;
	}
}

// A bad switch on the command line, a missing file: exit 2 with a clear message.
TEST(CliLitmus, BadSwitchOrMissingFileExitsTwo)
{
	auto r = run_mmcheck("run " + kFlush + " --fix flush_skip_cpu=on", kInSource);
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_EQ(r.err, "mmcheck: --fix: unknown switch 'flush_skip_cpu' (expected a fix, proposal or mutant; see mmcheck list)\n");
	r = run_mmcheck("run " + kFlush + " --fix flush_skips_cpu", kInSource);
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_TRUE(has(r.err, "--fix: expected NAME=on or NAME=off, got 'flush_skips_cpu'")) << r.err;
	r = run_mmcheck("run " + kFlush, kInSource + " MMCHECK_FIX=nosuch=on");
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_TRUE(has(r.err, "MMCHECK_FIX: unknown switch 'nosuch'")) << r.err;
	r = run_mmcheck("run scenarios/core/nosuch.litmus", kInSource);
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_EQ(r.err, "mmcheck: cannot read 'scenarios/core/nosuch.litmus': no such file\n");
}

// list: the scenarios under ./scenarios, the demos, every switch with its kind and doc.
TEST(CliLitmus, ListShowsScenariosDemosAndSwitches)
{
	auto r = run_mmcheck("list", kInSource);
	ASSERT_EQ(r.exit_code, 0) << r.err;
	EXPECT_TRUE(has(r.out, "Scenarios (mmcheck run FILE|DIR):\n  scenarios/core/")) << r.out;
	EXPECT_TRUE(has(r.out, "[Fix: flush_skips_cpu]")) << r.out;
	EXPECT_TRUE(has(r.out, "demo:lost-update")) << r.out;
	EXPECT_TRUE(has(r.out, "flush_skips_cpu")) << r.out;
	EXPECT_TRUE(has(r.out, "mutant   default off")) << r.out;
	auto j = run_mmcheck("list --json", kInSource);
	EXPECT_EQ(j.exit_code, 0);
	EXPECT_TRUE(test_support::json_valid(j.out)) << j.out;
	EXPECT_TRUE(has(j.out, "\"kind\":\"mutant\"")) << j.out;
	auto d = run_mmcheck("list tests/litmus/good", kInSource);
	EXPECT_TRUE(has(d.out, "tests/litmus/good/every_construct.litmus")) << d.out;
}

} // namespace
