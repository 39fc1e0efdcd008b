// The explorer on the mm model: schedules/s and steps per schedule of the three mm concurrency
// programs (mm_programs.hpp) under random, PCT and bounded DFS, with World's invariant checks
// at quiescent points on (the default) and off; heap allocations per schedule; the cost of
// building a fresh World (Kernel::reset and the init operations) for each schedule.
#include "alloc_count.hpp"
#include "mm_programs.hpp"
#include "programs.hpp"

#include "explore/explorer.hpp"

#include <benchmark/benchmark.h>

#include <chrono>
#include <functional>
#include <memory>

namespace bench {

// The measured explore() calls, out of line so that callgrind can count them alone
// (scripts/bench-instructions toggles collection on this function, not on the warm-up).
[[gnu::noinline]] explore::ExploreResult measured_explore(explore::Explorer& ex,
							  explore::Program& p, explore::Strategy& s)
{
	return ex.explore(p, s);
}

} // namespace bench

namespace {

using Clock = std::chrono::steady_clock;

using ProgramFactory = std::function<std::unique_ptr<bench::MmRace>(bool check_quiescent)>;
using StrategyFactory = std::function<std::unique_ptr<explore::Strategy>()>;

template <class P> ProgramFactory program()
{
	return [](bool q) { return std::make_unique<P>(q); };
}

// Each iteration explores one batch: `batch` schedules (random, PCT), or the whole space at
// preemption bound 2 (DFS, a fresh strategy each time, as the tests run it). items = schedules.
void mm_explore(benchmark::State& state, const ProgramFactory& make_program,
		const StrategyFactory& make_strategy, bool fresh_strategy, std::uint64_t batch,
		bool check_quiescent)
{
	auto p = make_program(check_quiescent);
	explore::ExploreOptions opt;
	opt.max_schedules = batch;
	opt.stop_on_violation = false;
	explore::Explorer ex(opt);
	auto s = make_strategy();
	ex.explore(*p, *s); // warm up: pools, stacks and buffers sized by a first batch
	s = make_strategy();
	std::uint64_t schedules = 0, steps = 0, violations = 0, allocs = 0;
	double ns = 0;
	for (auto _ : state) {
		if (fresh_strategy)
			s = make_strategy();
		const std::uint64_t a0 = bench::heap_allocations();
		const auto t0 = Clock::now();
		const explore::ExploreResult r = bench::measured_explore(ex, *p, *s);
		ns += std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
		allocs += bench::heap_allocations() - a0;
		schedules += r.schedules;
		steps += r.steps;
		violations += r.schedules_with_violation;
	}
	if (violations != 0)
		state.SkipWithError("an mm benchmark program raised a violation");
	const auto sched = static_cast<double>(schedules);
	state.SetItemsProcessed(static_cast<std::int64_t>(schedules));
	state.counters["steps/sched"] = static_cast<double>(steps) / sched;
	state.counters["sched/iter"] = sched / static_cast<double>(state.iterations());
	state.counters["ns/sched"] = ns / sched;
	state.counters["ns/step"] = ns / static_cast<double>(steps);
	state.counters["allocs/sched"] = static_cast<double>(allocs) / sched;
	state.SetLabel("items = schedules");
}

StrategyFactory random_s()
{
	return [] { return explore::make_random(1); };
}
StrategyFactory pct_s()
{
	return [] { return explore::make_pct(1, 3, 0); };
}
StrategyFactory dfs_s()
{
	return [] { return explore::make_dfs(2); };
}

constexpr std::uint64_t kBatch = 500;

#define MM_EXPLORE(name, prog, strategy, fresh, batch)                                             \
	BENCHMARK_CAPTURE(mm_explore, name, prog, strategy, fresh, batch, true)                    \
	    ->Unit(benchmark::kMicrosecond);                                                       \
	BENCHMARK_CAPTURE(mm_explore, name/noquiescent, prog, strategy, fresh, batch, false)       \
	    ->Unit(benchmark::kMicrosecond)

MM_EXPLORE(random/fault_vs_munmap, program<bench::FaultVsMunmap>(), random_s(), false, kBatch);
MM_EXPLORE(pct/fault_vs_munmap, program<bench::FaultVsMunmap>(), pct_s(), false, kBatch);
MM_EXPLORE(dfs/fault_vs_munmap, program<bench::FaultVsMunmap>(), dfs_s(), true, 0);
MM_EXPLORE(random/fork_vs_fault, program<bench::ForkVsFault>(), random_s(), false, kBatch);
MM_EXPLORE(pct/fork_vs_fault, program<bench::ForkVsFault>(), pct_s(), false, kBatch);
MM_EXPLORE(dfs/fork_vs_fault, program<bench::ForkVsFault>(), dfs_s(), true, 0);
MM_EXPLORE(random/mremap_vs_fault, program<bench::MremapVsFault>(), random_s(), false, kBatch);
MM_EXPLORE(pct/mremap_vs_fault, program<bench::MremapVsFault>(), pct_s(), false, kBatch);
MM_EXPLORE(dfs/mremap_vs_fault, program<bench::MremapVsFault>(), dfs_s(), true, 0);

// One schedule's work with no engine: setup (World::reset + the init operations), the two
// bodies one after the other, the final check. What an explored schedule is compared with.
void mm_sequential(benchmark::State& state, const ProgramFactory& make_program, bool check_quiescent)
{
	auto p = make_program(check_quiescent);
	bench::run_sequential(*p);
	std::uint64_t allocs = 0;
	for (auto _ : state) {
		const std::uint64_t a0 = bench::heap_allocations();
		bench::run_sequential(*p);
		allocs += bench::heap_allocations() - a0;
		benchmark::ClobberMemory();
	}
	state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
	state.counters["allocs/run"] =
	    static_cast<double>(allocs) / static_cast<double>(state.iterations());
	state.SetLabel("items = runs, no engine");
}
BENCHMARK_CAPTURE(mm_sequential, fault_vs_munmap, program<bench::FaultVsMunmap>(), true);
BENCHMARK_CAPTURE(mm_sequential, fork_vs_fault, program<bench::ForkVsFault>(), true);
BENCHMARK_CAPTURE(mm_sequential, mremap_vs_fault, program<bench::MremapVsFault>(), true);

// World::reset alone, after a schedule of fork-vs-fault left two processes behind: the
// per-schedule price of a fresh machine, before any operation.
void mm_world_reset(benchmark::State& state)
{
	bench::ForkVsFault p(true);
	mm::Config c;
	c.ncpus = 3;
	double ns = 0;
	for (auto _ : state) {
		bench::run_sequential(p);
		const auto t0 = Clock::now();
		p.world().reset(c);
		const double t = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
		ns += t;
		state.SetIterationTime(t * 1e-9);
	}
	state.counters["ns/reset"] = ns / static_cast<double>(state.iterations());
}
BENCHMARK(mm_world_reset)->UseManualTime();

} // namespace
