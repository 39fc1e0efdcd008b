// What a scenario means when it runs: objects that do not exist yet, registers, conditions
// and witnesses, verdicts, switches and the Result: line.
#include "litmus/files.hpp"
#include "litmus/program.hpp"
#include "litmus/result_line.hpp"
#include "litmus/verdict.hpp"

#include <gtest/gtest.h>

namespace {

using namespace litmus_test;

std::shared_ptr<const litmus::Scenario> scenario(const std::string& text)
{
	return std::make_shared<const litmus::Scenario>(litmus::load_text(text, "test.litmus"));
}

explore::ExploreResult explore_dfs(const std::shared_ptr<const litmus::Scenario>& s,
				   bool keep_going = true)
{
	explore::ExploreOptions o;
	o.strategy = "dfs";
	o.max_schedules = 0;
	o.stop_on_violation = !keep_going;
	explore::Explorer ex(o);
	litmus::LitmusProgram p(s, s->config);
	return ex.explore(p);
}

constexpr const char* kForkThenUse = R"(mmcheck t/fork-then-use
init {
	process(name=A)
	mmap(proc=A, addr=0x40000000, len=4K, prot=read|write, flags=private|anonymous|fixed)
	store(proc=A, addr=0x40000000, value=1)
}
P0 (A) { fork(child=B) }
P1 { r0 = load(proc=B, addr=0x40000000) }
exists (P1:r0=absent)
)";

// A process forked on another CPU exists from the moment fork() returns: before that, an
// operation naming it does nothing and its register holds `absent`; both are reachable.
TEST(Semantics, OperationOnAProcessNotYetForkedIsAbsent)
{
	auto s = scenario(kForkThenUse);
	auto r = explore_dfs(s);
	ASSERT_FALSE(r.first) << r.first->violation.message;
	EXPECT_TRUE(r.exhausted);
	EXPECT_TRUE(r.outcomes.count("P1:r0=absent;")) << r.outcomes.size();
	EXPECT_TRUE(r.outcomes.count("P1:r0=1;"));
	EXPECT_GT(r.witnesses_positive, 0u);
	EXPECT_GT(r.witnesses_negative, 0u);
	litmus::Verdict v = litmus::judge(*s, r);
	EXPECT_TRUE(v.ok);
	EXPECT_EQ(litmus::observation(v), "Sometimes");
	EXPECT_EQ(v.positive + v.negative, r.schedules);
}

// After exit() returns, operations naming the process are absent; the exit itself and the
// accesses racing with it are the model's business (dead, or done before).
TEST(Semantics, OperationOnAnExitedProcessIsAbsent)
{
	auto s = scenario(R"(mmcheck t/exit
init {
	process(name=A)
	mmap(proc=A, addr=0x40000000, len=4K, prot=read|write, flags=private|anonymous|fixed)
}
P0 (A) { exit() r0 = munmap(addr=0x40000000, len=4K) r1 = load(addr=0x40000000) }
forall (P0:r0=absent /\ P0:r1=absent /\ P0:absent=2 /\ A:exited)
)");
	auto r = explore_dfs(s);
	litmus::Verdict v = litmus::judge(*s, r);
	EXPECT_TRUE(v.ok) << (r.first ? r.first->violation.message : "");
	EXPECT_EQ(litmus::observation(v), "Always");
}

// The final state lists every register, then each process's signal counts.
TEST(Semantics, OutcomeIsHerdsFinalState)
{
	auto s = scenario(R"(mmcheck t/outcome
init { process(name=A) }
P0 (A) { r0 = load(addr=0x40000000) r1 = mmap(addr=0x40000000, len=4K, prot=read, flags=private|anonymous|fixed) }
P1 (A) { r5 = munmap(addr=0x50000000, len=4K) }
forbid violation
)");
	explore::ExploreOptions o;
	o.strategy = "random";
	o.max_schedules = 5;
	explore::Explorer ex(o);
	litmus::LitmusProgram p(s, s->config);
	auto r = ex.explore(p);
	ASSERT_EQ(r.outcomes.size(), 1u);
	EXPECT_EQ(r.outcomes.begin()->first, "P0:r0=sigsegv; P0:r1=0x40000000; P1:r5=0; A:sigsegv=1;");
	EXPECT_EQ(r.witnesses_positive + r.witnesses_negative, 0u); // no condition
}

// exists violation K holds only if K was found and nothing else was.
TEST(Verdict, ExistsViolationFailsOnAnotherKind)
{
	auto s = scenario("mmcheck t/v\ninit{process(name=A)}\nP0 (A) {}\nexists violation use-after-free\n");
	explore::ExploreResult r;
	r.schedules = 10;
	r.schedules_with_violation = 3;
	r.violations = {{"use-after-free", 3}};
	litmus::Verdict v = litmus::judge(*s, r);
	EXPECT_TRUE(v.ok);
	EXPECT_EQ(v.positive, 3u);
	EXPECT_EQ(v.negative, 7u);
	r.violations = {{"use-after-free", 2}, {"deadlock", 1}};
	EXPECT_FALSE(litmus::judge(*s, r).ok);
	r.violations.clear();
	r.schedules_with_violation = 0;
	v = litmus::judge(*s, r);
	EXPECT_FALSE(v.ok);
	EXPECT_EQ(litmus::observation(v), "Never");
}

