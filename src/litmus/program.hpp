// A scenario as an explore::Program: setup = a fresh World with the scenario's config, then
// the init block on the init pseudo-CPU; run(i) = CPU i's operations; check = the final
// structural invariants; outcome = herd's final state (registers, signals); witness = the
// expectation's condition on that state.
#pragma once

#include "check/world.hpp"
#include "explore/program.hpp"
#include "litmus/scenario.hpp"

#include <array>
#include <memory>

namespace litmus {

class LitmusProgram final : public explore::Program {
public:
	// `cfg` is the configuration to run with: the scenario's, or one with switches flipped.
	LitmusProgram(std::shared_ptr<const Scenario> s, ScenarioConfig cfg);

	std::string name() const override { return s_->ast.name; }
	// The switches that differ from their defaults: a token recorded with a switch flipped
	// does not replay without it.
	std::string variant() const override;
	int num_tasks() const override { return s_->ncpus(); }
	std::string task_name(int i) const override;
	void setup() override;
	void run(int i) override;
	void check() override;
	std::string outcome() const override;
	std::optional<bool> witness() const override;
	// Model objects as the World names them; the scenario's own existence checks.
	std::string describe(sim::Op op, const void* obj) const override;

	// Whether `c` holds on the state the last schedule left (registers, signals).
	bool holds(const Check& c) const;

private:
	using Counts = std::array<std::uint32_t, Result::count_>;
	void exec(const Call& c, int cpu);

	std::shared_ptr<const Scenario> s_;
	ScenarioConfig cfg_;
	check::World world_;
	Env env_;
	std::vector<std::vector<Result>> regs_; // per CPU
	std::vector<Counts> counts_;            // per CPU (the last row: init)
};

} // namespace litmus
