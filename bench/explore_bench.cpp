// Schedules per second for small programs under each strategy, and how many times slower an
// explored schedule is than running the same task bodies sequentially with no engine.
#include "programs.hpp"

#include "explore/explorer.hpp"

#include <benchmark/benchmark.h>

#include <chrono>
#include <functional>
#include <memory>

namespace {

using Clock = std::chrono::steady_clock;

// Nanoseconds per sequential run of `p` (no engine): the physical limit.
double sequential_ns(explore::Program& p)
{
	constexpr int kRuns = 200000;
	for (int i = 0; i < 1000; ++i) // warm up
		bench::run_sequential(p);
	const auto t0 = Clock::now();
	for (int i = 0; i < kRuns; ++i) {
		bench::run_sequential(p);
		benchmark::ClobberMemory();
	}
	return std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / kRuns;
}

using ProgramFactory = std::function<std::unique_ptr<explore::Program>()>;
using StrategyFactory = std::function<std::unique_ptr<explore::Strategy>()>;

// Each iteration explores one batch: `batch` schedules (random, PCT), or the whole space
// (DFS, a fresh strategy each time). items = schedules.
void explore_batch(benchmark::State& state, const ProgramFactory& make_program,
		   const StrategyFactory& make_strategy, bool fresh_strategy, std::uint64_t batch)
{
	auto p = make_program();
	explore::ExploreOptions opt;
	opt.max_schedules = batch;
	opt.stop_on_violation = false;
	explore::Explorer ex(opt);
	auto s = make_strategy();
	std::uint64_t schedules = 0;
	std::uint64_t steps = 0;
	std::uint64_t violations = 0;
	const auto t0 = Clock::now();
	for (auto _ : state) {
		if (fresh_strategy)
			s = make_strategy();
		const explore::ExploreResult r = ex.explore(*p, *s);
		schedules += r.schedules;
		steps += r.steps;
		violations += r.schedules_with_violation;
	}
	const double explore_ns =
	    std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
	if (violations != 0)
		state.SkipWithError("a benchmark program raised a violation");
	const double per_schedule = explore_ns / static_cast<double>(schedules);
	const double seq = sequential_ns(*p);
	state.SetItemsProcessed(static_cast<std::int64_t>(schedules));
	state.counters["steps/sched"] =
	    static_cast<double>(steps) / static_cast<double>(schedules);
	state.counters["sched/iter"] =
	    static_cast<double>(schedules) / static_cast<double>(state.iterations());
	state.counters["ns/sched"] = per_schedule;
	state.counters["seq_ns"] = seq;
	// The headline: explored schedule vs plain calls of the same bodies.
	state.counters["x_sequential"] = per_schedule / seq;
	state.SetLabel("items = schedules");
}

ProgramFactory atomic_ops(int tasks, int ops)
{
	return [=] { return std::make_unique<bench::AtomicOps>(tasks, ops); };
}
ProgramFactory locked_counter(int tasks, int iters)
{
	return [=] { return std::make_unique<bench::LockedCounter>(tasks, iters); };
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
	return [] { return explore::make_dfs(-1); };
}

constexpr std::uint64_t kBatch = 1000;

#define EXPLORE_BENCH(name, program, strategy, fresh, batch)                                      \
	BENCHMARK_CAPTURE(explore_batch, name, program, strategy, fresh, batch)                   \
	    ->Unit(benchmark::kMicrosecond)

EXPLORE_BENCH(random/atomic_2x3, atomic_ops(2, 3), random_s(), false, kBatch);
EXPLORE_BENCH(pct/atomic_2x3, atomic_ops(2, 3), pct_s(), false, kBatch);
EXPLORE_BENCH(dfs/atomic_2x3, atomic_ops(2, 3), dfs_s(), true, 0);
EXPLORE_BENCH(random/atomic_3x4, atomic_ops(3, 4), random_s(), false, kBatch);
EXPLORE_BENCH(pct/atomic_3x4, atomic_ops(3, 4), pct_s(), false, kBatch);
EXPLORE_BENCH(dfs/atomic_3x4, atomic_ops(3, 4), dfs_s(), true, 0);
EXPLORE_BENCH(random/locked_2x1, locked_counter(2, 1), random_s(), false, kBatch);
EXPLORE_BENCH(pct/locked_2x1, locked_counter(2, 1), pct_s(), false, kBatch);
EXPLORE_BENCH(dfs/locked_2x1, locked_counter(2, 1), dfs_s(), true, 0);
EXPLORE_BENCH(random/locked_2x3, locked_counter(2, 3), random_s(), false, kBatch);
EXPLORE_BENCH(dfs/locked_2x3, locked_counter(2, 3), dfs_s(), true, 0);

// The same bodies as plain calls: one "schedule" = setup, each task in turn, check.
void sequential(benchmark::State& state, const ProgramFactory& make_program)
{
	auto p = make_program();
	for (auto _ : state) {
		bench::run_sequential(*p);
		benchmark::ClobberMemory();
	}
	state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
	state.SetLabel("items = runs, no engine");
}
BENCHMARK_CAPTURE(sequential, atomic_2x3, atomic_ops(2, 3));
BENCHMARK_CAPTURE(sequential, atomic_3x4, atomic_ops(3, 4));
BENCHMARK_CAPTURE(sequential, locked_2x1, locked_counter(2, 1));
BENCHMARK_CAPTURE(sequential, locked_2x3, locked_counter(2, 3));

} // namespace