// A condition expectation fails on any violation, even if the condition is met.
TEST(Verdict, ConditionExpectationFailsOnAViolation)
{
	auto s = scenario("mmcheck t/v\ninit{process(name=A)}\nP0 (A) { r0 = load(addr=0x1000) }\nexists (P0:r0=sigsegv)\n");
	explore::ExploreResult r;
	r.schedules = 4;
	r.witnesses_positive = 3;
	EXPECT_TRUE(litmus::judge(*s, r).ok);
	r.schedules_with_violation = 1;
	r.violations = {{"invariant", 1}};
	EXPECT_FALSE(litmus::judge(*s, r).ok);
}

// The config block sets the model and explorer configuration; fix lines set switches.
TEST(Config, BlockSetsModelExplorerAndSwitches)
{
	auto s = scenario(read("tests/litmus/good/every_construct.litmus"));
	EXPECT_EQ(s->config.mm.nr_frames, 2048u);
	EXPECT_EQ(s->config.mm.tlb_flush, mm::TlbFlushMode::broadcast);
	EXPECT_EQ(s->config.mm.table_free, mm::TableFreeMode::ipi_sync);
	EXPECT_EQ(s->config.explore.strategy, "random");
	EXPECT_EQ(s->config.explore.max_schedules, 50u);
	EXPECT_EQ(s->config.explore.seed, 7u);
	EXPECT_EQ(s->config.explore.preemption_bound, -1);
	EXPECT_EQ(s->config.explore.pct_depth, 2);
	EXPECT_EQ(s->config.explore.engine.max_steps, 100000u);
	EXPECT_EQ(s->config.mm.ncpus, 4);
	EXPECT_EQ(*s->config.mm.fixes.get("flush_skips_cpu"), false);
	mm::FixSet f;
	EXPECT_EQ(litmus::apply_switch(f, "flush_skips_cpu=on"), "");
	EXPECT_TRUE(*f.get("flush_skips_cpu"));
	EXPECT_NE(litmus::apply_switch(f, "flush_skips_cpu"), "");
	EXPECT_NE(litmus::apply_switch(f, "nosuch=off").find("unknown switch 'nosuch'"), std::string::npos);
}

// The registry: every operation has an executor and documented parameters, names are
// unique, and a module can add names to an existing flags parameter.
TEST(Registry, OperationsAreDocumentedAndExtensible)
{
	const litmus::Registry& reg = litmus::registry();
	for (const char* op : {"process", "create_file", "mmap", "munmap", "mprotect", "mremap", "madvise",
			       "fork", "exit", "ftruncate", "load", "store"})
		EXPECT_NE(reg.op(op), nullptr) << op;
	for (const litmus::OpSpec& o : reg.ops()) {
		EXPECT_FALSE(o.doc.empty()) << o.name;
		EXPECT_FALSE(o.returns.empty()) << o.name;
		EXPECT_FALSE(o.module.empty()) << o.name; // core, or an issue's module (modules.def)
		for (const litmus::Param& p : o.params)
			EXPECT_FALSE(p.doc.empty()) << o.name << "." << p.name;
	}
	litmus::Registry r;
	r.add({"op", "doc", {{"flags", litmus::ArgType::flags, "f", true, 0, {{"a", 1}}}}, "0",
	       [](litmus::OpContext&, const litmus::Call&) { return litmus::Result{}; }});
	r.extend("op", "flags", {{"b", 2}});
	EXPECT_EQ(r.op("op")->params[0].symbols.size(), 2u);
}

// The Result: line is checked both ways: the selftest's mutant is found when on.
TEST(ResultLine, IsCheckedWithTheSwitchInBothStates)
{
	auto s = std::make_shared<const litmus::Scenario>(
	    litmus::load_file(source_dir() + "/scenarios/selftest/flush_tlb_mm_range-vs-tlb_lookup.litmus"));
	auto runs = litmus::check_result_line(s, s->config.explore);
	ASSERT_EQ(runs.size(), 2u);
	EXPECT_EQ(runs[0].state, "mutant off");
	EXPECT_EQ(runs[0].got, "Never");
	EXPECT_EQ(runs[1].state, "mutant on");
	EXPECT_EQ(runs[1].got, "Sometimes");
	EXPECT_TRUE(runs[1].result.exhausted);
	EXPECT_EQ(litmus::observed_result_line(*s, runs),
		  "Result: Never (mutant off), Sometimes (mutant on)");
}

} // namespace

namespace {

// docs/litmus.md documents every registered operation and config key: a module that adds
// one without documenting it fails here.
TEST(Docs, EveryOperationAndConfigKeyIsDocumented)
{
	const std::string doc = read("docs/litmus.md");
	for (const litmus::OpSpec& o : litmus::registry().ops())
		EXPECT_NE(doc.find("| `" + std::string(o.name) + "` |"), std::string::npos) << o.name;
	for (const litmus::ConfigKey& k : litmus::registry().config_keys())
		EXPECT_NE(doc.find("| `" + std::string(k.name) + "` |"), std::string::npos) << k.name;
}

} // namespace
