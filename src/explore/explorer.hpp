// The explorer loop: for each schedule, a fresh world (Program::setup), the tasks as fibers,
// the final check; the strategy picks who runs. Stops at the first violation unless asked
// to go on, and replays a found schedule in trace mode to explain it.
#pragma once

#include "explore/program.hpp"
#include "explore/schedule.hpp"
#include "explore/strategy.hpp"
#include "sim/engine.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace explore {

// Every knob exists once: here, as a CLI flag and as an MMCHECK_* environment variable.
struct ExploreOptions {
	std::string strategy = "pct"; // random | pct | dfs
	std::uint64_t seed = 1;
	std::uint64_t max_schedules = 10000; // 0: no limit (dfs until exhausted)
	double max_seconds = 0;              // 0: no limit
	int preemption_bound = 2;            // dfs; < 0 unbounded
	int pct_depth = 3;
	bool stop_on_violation = true;
	sim::EngineOptions engine;
};

struct Found {
	sim::Violation violation;
	Schedule schedule;
	std::uint64_t schedule_index = 0; // 1-based: the how-many-th schedule found it
};

struct ExploreResult {
	std::uint64_t schedules = 0;
	std::uint64_t steps = 0;
	double seconds = 0;
	bool exhausted = false;                          // the strategy covered its whole space
	std::map<std::string, std::uint64_t> outcomes;   // outcome key -> clean schedules
	std::map<std::string, std::uint64_t> violations; // violation kind name -> schedules
	// Clean schedules whose final state satisfied / did not satisfy Program::witness().
	std::uint64_t witnesses_positive = 0;
	std::uint64_t witnesses_negative = 0;
	std::optional<Found> first;                      // first violating schedule
	std::uint64_t schedules_with_violation = 0;
};

// Explorer::replay() refuses a schedule that does not fit the program (bad input: exit 2).
class ReplayMismatch : public std::invalid_argument {
public:
	explicit ReplayMismatch(const std::string& why)
	    : std::invalid_argument("token does not match this program: " + why)
	{}
};

// Builds the strategy named in `opt` (random, pct, dfs). Throws std::invalid_argument naming
// the knob on a bad value.
std::unique_ptr<Strategy> make_strategy(const ExploreOptions& opt);

class Explorer {
public:
	explicit Explorer(ExploreOptions opt = {});
	// Explores `p` with the strategy of the options.
	ExploreResult explore(Program& p);
	// Explores `p` with a caller-provided strategy.
	ExploreResult explore(Program& p, Strategy& s);
	// Re-runs exactly `s` with tracing on. The trace's violation is set if the run fails.
	// Throws ReplayMismatch if `s` was not recorded from this program.
	sim::Trace replay(Program& p, const Schedule& s);
	// Stable key of a program for replay tokens (hash of its name, task count and variant).
	static std::uint32_t program_key(const Program& p);

	sim::Engine& engine() { return engine_; }

private:
	void prepare(Program& p);
	// Runs one schedule of `p` with decisions from `s`, recorded into `rec`. Returns
	// whether it ended in a violation (then in engine().violation()).
	bool run_schedule(Program& p, Strategy& s, Schedule& rec);

	ExploreOptions opt_;
	sim::Engine engine_;
	std::string outcome_; // Program::outcome() of the latest clean schedule
	std::optional<bool> witness_; // Program::witness() of the latest clean schedule
	std::vector<std::string> names_; // of the program being explored; "init" last
	std::vector<int> task_ids_;      // 0..n-1, the race phase
};

} // namespace explore
