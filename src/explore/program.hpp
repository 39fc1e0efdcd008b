// What the explorer runs: a setup step, N concurrent task bodies, a final check. It knows
// nothing about mm; litmus/ builds Programs from scenarios, tests and demos write their own.
#pragma once

#include "sim/op.hpp"

#include <optional>
#include <string>

namespace explore {

class Program {
public:
	virtual ~Program() = default;

	virtual std::string name() const = 0;
	// What else besides the name makes this program run differently (e.g. the fix switches
	// a scenario runs with). Part of the replay key, so a token is refused by a program built
	// another way. Empty: nothing.
	virtual std::string variant() const { return {}; }
	// Number of concurrent tasks (CPUs) in the race phase; at most sim::kMaxTasks - 1.
	virtual int num_tasks() const = 0;
	// Column header for task i in traces ("P0", or "P0 (procA)").
	virtual std::string task_name(int i) const { return "P" + std::to_string(i); }

	// Builds a fresh world for one schedule. Runs alone, as pseudo-task "init", with every
	// scheduling point live (lockdep and might_sleep see it), before the tasks start.
	virtual void setup() = 0;
	// Body of task i (0 <= i < num_tasks()).
	virtual void run(int i) = 0;
	// Runs alone after every task finished; checks final-state properties (may raise).
	virtual void check() {}
	// Drops the world; called after every schedule, also after a violation stopped it.
	virtual void teardown() {}

	// Herd's "final state": a short key summarising what this schedule produced, used to
	// count distinct outcomes. Called after check() and before teardown(), only when the
	// schedule ended without a violation. Empty = no outcome tracking.
	virtual std::string outcome() const { return {}; }
	// Herd's witness: whether this schedule's final state satisfies the program's condition
	// (exists/forall). Called like outcome(), only for clean schedules; the explorer counts
	// positive and negative witnesses. nullopt = the program has no condition.
	virtual std::optional<bool> witness() const { return std::nullopt; }
	// Names an object touched by an operation, for traces ("pte of 0x200000 in mm A").
	// Empty: the engine's default (lock class name, or the address).
	virtual std::string describe(sim::Op, const void*) const { return {}; }
};

} // namespace explore
