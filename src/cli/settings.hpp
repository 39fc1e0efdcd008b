// The knobs of a run (loom style): each exists once, as a field of explore::ExploreOptions
// (or here), a command-line flag and an MMCHECK_* environment variable. A flag wins over the
// environment; a bad value names the knob.
#pragma once

#include "explore/explorer.hpp"

#include <span>
#include <string>
#include <vector>

namespace cli {

struct Settings {
	explore::ExploreOptions explore;
	bool json = false;                   // --json: one JSON document on stdout
	bool full = false;                   // --full: traces with every step
	std::vector<std::string> switches;   // --fix NAME=on|off, in order (MMCHECK_FIX first)
	std::vector<std::string> positional; // targets, tokens: whatever is not a flag

	// The explorer options for a target whose own defaults (a scenario's config block) are
	// `defaults`: those, with every knob the user set (environment, then flags) on top.
	explore::ExploreOptions options_for(const explore::ExploreOptions& defaults) const;
	// The user's knobs as command-line words, for replay commands ("--max-steps", "10").
	std::vector<std::string> replay_args() const;

	struct Applied {
		const void* knob;
		std::string who; // "--seed" or "MMCHECK_SEED"
		std::string raw;
	};
	std::vector<Applied> applied; // every knob the user set, in the order applied
};

// Parses `args` (the words after the subcommand) over the environment's MMCHECK_* values and
// the defaults in `base`. Throws UsageError on an unknown flag or a bad value.
Settings parse_settings(std::span<const std::string> args, Settings base = {});
// One line per knob ("  --seed N   MMCHECK_SEED  ..."), for --help.
std::string knobs_help();

} // namespace cli
