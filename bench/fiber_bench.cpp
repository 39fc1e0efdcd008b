// Fiber switches per second: the raw fcontext ping-pong, and the engine-level cost of a
// scheduling point that switches task (point -> choose_next -> commit -> switch_context).
#include "sim/sim.hpp"

#include <benchmark/benchmark.h>

namespace {

// ---- raw: two contexts, nothing else ----

struct PingPong {
	sim::Context main;
	sim::Context fiber;
	bool stop = false;
};
PingPong* g_pp = nullptr;

void pong(sim::Context* self)
{
	while (!g_pp->stop)
		sim::switch_context(*self, g_pp->main);
	sim::exit_to_context(g_pp->main);
}

// Each iteration is two switches: main -> fiber -> main.
void BM_RawSwitch(benchmark::State& state)
{
	sim::StackPool pool(64 * 1024);
	PingPong pp;
	g_pp = &pp;
	void* stack = pool.get();
	sim::make_context(pp.fiber, stack, pool.stack_size(), pong);
	for (auto _ : state)
		sim::switch_context(pp.main, pp.fiber);
	pp.stop = true;
	sim::switch_context(pp.main, pp.fiber); // let the fiber leave
	pool.put(stack);
	g_pp = nullptr;
	state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 2);
	state.SetLabel("items = context switches");
}
BENCHMARK(BM_RawSwitch);

// ---- engine: two tasks alternating Atomic stores ----

// Always switches away from the task that ran last, so every point is a fiber switch
// (kSwitch), or always keeps it, so no point switches (!kSwitch): the difference is the
// switch itself, the rest is the engine's per-point bookkeeping.
template <bool kSwitch> class FixedChooser final : public sim::Chooser {
public:
	int pick_task(const sim::ChoicePoint& cp) override
	{
		const sim::TaskMask en = cp.enabled;
		if (cp.current >= 0) {
			const sim::TaskMask cur = sim::TaskMask{1} << cp.current;
			if (!kSwitch)
				return cp.current;
			if (en & ~cur)
				return std::countr_zero(en & ~cur);
		}
		return std::countr_zero(en);
	}
	int pick_value(int, std::uint64_t) override { return 0; }
};

struct Alternating {
	std::array<sim::Atomic<int>, 2> x;
	int stores = 0;
};

void store_body(void* ctx, int id)
{
	auto* a = static_cast<Alternating*>(ctx);
	for (int i = 0; i < a->stores; ++i)
		a->x[static_cast<std::size_t>(id)].store(i);
}

// One schedule per iteration: 2 tasks x `stores` stores. items = scheduling points.
template <bool kSwitch> void BM_EnginePoints(benchmark::State& state)
{
	sim::EngineOptions opt;
	opt.lockdep = false;
	opt.max_steps = 1u << 30;
	sim::Engine e(opt);
	const std::string names[] = {"P0", "P1"};
	const int ids[] = {0, 1};
	Alternating a;
	a.stores = static_cast<int>(state.range(0));
	FixedChooser<kSwitch> chooser;
	std::uint64_t steps = 0;
	for (auto _ : state) {
		e.begin_schedule(names);
		e.run_phase(ids, store_body, &a, chooser);
		e.end_schedule();
		steps += e.steps();
	}
	state.SetItemsProcessed(static_cast<std::int64_t>(steps));
	state.SetLabel(kSwitch ? "items = points, each a task switch" : "items = points, no switch");
}
BENCHMARK(BM_EnginePoints<true>)->Name("BM_EngineSwitch")->Arg(1000);
BENCHMARK(BM_EnginePoints<false>)->Name("BM_EnginePointNoSwitch")->Arg(1000);

} // namespace
