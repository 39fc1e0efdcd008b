// Model operations per second, run sequentially (no engine), against the same workload on this
// machine's real kernel through real syscalls, measured in the same iterations so that both
// see the same machine load:
//
//   fault   1,000 first-touch anonymous faults (a store to each page of a fresh mapping)
//   fork    fork of a process with 1,000 populated anonymous pages, plus the child's exit
//           (real: fork + child _exit + waitpid)
//   munmap  munmap of a 1,000-page populated range
//
// Each workload runs three ways: `model` = mm::Kernel called directly (the model alone),
// `world` = check::World (the model plus the memory oracle; quiescent invariants off, as a
// sequential run has no races to catch), `real` = the host kernel. Counters: mean ns per
// operation for each (`*_ns`) and their ratios (`model/real`, `world/real`: above 1 = the model
// is slower), ns per operation in the fastest iteration (`*_min_ns`) and its ratio
// (`min_model/real`), which other load on a shared machine disturbs least, and heap
// allocations per operation. Only the operation itself is timed; building the process it
// needs is not.
#include "alloc_count.hpp"
#include "host_mm.hpp"

#include "check/world.hpp"
#include "mm/kernel.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>

namespace {

using Clock = std::chrono::steady_clock;
constexpr unsigned long kPages = 1000;
constexpr unsigned long kLen = kPages * mm::PAGE_SIZE;
constexpr int kRW = mm::PROT_READ | mm::PROT_WRITE;
constexpr int kAnon = mm::MAP_PRIVATE | mm::MAP_ANONYMOUS;

double ns_since(Clock::time_point t0)
{
	return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
}

// Enough frames for the 1,000-page process, its tables and a child's tables.
mm::Config model_config()
{
	mm::Config c;
	c.nr_frames = 4 * kPages;
	c.ncpus = 1;
	return c;
}

// ---- the model, directly or through World ----

// The kernel interface both variants share; World adds the oracle around each call.
struct KernelOps {
	mm::Kernel k;
	void reset() { k.reset(model_config()); }
	mm::process* create(const char* n) { return k.create_process(n); }
	long mmap(mm::process& p) { return k.sys_mmap(p, 0, kLen, kRW, kAnon); }
	void munmap(mm::process& p, unsigned long a) { k.sys_munmap(p, a, kLen); }
	void store(mm::process& p, unsigned long a, std::uint64_t v) { k.user_store(p, a, v); }
	mm::process* fork(mm::process& p) { return k.sys_fork(p, "child"); }
	void exit(mm::process& p) { k.sys_exit(p); }
};

struct WorldOps {
	check::World w;
	WorldOps() { w.set_check_quiescent(false); }
	void reset() { w.reset(model_config()); }
	mm::process* create(const char* n) { return w.create_process(n); }
	long mmap(mm::process& p) { return w.mmap(p, 0, kLen, kRW, kAnon); }
	void munmap(mm::process& p, unsigned long a) { w.munmap(p, a, kLen); }
	void store(mm::process& p, unsigned long a, std::uint64_t v) { w.store(p, a, v); }
	mm::process* fork(mm::process& p) { return w.fork(p, "child"); }
	void exit(mm::process& p) { w.exit(p); }
};

// Time and heap allocations of the timed part of one workload run.
struct Sample {
	double ns = 0;
	std::uint64_t allocs = 0;
};

template <class Ops> class ModelWorkload {
public:
	// A fresh machine with process A (every workload starts from one).
	mm::process& fresh()
	{
		ops_.reset();
		return *ops_.create("A");
	}
	unsigned long populate(mm::process& a)
	{
		const auto addr = static_cast<unsigned long>(ops_.mmap(a));
		for (unsigned long i = 0; i < kPages; ++i)
			ops_.store(a, addr + i * mm::PAGE_SIZE, i + 1);
		return addr;
	}

	Sample fault()
	{
		mm::process& a = fresh();
		const auto addr = static_cast<unsigned long>(ops_.mmap(a));
		const std::uint64_t n0 = bench::heap_allocations();
		const auto t0 = Clock::now();
		for (unsigned long i = 0; i < kPages; ++i)
			ops_.store(a, addr + i * mm::PAGE_SIZE, i + 1);
		return {ns_since(t0), bench::heap_allocations() - n0};
	}

	Sample munmap()
	{
		mm::process& a = fresh();
		const unsigned long addr = populate(a);
		const std::uint64_t n0 = bench::heap_allocations();
		const auto t0 = Clock::now();
		ops_.munmap(a, addr);
		return {ns_since(t0), bench::heap_allocations() - n0};
	}

	// The parent is built once per kForks forks: processes and mms are not recycled within
	// one machine, so it is reset now and then to keep the pools small.
	Sample fork()
	{
		if (parent_ == nullptr || forks_ == kForks) {
			parent_ = &fresh();
			populate(*parent_);
			forks_ = 0;
		}
		++forks_;
		const std::uint64_t n0 = bench::heap_allocations();
		const auto t0 = Clock::now();
		mm::process* c = ops_.fork(*parent_);
		ops_.exit(*c);
		return {ns_since(t0), bench::heap_allocations() - n0};
	}

private:
	static constexpr int kForks = 64;
	Ops ops_;
	mm::process* parent_ = nullptr;
	int forks_ = 0;
};

// ---- the benchmarks ----

enum class Workload { fault, fork, munmap };

// The real kernel's fork copies this whole benchmark process, not only the 1,000 pages: its
// own cost without them is `mm_ops_real_fork_base`.
void mm_ops(benchmark::State& state, Workload w)
{
	auto model = std::make_unique<ModelWorkload<KernelOps>>();
	auto world = std::make_unique<ModelWorkload<WorldOps>>();
	std::uint64_t* region = nullptr;
	if (w == Workload::fork) {
		region = bench::host::map_anon(kPages);
		bench::host::touch(region, kPages);
	}
	auto run = [&](auto& m) { return w == Workload::fault ? m.fault() : w == Workload::fork ? m.fork() : m.munmap(); };
	double model_ns = 0, world_ns = 0, real_ns = 0;
	// Fastest iteration of each: on a shared machine other load only ever adds time.
	double model_min = 1e300, world_min = 1e300, real_min = 1e300;
	std::uint64_t model_allocs = 0, world_allocs = 0;
	for (auto _ : state) {
		const Sample a = run(*model);
		const Sample b = run(*world);
		const double r = w == Workload::fault  ? bench::host::fault_ns(kPages)
				 : w == Workload::fork ? bench::host::fork_exit_wait_ns()
						       : bench::host::munmap_ns(kPages);
		model_ns += a.ns;
		world_ns += b.ns;
		real_ns += r;
		model_min = std::min(model_min, a.ns);
		world_min = std::min(world_min, b.ns);
		real_min = std::min(real_min, r);
		model_allocs += a.allocs;
		world_allocs += b.allocs;
		state.SetIterationTime((a.ns + b.ns + r) * 1e-9);
	}
	if (region)
		bench::host::unmap(region, kPages);
	const double ops = static_cast<double>(state.iterations()) * (w == Workload::fault ? kPages : 1);
	state.counters["model_ns"] = model_ns / ops;
	state.counters["world_ns"] = world_ns / ops;
	state.counters["real_ns"] = real_ns / ops;
	state.counters["model_op/s"] = 1e9 * ops / model_ns;
	state.counters["real_op/s"] = 1e9 * ops / real_ns;
	state.counters["model/real"] = model_ns / real_ns;
	state.counters["world/real"] = world_ns / real_ns;
	const double per_iter = w == Workload::fault ? kPages : 1;
	state.counters["model_min_ns"] = model_min / per_iter;
	state.counters["world_min_ns"] = world_min / per_iter;
	state.counters["real_min_ns"] = real_min / per_iter;
	state.counters["min_model/real"] = model_min / real_min;
	state.counters["model_allocs/op"] = static_cast<double>(model_allocs) / ops;
	state.counters["world_allocs/op"] = static_cast<double>(world_allocs) / ops;
	state.SetLabel(w == Workload::fault ? "ns per fault" : "ns per operation");
}

BENCHMARK_CAPTURE(mm_ops, fault, Workload::fault)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(mm_ops, fork, Workload::fork)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(mm_ops, munmap, Workload::munmap)->UseManualTime()->Unit(benchmark::kMicrosecond);

// fork + child exit + waitpid of this benchmark process with no extra pages: what the real
// kernel spends on a process, whatever its memory.
void mm_ops_real_fork_base(benchmark::State& state)
{
	double ns = 0, min = 1e300;
	for (auto _ : state) {
		const double r = bench::host::fork_exit_wait_ns();
		ns += r;
		min = std::min(min, r);
		state.SetIterationTime(r * 1e-9);
	}
	state.counters["real_ns"] = ns / static_cast<double>(state.iterations());
	state.counters["real_min_ns"] = min;
}
BENCHMARK(mm_ops_real_fork_base)->UseManualTime()->Unit(benchmark::kMicrosecond);

} // namespace
