// Test driver for the mm model: a Program whose setup, CPU bodies and final check are lambdas
// over a check::World, explored by the real explorer. Sequential tests use a World directly.
#pragma once

#include "check/world.hpp"
#include "explore/explorer.hpp"
#include "mm/internal.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mmtest {

using mm::PAGE_SIZE;
inline constexpr int RW = mm::PROT_READ | mm::PROT_WRITE;
inline constexpr int ANON = mm::MAP_PRIVATE | mm::MAP_ANONYMOUS;

// Shared state of one schedule: named processes and addresses the lambdas hand each other.
struct Ctx {
	std::map<std::string, mm::process*> procs;
	std::map<std::string, unsigned long> addrs;
	std::map<std::string, long> results;
	mm::process& proc(const std::string& n) { return *procs.at(n); }
};

using Body = std::function<void(check::World&, Ctx&)>;

// What a test scenario does; copyable, unlike the program that runs it.
struct MmSpec {
	std::string title = "mm-test";
	mm::Config cfg;
	Body init = [](check::World&, Ctx&) {};
	std::vector<Body> cpus;
	Body final = [](check::World&, Ctx&) {};
	std::function<std::string(check::World&, Ctx&)> outcome_fn;
};

class MmProgram final : public explore::Program, public MmSpec {
public:
	MmProgram() = default;
	explicit MmProgram(const MmSpec& s) : MmSpec(s) {}

	std::string name() const override { return title; }
	int num_tasks() const override { return static_cast<int>(cpus.size()); }
	void setup() override
	{
		ctx_ = Ctx{};
		mm::Config c = cfg;
		c.ncpus = num_tasks() + 1; // the init pseudo-CPU has a TLB too
		world_.reset(c);
		init(world_, ctx_);
		world_.check_invariants();
	}
	void run(int i) override { cpus[static_cast<std::size_t>(i)](world_, ctx_); }
	void check() override
	{
		final(world_, ctx_);
		world_.check_invariants();
	}
	std::string outcome() const override
	{
		return outcome_fn ? outcome_fn(const_cast<check::World&>(world_), const_cast<Ctx&>(ctx_))
				  : std::string();
	}
	std::string describe(sim::Op op, const void* obj) const override
	{
		return world_.describe(op, obj);
	}
	check::World& world() { return world_; }

private:
	check::World world_;
	Ctx ctx_;
};

inline explore::ExploreResult run_explorer(MmProgram& p, const std::string& strategy,
				      std::uint64_t schedules, int bound = 2)
{
	explore::ExploreOptions o;
	o.strategy = strategy;
	o.max_schedules = schedules;
	o.preemption_bound = bound;
	explore::Explorer ex(o);
	return ex.explore(p);
}

inline std::string describe_first(const explore::ExploreResult& r)
{
	if (!r.first)
		return "no violation";
	std::string s = std::string(sim::violation_name(r.first->violation.kind)) + ": " +
			r.first->violation.message;
	for (const auto& d : r.first->violation.detail)
		s += "\n  " + d;
	for (const auto& f : r.first->violation.frames)
		s += "\n  at " + f;
	return s;
}

} // namespace mmtest
