// The seed races of issues #5 and #8 under the default strategy (PCT depth 3, seed 1, the explorer's
// defaults, as `mmcheck run` uses them): time and schedules to the first violation with the fix
// off (or a proposal on), and schedules per second of the fixed programs.
#include "mm/hugetlb_seeds.hpp"
#include "mm/memory_failure_seeds.hpp" // issue #8

#include <benchmark/benchmark.h>

#include <chrono>
#include <functional>

namespace {

using Clock = std::chrono::steady_clock;
using SpecFactory = std::function<mmtest::MmSpec()>;

// Each iteration explores from scratch until the first violation. items = schedules explored.
void first_violation(benchmark::State& state, const SpecFactory& make)
{
	mmtest::MmProgram p(make());
	std::uint64_t schedules = 0, steps = 0, found = 0, iters = 0;
	double ms = 0;
	for (auto _ : state) {
		explore::Explorer ex{explore::ExploreOptions{}};
		const auto t0 = Clock::now();
		explore::ExploreResult r = ex.explore(p);
		ms += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
		schedules += r.schedules;
		steps += r.steps;
		found += r.first ? 1 : 0;
		++iters;
	}
	if (found != iters)
		state.SkipWithError("no violation within the default budget");
	state.SetItemsProcessed(static_cast<std::int64_t>(schedules));
	state.counters["sched_to_violation"] = static_cast<double>(schedules) / static_cast<double>(iters);
	state.counters["ms_to_violation"] = ms / static_cast<double>(iters);
	state.counters["steps/sched"] = static_cast<double>(steps) / static_cast<double>(schedules);
	state.SetLabel("items = schedules");
}

// Schedules per second of a program that must stay clean: batches of 1000 PCT schedules.
void clean_throughput(benchmark::State& state, const SpecFactory& make)
{
	mmtest::MmProgram p(make());
	explore::ExploreOptions opt;
	opt.max_schedules = 1000;
	std::uint64_t schedules = 0, steps = 0, violations = 0;
	for (auto _ : state) {
		explore::Explorer ex(opt);
		explore::ExploreResult r = ex.explore(p);
		schedules += r.schedules;
		steps += r.steps;
		violations += r.schedules_with_violation;
	}
	if (violations != 0)
		state.SkipWithError("the fixed program raised a violation");
	state.SetItemsProcessed(static_cast<std::int64_t>(schedules));
	state.counters["steps/sched"] = static_cast<double>(steps) / static_cast<double>(schedules);
	state.SetLabel("items = schedules");
}

using mmtest::Teardown;

#define SEED_BENCH(fn, name, spec) \
	BENCHMARK_CAPTURE(fn, name, [] { return spec; })->Unit(benchmark::kMillisecond)

SEED_BENCH(first_violation, seed000_munmap,
	   mmtest::seed000("b", Teardown::munmap, {}, {"hugetlb_teardown_unshareable"}));
SEED_BENCH(first_violation, seed000_exit,
	   mmtest::seed000("b", Teardown::exit, {}, {"hugetlb_teardown_unshareable"}));
SEED_BENCH(first_violation, seed000_trylock_exit_2012,
	   mmtest::seed000("b", Teardown::exit, {"hugetlb_pmd_share_trylock"}, {"exit_mmap_lock"}));
SEED_BENCH(first_violation, seed000_trylock_retry, mmtest::seed000_trylock_retry(true));
SEED_BENCH(first_violation, seed002, mmtest::seed002("b", {}, {"hugetlb_walk_lock"}));
SEED_BENCH(first_violation, seed002_rcu, mmtest::seed002("b", {"hugetlb_walk_rcu"}));
SEED_BENCH(first_violation, unshare_flush, mmtest::unshare_flush("b", false));

SEED_BENCH(clean_throughput, seed000_munmap, mmtest::seed000("b", Teardown::munmap, {}));
SEED_BENCH(clean_throughput, seed000_exit, mmtest::seed000("b", Teardown::exit, {}));
SEED_BENCH(clean_throughput, seed002, mmtest::seed002("b", {}));
SEED_BENCH(clean_throughput, unshare_flush, mmtest::unshare_flush("b", true));

// ---- seed 004 (2018): soft offline of free huge pages vs hugetlb faults (issue #8) ----
SEED_BENCH(first_violation, seed004_killed,
	   mmtest::seed004_killed("b", {}, {"soft_offline_free_hugetlb"}));
SEED_BENCH(first_violation, seed004_reserved,
	   mmtest::seed004_reserved("b", {}, {"soft_offline_free_hugetlb"}));
SEED_BENCH(clean_throughput, seed004_killed, mmtest::seed004_killed("b", {}));
SEED_BENCH(clean_throughput, seed004_reserved, mmtest::seed004_reserved("b", {}));
SEED_BENCH(clean_throughput, seed004_killed_replace,
	   mmtest::seed004_killed("b", {"soft_offline_replace_hugetlb"}, {"soft_offline_free_hugetlb"}));

} // namespace
