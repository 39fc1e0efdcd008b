// The `Result:` line of a scenario, checked against runs (LKMM's judgelitmus.sh): the
// observation with the scenario's own configuration and, when it names a Fix: switch, with
// that switch flipped. Each run spends the scenario's whole budget (no stop at the first
// violation), so Sometimes and Always are told apart.
#pragma once

#include "explore/explorer.hpp"
#include "litmus/scenario.hpp"
#include "litmus/verdict.hpp"

#include <memory>
#include <string>
#include <vector>

namespace litmus {

struct ResultRun {
	std::string state;    // "" (no Fix:), or "fix on", "mutant off", ...
	std::string expected; // the Result: line's observation for this state
	std::string got;      // what the run observed
	Verdict verdict;
	explore::ExploreResult result;
	ScenarioConfig config; // the configuration explored (the Fix: switch set for this state)
	bool matches() const { return expected == got; }
};

// One run per state the Result: line names (none if the scenario has no Result: line).
// `base` is the explorer configuration (the scenario's, possibly overridden).
std::vector<ResultRun> check_result_line(const std::shared_ptr<const Scenario>& s,
					 const explore::ExploreOptions& base);
// "Result: Never (fix on), Sometimes (fix off)" as the runs observed it.
std::string observed_result_line(const Scenario& s, const std::vector<ResultRun>& runs);

} // namespace litmus
