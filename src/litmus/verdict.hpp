// Judging an exploration against a scenario's expectation, herd style: positive and
// negative witnesses, the observation (Never / Sometimes / Always) and Ok / No.
#pragma once

#include "explore/explorer.hpp"
#include "litmus/scenario.hpp"

#include <string>

namespace litmus {

struct Verdict {
	bool ok = false;
	std::uint64_t positive = 0; // schedules showing what the expectation talks about
	std::uint64_t negative = 0; // schedules not showing it
};

// forbid violation / exists violation K: positive = schedules with a (matching) violation.
// exists / ~exists / forall (cond): positive = clean schedules satisfying cond; any
// violation fails the expectation (a finding nobody expected).
Verdict judge(const Scenario& s, const explore::ExploreResult& r);
// "Never", "Sometimes" or "Always".
std::string observation(const Verdict& v);
// The expectation as written in canonical form ("exists (P1:sigbus)").
std::string expectation_text(const Scenario& s);

} // namespace litmus
