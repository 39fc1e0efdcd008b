// Strategies decide who runs at every scheduling point (sim::Chooser), schedule after
// schedule. The explorer records their decisions; it never knows which strategy runs.
#pragma once

#include "explore/schedule.hpp"
#include "sim/engine.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace explore {

struct ScheduleInfo {
	std::uint64_t steps = 0; // steps the schedule took
	bool violation = false;
};

class Strategy : public sim::Chooser {
public:
	// Prepares the next schedule; false when there is nothing left to explore.
	virtual bool begin_schedule() = 0;
	virtual void end_schedule(const ScheduleInfo&) {}
	virtual std::string name() const = 0;
	// True once an exhaustive strategy has visited every schedule in its space.
	virtual bool exhausted() const { return false; }
};

// Uniform random choice among enabled tasks at every point.
std::unique_ptr<Strategy> make_random(std::uint64_t seed);
// PCT (Burckhardt et al., ASPLOS 2010): random task priorities, depth-1 priority change
// points among an estimate of the schedule length (`max_steps`, refined from the runs seen).
std::unique_ptr<Strategy> make_pct(std::uint64_t seed, int depth, std::uint64_t max_steps);
// Bounded exhaustive depth-first search, CHESS-style. `preemption_bound` < 0: unbounded, which
// enumerates every interleaving exactly once.
std::unique_ptr<Strategy> make_dfs(int preemption_bound);
// Replays one recorded schedule, then stops.
std::unique_ptr<Strategy> make_replay(Schedule s);

} // namespace explore
