#include "report/columns.hpp"
#include "report/text.hpp"
#include "report/trace_builder.hpp"

#include <gtest/gtest.h>

namespace {

// What an LKML race picture of the lost update looks like.
const char* const kGoldenLostUpdate =
    "   P0                                     P1\n"
    "   ------------------------------------   ------------------------------------\n"
    "1  counter_inc: READ_ONCE(counter) = 0\n"
    "2*                                        counter_inc: READ_ONCE(counter) = 0\n"
    "3* counter_inc: WRITE_ONCE(counter) = 1\n"
    "4                                         counter_inc: WRITE_ONCE(counter) = 1\n"
    "(* = preemption: the previous task could have gone on)\n"
    "\n"
    "BUG: assertion: lost update: counter is 1, expected 2\n"
    "  step 4, in check_counter\n"
    "  a store overwrote the other task's increment\n";

using test_support::step;

// The lost update drawn as on LKML: one column per CPU, function: op(object) = result.
TEST(RenderColumns, DrawsEachStepInItsTasksColumn)
{
	std::string got = report::render_columns(test_support::lost_update_trace());
	EXPECT_EQ(got, kGoldenLostUpdate) << got;
}

// The innermost frame names the step; without frames the op alone does.
TEST(RenderColumns, NamesStepsByInnermostFrameElseOp)
{
	auto s = step(1, 0, sim::Op::spin_lock, "ptl", {"huge_pmd_share", "hugetlb_fault"});
	EXPECT_EQ(report::step_text(s), "huge_pmd_share: spin_lock(ptl)");
	EXPECT_EQ(report::step_text(step(1, 0, sim::Op::rcu_read_lock, "")), "rcu_read_lock");
}

sim::Trace long_run_trace()
{
	// P0 runs 30 steps alone, then P1 preempts it once, then P0 finishes with 30 more.
	sim::Trace t;
	t.task_names = {"P0", "P1"};
	std::uint64_t n = 1;
	for (int i = 0; i < 30; ++i)
		t.steps.push_back(step(n++, 0, sim::Op::load, "x", {"walk"}));
	t.steps.push_back(step(n++, 1, sim::Op::store, "x", {"writer"}, true));
	for (int i = 0; i < 30; ++i)
		t.steps.push_back(step(n++, 0, sim::Op::load, "x", {"walk"}, i == 0));
	return t;
}

// Runs of one task's reads far from any switch, preemption or the end collapse to one row
// that names the functions they ran in.
TEST(RenderColumns, CollapsesUninterestingRunsOfOneTask)
{
	sim::Trace t = long_run_trace();
	std::string got = report::render_columns(t);
	EXPECT_NE(got.find("... (28 steps: walk)"), std::string::npos) << got;
	EXPECT_NE(got.find("... (24 steps: walk)"), std::string::npos) << got;
	EXPECT_NE(got.find("31* "), std::string::npos) << got; // the preemption is kept
	EXPECT_NE(got.find("writer: WRITE_ONCE(x)"), std::string::npos) << got;
	EXPECT_EQ(got.find("... (", got.find("... (24 steps: walk)") + 1), std::string::npos) << got;
}

// Landmarks (locks, writes, frees, ...) stay; reads and refcount updates between them
// collapse; the setup task's steps are left out with one line saying so; the step that
// raised the violation and its task's step before it stay.
TEST(RenderColumns, KeepsLandmarksAndTheViolationHidesSetup)
{
	sim::Trace t;
	t.task_names = {"P0", "P1", "init"};
	t.setup_task = 2;
	std::uint64_t n = 1;
	for (int i = 0; i < 10; ++i)
		t.steps.push_back(step(n++, 2, sim::Op::store, "setup", {"build"}));
	t.steps.push_back(step(n++, 0, sim::Op::spin_lock, "ptl", {"zap"}));
	for (int i = 0; i < 5; ++i)
		t.steps.push_back(step(n++, 0, sim::Op::load, "pte", i < 3 ? std::vector<const char*>{"zap"}
									  : std::vector<const char*>{"free"}));
	t.steps.push_back(step(n++, 0, sim::Op::xchg, "pmd", {"free"}));
	for (int i = 0; i < 5; ++i)
		t.steps.push_back(step(n++, 0, sim::Op::alloc, "pages", {"put"}));
	t.steps.push_back(step(n++, 0, sim::Op::load, "last-before", {"put"}));
	t.steps.push_back(step(n++, 0, sim::Op::load, "violating", {"put"}));
	for (int i = 0; i < 6; ++i)
		t.steps.push_back(step(n++, 1, sim::Op::load, "x", {"reader"}));
	sim::Violation v;
	v.task = 0;
	v.step = 24;
	v.message = "m";
	t.violation = v;
	std::string got = report::render_columns(t);
	EXPECT_NE(got.find("(init took 10 steps to build the world before the race"), std::string::npos) << got;
	EXPECT_EQ(got.find("build:"), std::string::npos) << got;
	EXPECT_EQ(got.find("   init"), std::string::npos) << got; // no init column
	EXPECT_NE(got.find("zap: spin_lock(ptl)"), std::string::npos) << got;
	EXPECT_NE(got.find("... (5 steps: zap, free)"), std::string::npos) << got;
	EXPECT_NE(got.find("free: xchg(pmd)"), std::string::npos) << got;
	EXPECT_NE(got.find("... (5 steps: put)"), std::string::npos) << got;
	EXPECT_NE(got.find("put: READ_ONCE(last-before)"), std::string::npos) << got;
	EXPECT_NE(got.find("put: READ_ONCE(violating)"), std::string::npos) << got;
	report::ColumnOptions full;
	full.full = true;
	got = report::render_columns(t, full);
	EXPECT_NE(got.find("build: WRITE_ONCE(setup)"), std::string::npos) << got;
	EXPECT_EQ(got.find("took 10 steps"), std::string::npos) << got;
}

// --full prints every step and collapses nothing.
TEST(RenderColumns, FullPrintsEveryStep)
{
	report::ColumnOptions opt;
	opt.full = true;
	std::string got = report::render_columns(long_run_trace(), opt);
	EXPECT_EQ(got.find("..."), std::string::npos) << got;
	std::size_t rows = 0;
	for (char c : got)
		rows += c == '\n';
	EXPECT_EQ(rows, 2 + 61 + 1u) << got; // header, rule, steps, legend
}

// Columns grow with their content up to the maximum; longer text ends in an ellipsis.
TEST(RenderColumns, TruncatesLongCellsWithAnEllipsis)
{
	sim::Trace t;
	t.task_names = {"P0", "P1"};
	t.steps = {step(1, 0, sim::Op::spin_lock, std::string(100, 'o'), {"f"}),
	           step(2, 1, sim::Op::spin_unlock, "l", {"g"})};
	report::ColumnOptions opt;
	opt.max_width = 20;
	std::string got = report::render_columns(t, opt);
	EXPECT_NE(got.find("f: spin_lock(oooooo\u2026\n"), std::string::npos) << got;
	EXPECT_NE(got.find("g: spin_unlock(l)"), std::string::npos) << got;
	EXPECT_EQ(report::truncate("abcdef", 4), "abc\u2026");
	EXPECT_EQ(report::truncate("ab\u00e9", 3), "ab\u00e9");
	EXPECT_EQ(report::display_width("ab\u00e9\u2026"), 4u);
}

// The violation block names kind, message, task, step, frames and every detail line.
TEST(RenderViolation, ListsKindMessageWhereAndDetail)
{
	sim::Trace t = test_support::lost_update_trace();
	t.violation->task = 1;
	t.violation->frames = {"huge_pmd_share", "hugetlb_fault"};
	EXPECT_EQ(report::render_violation(t),
	          "BUG: assertion: lost update: counter is 1, expected 2\n"
	          "  task P1, step 4, in huge_pmd_share <- hugetlb_fault\n"
	          "  a store overwrote the other task's increment\n");
	t.violation.reset();
	EXPECT_EQ(report::render_violation(t), "");
}

} // namespace
