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
	std::vector<std::string> positional; // targets, tokens: whatever is not a flag
};

// Parses `args` (the words after the subcommand) over the environment's MMCHECK_* values and
// the defaults in `base`. Throws UsageError on an unknown flag or a bad value.
Settings parse_settings(std::span<const std::string> args, Settings base = {});
// One line per knob ("  --seed N   MMCHECK_SEED  ..."), for --help.
std::string knobs_help();

} // namespace cli
