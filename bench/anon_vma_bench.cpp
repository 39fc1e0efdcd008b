// Time and schedules to the first violation for the thread 003 races (issue #6): each
// scenario of tests/mm/anon_vma_races_test.cpp with its fix off (or its proposal or mutant on),
// explored from scratch until the first violation, by PCT (seed 1) and by DFS (preemption
// bound 2). The programs are plain explore::Programs over a check::World, so the numbers are
// the model's, the checks' and the explorer's, not the test harness's. Keep the operations in
// step with the tests and with scenarios/seeds/rmap/.
//
// Counters: sched_to_find = schedules up to and including the first violating one (0 if the
// search ended without one), us_to_find = wall time of that search. The label names the
// violation kind and the start of its message.
#include "check/world.hpp"
#include "explore/explorer.hpp"
#include "mm/vma.hpp"

#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;

constexpr unsigned long X = 0x40000000;
constexpr unsigned long STACK_TOP = 0x7ffff0000000;
constexpr int RW = mm::PROT_READ | mm::PROT_WRITE;
constexpr int ANON_FIXED = mm::MAP_PRIVATE | mm::MAP_ANONYMOUS | mm::MAP_FIXED;

enum class Race { exec, fork, vma_adjust };

class AnonVmaRace final : public explore::Program {
public:
	AnonVmaRace(Race r, const mm::Config& cfg, bool checks) : race_(r), cfg_(cfg), checks_(checks) {}
	std::string name() const override { return "anon-vma-race"; }
	int num_tasks() const override { return 2; }
	void setup() override
	{
		mm::Config c = cfg_;
		c.ncpus = 3;
		w_.reset(c);
		w_.set_check_migration(checks_);
		w_.set_check_quiescent(checks_);
		a_ = w_.create_process("A");
		switch (race_) {
		case Race::exec:
			w_.exec_begin(*a_, {3});
			pfn_ = w_.pfn_of(*a_, mm::STACK_TOP_MAX - mm::PAGE_SIZE);
			break;
		case Race::fork:
			w_.mmap(*a_, X, mm::PAGE_SIZE, RW, ANON_FIXED);
			w_.store(*a_, X, 5);
			pfn_ = w_.pfn_of(*a_, X);
			break;
		case Race::vma_adjust:
			w_.mmap(*a_, X, 2 * mm::PAGE_SIZE, RW, ANON_FIXED);
			w_.store(*a_, X + mm::PAGE_SIZE, 5);
			b_ = w_.fork(*a_, "B");
			break;
		}
		w_.check_invariants();
	}
	void run(int i) override
	{
		switch (race_) {
		case Race::exec:
			if (i == 0) {
				w_.exec_setup_arg_pages(*a_, STACK_TOP);
				w_.load(*a_, STACK_TOP - mm::PAGE_SIZE);
			} else {
				w_.migrate_pfn(pfn_);
			}
			break;
		case Race::fork:
			if (i == 0) {
				mm::process* b = w_.fork(*a_, "B");
				w_.load(*b, X);
			} else {
				w_.migrate_pfn(pfn_);
			}
			break;
		case Race::vma_adjust:
			if (i == 0) {
				w_.mprotect(*b_, X, mm::PAGE_SIZE, mm::PROT_READ);
				w_.load(*b_, X + mm::PAGE_SIZE);
			} else {
				w_.move_pages(*a_, X + mm::PAGE_SIZE);
			}
			break;
		}
	}
	void check() override { w_.check_invariants(); }
	std::string describe(sim::Op op, const void* obj) const override
	{
		return w_.describe(op, obj);
	}

private:
	Race race_;
	mm::Config cfg_;
	bool checks_;
	check::World w_;
	mm::process* a_ = nullptr;
	mm::process* b_ = nullptr;
	mm::pfn_t pfn_ = 0;
};

void anon_vma_detect(benchmark::State& state, Race race, const char* sw, bool on,
		     const char* strategy, bool checks)
{
	mm::Config cfg;
	if (!cfg.fixes.set(sw, on)) {
		state.SkipWithError("unknown switch");
		return;
	}
	// Mel's trylock walk only shows something on exec without the temporary-stack skip.
	if (std::string(sw) == "rmap_walk_trylock_restart")
		cfg.fixes.set("migrate_skip_temporary_stack", false);
	AnonVmaRace p(race, cfg, checks);
	std::uint64_t sched = 0;
	double ns = 0;
	std::string label = "not found";
	for (auto _ : state) {
		explore::ExploreOptions o;
		o.strategy = strategy;
		o.max_schedules = std::string(strategy) == "dfs" ? 0 : 100000; // dfs: until exhausted
		o.preemption_bound = 2;
		explore::Explorer ex(o); // a fresh lockdep graph and strategy per search
		const auto t0 = Clock::now();
		const explore::ExploreResult r = ex.explore(p);
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

#define ANON_VMA_DETECT(name, race, sw, on, checks)                                                \
	BENCHMARK_CAPTURE(anon_vma_detect, name/pct, race, sw, on, "pct", checks)                  \
	    ->Unit(benchmark::kMicrosecond);                                                       \
	BENCHMARK_CAPTURE(anon_vma_detect, name/dfs, race, sw, on, "dfs", checks)                  \
	    ->Unit(benchmark::kMicrosecond)

ANON_VMA_DETECT(exec_no_temporary_stack_skip, Race::exec, "migrate_skip_temporary_stack", false, true);
ANON_VMA_DETECT(exec_no_skip_fault_bug, Race::exec, "migrate_skip_temporary_stack", false, false);
ANON_VMA_DETECT(exec_move_ptes_cleanup, Race::exec, "move_ptes_remove_migration_ptes", true, true);
ANON_VMA_DETECT(exec_move_ptes_cleanup_freed, Race::exec, "move_ptes_remove_migration_ptes", true, false);
ANON_VMA_DETECT(exec_anon_vma_lock_across_move, Race::exec, "shift_arg_pages_anon_vma_lock", true, true);
ANON_VMA_DETECT(exec_unstable_rmap, Race::exec, "unstable_rmap", true, true);
ANON_VMA_DETECT(exec_fake_temporary_vma, Race::exec, "exec_fake_temporary_vma", true, true);
ANON_VMA_DETECT(exec_trylock_restart, Race::exec, "rmap_walk_trylock_restart", true, true);
ANON_VMA_DETECT(exec_lock_all_v1, Race::exec, "anon_vma_lock_all_v1", true, true);
ANON_VMA_DETECT(exec_lock_all_v2, Race::exec, "anon_vma_lock_all_v2", true, true);
ANON_VMA_DETECT(fork_prepend, Race::fork, "anon_vma_chain_prepend", true, true);
ANON_VMA_DETECT(vma_adjust_no_root_lock, Race::vma_adjust, "always_lock_root_anon_vma", false, true);
ANON_VMA_DETECT(vma_adjust_own_lock, Race::vma_adjust, "vma_adjust_own_anon_vma_lock", true, true);
// Today's kernel: the whole bound-2 space, clean (sched_to_find 0).
BENCHMARK_CAPTURE(anon_vma_detect, exec_today/dfs, Race::exec, "migrate_skip_temporary_stack", true,
		  "dfs", true)
	->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(anon_vma_detect, fork_today/dfs, Race::fork, "anon_vma_chain_prepend", false, "dfs",
		  true)
	->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(anon_vma_detect, vma_adjust_today/dfs, Race::vma_adjust, "always_lock_root_anon_vma",
		  true, "dfs", true)
	->Unit(benchmark::kMillisecond);

} // namespace
