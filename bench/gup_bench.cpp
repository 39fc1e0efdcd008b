// Seed 001 (GUP-fast vs THP collapse, 2014/2022): how long the explorer takes to find each
// race with its fix off, in schedules and wall-clock time, and how long today's kernel takes
// to be explored exhaustively at preemption bound 2. One iteration = one exploration from
// scratch (fresh world per schedule, as `mmcheck run` does).
#include "mm/gup_scenarios.hpp"

#include <benchmark/benchmark.h>

#include <functional>

namespace {

using namespace gup_scenarios;
using SpecFactory = std::function<MmSpec()>;

// DFS at bound 2 until the first violation (found) or the end of the space (clean).
void explore_to_first(benchmark::State& state, const SpecFactory& make, bool expect_violation,
		      const std::string& strategy)
{
	MmSpec spec = make();
	std::uint64_t schedules = 0, steps = 0, runs = 0;
	bool wrong = false;
	for (auto _ : state) {
		MmProgram p(spec);
		explore::ExploreOptions o;
		o.strategy = strategy;
		o.seed = runs + 1;
		o.max_schedules = expect_violation ? 200000 : 0;
		o.preemption_bound = 2;
		explore::Explorer ex(o);
		explore::ExploreResult r = ex.explore(p);
		wrong = wrong || r.first.has_value() != expect_violation;
		schedules += r.first ? r.first->schedule_index : r.schedules;
		steps += r.steps;
		++runs;
	}
	if (wrong)
		state.SkipWithError(expect_violation ? "race not found" : "violation in a clean run");
	state.counters[expect_violation ? "sched_to_first" : "sched_total"] =
	    static_cast<double>(schedules) / static_cast<double>(runs);
	state.counters["steps/sched"] = static_cast<double>(steps) / static_cast<double>(schedules);
}

void register_all()
{
	struct Case {
		const char* name;
		SpecFactory make;
		bool found;
	};
	const Case cases[] = {
	    {"andrea_collapse_broadcast_fixes_off",
	     [] { return collapse_vs_gup_fast(config(TlbFlushMode::broadcast,
						      {Fix::gup_fast_pmd_recheck,
						       Fix::khugepaged_gup_fast_ipi})); },
	     true},
	    {"jann_deposited_table_broadcast_ipi_off",
	     [] { return collapse_munmap_vs_gup_fast(
		      config(TlbFlushMode::broadcast, {Fix::khugepaged_gup_fast_ipi})); },
	     true},
	    {"plain_get_page_broadcast",
	     [] { return munmap_vs_gup_fast(
		      config(TlbFlushMode::broadcast, {Fix::gup_fast_speculative_ref})); },
	     true},
	    {"immediate_table_free_broadcast",
	     [] {
		     mm::Config c = config(TlbFlushMode::broadcast);
		     c.table_free = mm::TableFreeMode::immediate;
		     return munmap_vs_gup_fast(c);
	     },
	     true},
	    {"fork_without_write_protect_seq",
	     [] { return fork_vs_gup_fast(config(TlbFlushMode::ipi, {Fix::gup_fast_fork_seqcount})); },
	     true},
	    {"andrea_collapse_ipi_fixes_off_clean",
	     [] { return collapse_vs_gup_fast(config(TlbFlushMode::ipi, {Fix::gup_fast_pmd_recheck,
									 Fix::khugepaged_gup_fast_ipi})); },
	     false},
	    {"collapse_today_broadcast_clean",
	     [] { return collapse_vs_gup_fast(config(TlbFlushMode::broadcast)); }, false},
	    {"collapse_munmap_today_broadcast_clean",
	     [] { return collapse_munmap_vs_gup_fast(config(TlbFlushMode::broadcast)); }, false},
	};
	for (const Case& c : cases) {
		for (const char* strategy : {"dfs", "pct"}) {
			if (!c.found && std::string(strategy) == "pct")
				continue; // a clean run is measured exhaustively only
			benchmark::RegisterBenchmark(
			    (std::string("gup/") + strategy + "/" + c.name).c_str(),
			    [c, strategy](benchmark::State& st) {
				    explore_to_first(st, c.make, c.found, strategy);
			    })
			    ->Unit(benchmark::kMillisecond);
		}
	}
}

const bool registered = (register_all(), true);

} // namespace
