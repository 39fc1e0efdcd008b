// The parser: every construct round-trips through print, every bad input gets its golden
// diagnostic, and locations point at the offending token.
#include "litmus/files.hpp"
#include "litmus/scenario.hpp"

#include <gtest/gtest.h>

namespace {

using namespace litmus_test;

std::vector<std::string> good_files()
{
	std::vector<std::string> v = files_below("tests/litmus/good", ".litmus");
	for (const std::string& s : files_below("scenarios", ".litmus"))
		v.push_back(s);
	for (const std::string& s : files_below("docs", ".litmus"))
		v.push_back(s);
	return v;
}

class RoundTrip : public testing::TestWithParam<std::string> {};

// print(parse(x)) parses again, compiles, and prints the same text: nothing the printer
// writes is lost or changed by the parser.
TEST_P(RoundTrip, PrintThenParseThenPrintIsStable)
{
	const std::string text = read(GetParam());
	litmus::Ast a = litmus::parse(text, GetParam());
	const std::string once = litmus::print(a);
	litmus::Ast b = litmus::parse(once, "printed");
	EXPECT_EQ(litmus::print(b), once);
	EXPECT_NO_THROW(litmus::compile(b)) << once;
	EXPECT_NO_THROW(litmus::compile(a));
	// The structure survives too, not only the text.
	EXPECT_EQ(b.name, a.name);
	EXPECT_EQ(b.header.fix, a.header.fix);
	EXPECT_EQ(b.header.results.size(), a.header.results.size());
	EXPECT_EQ(b.config.size(), a.config.size());
	EXPECT_EQ(b.cpus.size(), a.cpus.size());
	EXPECT_EQ(b.expect.kind, a.expect.kind);
}

INSTANTIATE_TEST_SUITE_P(Files, RoundTrip, testing::ValuesIn(good_files()),
			 [](const auto& p) { return param_name(p.param); });

class BadInput : public testing::TestWithParam<std::string> {};

// Each tests/litmus/bad/X.litmus fails with exactly the line in X.expected-failure.
TEST_P(BadInput, FailsWithItsGoldenDiagnostic)
{
	const std::string path = GetParam();
	std::string golden = read(path.substr(0, path.size() - 7) + ".expected-failure");
	while (!golden.empty() && golden.back() == '\n')
		golden.pop_back();
	ASSERT_FALSE(golden.empty()) << "no .expected-failure for " << path;
	try {
		litmus::load_text(read(path), path);
		FAIL() << path << " was accepted";
	} catch (const litmus::Error& e) {
		EXPECT_EQ(std::string(e.what()), golden);
	}
}

INSTANTIATE_TEST_SUITE_P(Files, BadInput,
			 testing::ValuesIn(files_below("tests/litmus/bad", ".litmus")),
			 [](const auto& p) { return param_name(p.param); });

// Every golden has its input file (no stale goldens).
TEST(BadInput, EveryExpectedFailureHasItsInput)
{
	for (const std::string& g : files_below("tests/litmus/bad", ".expected-failure")) {
		std::string in = g.substr(0, g.size() - 17) + ".litmus";
		EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(source_dir()) / in)) << g;
	}
	EXPECT_GE(files_below("tests/litmus/bad", ".litmus").size(), 30u);
}

// Columns are 1-based and the span covers the whole token.
TEST(Parser, ErrorSpanCoversTheToken)
{
	try {
		litmus::load_text("mmcheck a/b\ninit { process(name=A) }\nP0 (A) {\n  mmapp()\n}\nforbid violation\n", "x.litmus");
		FAIL();
	} catch (const litmus::Error& e) {
		EXPECT_EQ(e.loc().line, 4);
		EXPECT_EQ(e.loc().col, 3);
		EXPECT_EQ(e.loc().end_col, 7);
		EXPECT_EQ(e.file(), "x.litmus");
	}
}

// Header lines are read from the comment, with or without the leading " * ".
TEST(Parser, HeaderCommentGivesLinksFixAndResult)
{
	litmus::Ast a = litmus::parse(read("tests/litmus/good/every_construct.litmus"), "f");
	ASSERT_EQ(a.header.links.size(), 2u);
	EXPECT_EQ(a.header.links[1], "https://example.org/thread-2");
	EXPECT_EQ(a.header.fix, "flush_skips_cpu");
	ASSERT_EQ(a.header.results.size(), 2u);
	EXPECT_EQ(a.header.results[0].observation, "Never");
	EXPECT_EQ(a.header.results[0].kind, "mutant");
	EXPECT_EQ(a.header.results[0].state, "off");
	EXPECT_EQ(a.header.results[1].observation, "Sometimes");
	EXPECT_EQ(a.header.results[1].state, "on");
	litmus::Ast b = litmus::parse("mmcheck x/y\n(*\nResult: Always\n*)\ninit{process(name=A)}\nP0 (A) {}\nforbid violation\n", "g");
	ASSERT_EQ(b.header.results.size(), 1u);
	EXPECT_EQ(b.header.results[0].observation, "Always");
	EXPECT_EQ(b.header.results[0].state, "");
}

// /\ binds tighter than \/, ~ tighter than both; the printer adds only the needed parens.
TEST(Parser, ConditionPrecedenceFollowsHerd)
{
	litmus::Ast a = litmus::parse("mmcheck x/y\ninit{process(name=A)}\nP0 (A) { r0 = load(addr=0x1) }\n"
				      "exists P0:r0=1 \\/ P0:r0=2 /\\ ~P0:sigbus\n", "f");
	ASSERT_TRUE(a.expect.cond);
	EXPECT_EQ(a.expect.cond->kind, litmus::Cond::or_);
	EXPECT_EQ(a.expect.cond->kids[1].kind, litmus::Cond::and_);
	EXPECT_EQ(litmus::print(*a.expect.cond), "P0:r0=1 \\/ P0:r0=2 /\\ ~P0:sigbus");
	litmus::Ast b = litmus::parse("mmcheck x/y\ninit{process(name=A)}\nP0 (A) { r0 = load(addr=0x1) }\n"
				      "exists (P0:r0=1 \\/ P0:r0=2) /\\ ~(P0:sigbus \\/ A:exited)\n", "f");
	EXPECT_EQ(litmus::print(*b.expect.cond), "(P0:r0=1 \\/ P0:r0=2) /\\ ~(P0:sigbus \\/ A:exited)");
}

// Sizes take units, addresses must be hex, integers take errno names.
TEST(Sema, ValuesAreTypedByTheirParameter)
{
	litmus::Scenario s = litmus::load_text(
	    "mmcheck x/y\ninit{process(name=A)\n"
	    "mmap(proc=A, addr=0x40000000, len=2M, prot=read|exec, flags=private|anonymous|fixed)}\n"
	    "P0 (A) { r0 = store(addr=0xdead000, value=-ENOMEM) }\nforbid violation\n", "f");
	ASSERT_EQ(s.init.size(), 2u);
	const litmus::Call& mmap = s.init[1];
	EXPECT_EQ(mmap.ul("len"), 2ul << 20);
	EXPECT_EQ(mmap.i("prot"), mm::PROT_READ | mm::PROT_EXEC);
	EXPECT_EQ(mmap.i("flags"), mm::MAP_PRIVATE | mm::MAP_ANONYMOUS | mm::MAP_FIXED);
	EXPECT_FALSE(mmap.given("file"));
	EXPECT_EQ(s.cpus[0][0].num("value"), -ENOMEM);
	EXPECT_EQ(s.cpus[0][0].ul("addr"), 0xdead000ul);
	EXPECT_EQ(s.config.mm.ncpus, 2);
}

} // namespace
