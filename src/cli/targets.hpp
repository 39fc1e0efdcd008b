// What the user can name on the command line as a TARGET, resolved to programs with their
// expectations. Each kind of target has one resolver: `demo:NAME` / `demo:all`, and
// `.litmus` files and directories (every .litmus file below, in name order).
#pragma once

#include "explore/explorer.hpp"
#include "explore/program.hpp"
#include "report/summary.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cli {

struct Judgement {
	bool ok = false;
	report::Witnesses witnesses;
};

struct Target {
	std::string id;          // canonical name, accepted back by resolve ("demo:lost-update")
	std::string description; // one line
	// Builds the program with the user's switches ("NAME=on|off") applied over the target's.
	std::function<std::unique_ptr<explore::Program>(const std::vector<std::string>& switches)> make;
	std::string expectation; // human form, e.g. "forbid violation"
	std::function<Judgement(const explore::ExploreResult&)> judge;
	// The target's own explorer defaults (a scenario's config block); the user's knobs win.
	explore::ExploreOptions defaults;
	// Switches that differ from their default once the user's are applied.
	std::function<std::vector<std::string>(const std::vector<std::string>& switches)> switches;
};

// Resolves one word. Returns nullopt if the word is not of this resolver's kind; throws
// UsageError if it is but names nothing (e.g. "demo:nosuch"), or litmus::Error for a
// scenario file with bad input.
using Resolver = std::function<std::optional<std::vector<Target>>(std::string_view word)>;

// The resolvers, tried in order.
std::vector<Resolver>& resolvers();
// Resolves every word; throws UsageError for a word no resolver accepts.
std::vector<Target> resolve_targets(std::span<const std::string> words);
// Every demo as a target, for `mmcheck list`.
std::vector<Target> demo_targets();
// Every .litmus file below `dir`, sorted by path (empty if `dir` does not exist).
std::vector<std::string> litmus_files(const std::string& dir);
// A scenario file as a target (throws litmus::Error on bad input).
Target litmus_target(const std::string& path);

} // namespace cli
