// Replay of a recorded schedule (see replay.hpp). After a mismatch the run goes on with
// harmless picks, so the engine finishes the schedule normally; the explorer then reports
// the mismatch rather than the run.
#include "explore/replay.hpp"

#include "explore/mask.hpp"

namespace explore {

bool ReplayStrategy::begin_schedule()
{
	if (done_)
		return false;
	done_ = true;
	next_ = 0;
	return true;
}

void ReplayStrategy::end_schedule(const ScheduleInfo&)
{
	if (next_ < schedule_.decisions.size())
		note_mismatch("the run ended after " + std::to_string(next_) + " of " +
		              std::to_string(schedule_.decisions.size()) + " decisions");
}

int ReplayStrategy::pick_task(const sim::ChoicePoint& cp)
{
	const int fallback =
	    has_task(cp.enabled, cp.current) ? cp.current : nth_task(cp.enabled, 0);
	if (next_ >= schedule_.decisions.size()) {
		note_mismatch("the run needs more than the " +
		              std::to_string(schedule_.decisions.size()) + " decisions recorded");
		return fallback;
	}
	const std::size_t at = next_++;
	const Decision d = schedule_.decisions[at];
	if (d.is_value) {
		note_mismatch("decision " + std::to_string(at) +
		              " is a value, but the run picks a task there");
		return fallback;
	}
	if (!has_task(cp.enabled, d.pick)) {
		note_mismatch("decision " + std::to_string(at) + " picks task " +
		              std::to_string(d.pick) + ", which cannot run there");
		return fallback;
	}
	return d.pick;
}

int ReplayStrategy::pick_value(int n, std::uint64_t)
{
	if (next_ >= schedule_.decisions.size()) {
		note_mismatch("the run needs more than the " +
		              std::to_string(schedule_.decisions.size()) + " decisions recorded");
		return 0;
	}
	const std::size_t at = next_++;
	const Decision d = schedule_.decisions[at];
	if (!d.is_value) {
		note_mismatch("decision " + std::to_string(at) +
		              " is a task pick, but the run chooses a value there");
		return 0;
	}
	if (d.pick >= n) {
		note_mismatch("decision " + std::to_string(at) + " is value " +
		              std::to_string(d.pick) + ", out of range for choose(" +
		              std::to_string(n) + ")");
		return 0;
	}
	return d.pick;
}

void ReplayStrategy::note_mismatch(std::string why)
{
	if (mismatch_.empty())
		mismatch_ = std::move(why);
}

std::unique_ptr<Strategy> make_replay(Schedule s)
{
	return std::make_unique<ReplayStrategy>(std::move(s));
}

} // namespace explore
