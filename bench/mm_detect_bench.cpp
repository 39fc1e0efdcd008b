// Time to find a seeded bug: each test-only MUTANT of src/mm/fixes.def in a program where it
// breaks the model, explored from scratch until the first violation, with World's invariant
// checks at quiescent points on and off. What quiescent checks buy (an earlier or a different
// finding) against what they cost (instructions per schedule, mm_explore_bench.cpp).
//
// Counters: sched_to_find = schedules up to and including the first violating one (0 if the
// search ended without one), us_to_find = wall time of that search. The label names the
// violation kind and the start of its message.
#include "mm_programs.hpp"

#include "explore/explorer.hpp"

#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;

enum class Prog { access_vs_munmap, store_vs_fork, load_vs_fork_then_unmap, fault_vs_munmap, fork_vs_fault };

std::unique_ptr<bench::MmRace> make(Prog p, bool quiescent, const mm::Config& c)
{
	switch (p) {
	case Prog::access_vs_munmap:
		return std::make_unique<bench::AccessVsMunmap>(quiescent, c);
	case Prog::store_vs_fork:
		return std::make_unique<bench::StoreVsFork>(quiescent, c);
	case Prog::load_vs_fork_then_unmap:
		return std::make_unique<bench::LoadVsForkThenUnmap>(quiescent, c);
	case Prog::fault_vs_munmap:
		return std::make_unique<bench::FaultVsMunmap>(quiescent, c);
	case Prog::fork_vs_fault:
		return std::make_unique<bench::ForkVsFault>(quiescent, c);
	}
	return nullptr;
}

void mm_detect(benchmark::State& state, Prog prog, const char* mutant, const char* strategy,
	       bool quiescent)
{
	mm::Config cfg;
	if (!cfg.fixes.set(mutant, true)) {
		state.SkipWithError("unknown mutant");
		return;
	}
	// Freeing tables before the flush is only visible when the free is not deferred.
	if (std::string(mutant) == "free_tables_before_flush")
		cfg.table_free = mm::TableFreeMode::immediate;
	auto p = make(prog, quiescent, cfg);
	std::uint64_t sched = 0;
	double ns = 0;
	std::string label = "not found";
	for (auto _ : state) {
		explore::ExploreOptions o;
		o.strategy = strategy;
		o.max_schedules = 100000;
		o.preemption_bound = 2;
		explore::Explorer ex(o); // fresh lockdep graph and strategy per search
		const auto t0 = Clock::now();
		const explore::ExploreResult r = ex.explore(*p);
		ns += std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
		if (r.first) {
			sched += r.first->schedule_index;
			label = std::string(sim::violation_name(r.first->violation.kind)) + ": " +
				r.first->violation.message.substr(0, 60);
		}
	}
	const auto n = static_cast<double>(state.iterations());
	state.counters["sched_to_find"] = static_cast<double>(sched) / n;
	state.counters["us_to_find"] = ns / n / 1000;
	state.SetLabel(label);
}

#define MM_DETECT(name, prog, mutant)                                                              \
	BENCHMARK_CAPTURE(mm_detect, name/pct, prog, mutant, "pct", true)                          \
	    ->Unit(benchmark::kMicrosecond);                                                       \
	BENCHMARK_CAPTURE(mm_detect, name/pct/noquiescent, prog, mutant, "pct", false)             \
	    ->Unit(benchmark::kMicrosecond);                                                       \
	BENCHMARK_CAPTURE(mm_detect, name/dfs, prog, mutant, "dfs", true)                          \
	    ->Unit(benchmark::kMicrosecond);                                                       \
	BENCHMARK_CAPTURE(mm_detect, name/dfs/noquiescent, prog, mutant, "dfs", false)             \
	    ->Unit(benchmark::kMicrosecond)

MM_DETECT(flush_skips_cpu, Prog::access_vs_munmap, "flush_skips_cpu");
MM_DETECT(free_tables_before_flush, Prog::access_vs_munmap, "free_tables_before_flush");
MM_DETECT(fork_skips_flush, Prog::store_vs_fork, "fork_skips_flush");
// The same bug with nobody storing through the stale entry, which a later munmap flushes.
MM_DETECT(fork_skips_flush_then_unmap, Prog::load_vs_fork_then_unmap, "fork_skips_flush");
MM_DETECT(zap_skips_mapcount, Prog::fault_vs_munmap, "zap_skips_mapcount");
MM_DETECT(cow_reuses_shared_page, Prog::fork_vs_fault, "cow_reuses_shared_page");

} // namespace
