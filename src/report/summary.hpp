// The herd-style summary of one explored program: verdict against the expectation, counts,
// outcomes, the Observation line, time, and the replay command of a found violation.
#pragma once

#include "explore/explorer.hpp"

#include <optional>
#include <string>
#include <vector>

namespace report {

// Herd's witness counts: schedules that show what the expectation is about, and the others.
struct Witnesses {
	std::uint64_t positive = 0;
	std::uint64_t negative = 0;
};

// Everything the summary, the JSON and the CLI's verdict say about one target.
struct RunReport {
	std::string target; // as the user names it ("demo:lost-update"); used in the replay command
	std::string name;   // program name
	std::string
	    expectation; // what was expected, e.g. "forbid violation", "exists violation deadlock"
	bool ok = true;  // the expectation holds
	std::string strategy;
	std::uint64_t seed = 0;
	explore::ExploreResult result;
	std::string token;               // replay token of result.first; empty if nothing was found
	std::optional<sim::Trace> trace; // result.first replayed, when the caller shows it
	// Options the replay needs to run the same way (e.g. "--max-steps 10"), appended to
	// the replay command.
	std::vector<std::string> replay_args;
	// Set by the caller when the expectation counts something other than violating
	// schedules (a scenario's exists/forall condition, or only some violation kinds).
	std::optional<Witnesses> witnesses;
	// Switches that differ from their default ("flush_skips_cpu=on"), shown in the summary.
	std::vector<std::string> switches;
};

// r.witnesses, or by default: positive = schedules with a violation.
Witnesses witnesses_of(const RunReport& r);
// "Never" (no positive), "Always" (no negative, some positive), else "Sometimes".
std::string observation_word(const Witnesses& w);

// "Never", "Sometimes" or "Always": in how many explored schedules a violation showed.
std::string observation_word(const explore::ExploreResult& r);
// "mmcheck replay <token> <target> [replay_args]", or empty without a token.
std::string replay_command(const RunReport& r);
// Multi-line herd-style summary. With `with_replay`, it ends with the replay command (the
// caller prints it itself after a trace).
std::string render_summary(const RunReport& r, bool with_replay = true);
// One line: verdict, target, what was found.
std::string render_verdict_line(const RunReport& r);

} // namespace report
