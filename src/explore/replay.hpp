// Replays one recorded schedule. If the program and the schedule disagree (a token from an
// older build of the scenario, a hand-edited token), the first disagreement is kept so the
// explorer can refuse the replay instead of showing a trace of some other run.
#pragma once

#include "explore/strategy.hpp"

#include <string>

namespace explore {

class ReplayStrategy final : public Strategy {
public:
	explicit ReplayStrategy(Schedule s) : schedule_(std::move(s)) {}

	bool begin_schedule() override;
	void end_schedule(const ScheduleInfo&) override;
	std::string name() const override { return "replay"; }
	bool exhausted() const override { return done_; }
	int pick_task(const sim::ChoicePoint& cp) override;
	int pick_value(int n, std::uint64_t step) override;

	// Why the schedule does not fit the program; empty if it fit.
	const std::string& mismatch() const { return mismatch_; }

private:
	void note_mismatch(std::string why);

	Schedule schedule_;
	std::size_t next_ = 0;
	bool done_ = false;
	std::string mismatch_;
};

} // namespace explore
