// What the user can name on the command line as a TARGET, resolved to programs with their
// expectations. Each kind of target has one resolver; `demo:NAME` and `demo:all` today, and
// the litmus/ issue adds `.litmus` files and directories by adding a resolver.
#pragma once

#include "explore/explorer.hpp"
#include "explore/program.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cli {

struct Target {
	std::string id;          // canonical name, accepted back by resolve ("demo:lost-update")
	std::string description; // one line
	std::function<std::unique_ptr<explore::Program>()> make;
	std::string expectation; // human form, e.g. "forbid violation"
	std::function<bool(const explore::ExploreResult&)> holds;
};

// Resolves one word. Returns nullopt if the word is not of this resolver's kind; throws
// UsageError if it is but names nothing (e.g. "demo:nosuch").
using Resolver = std::function<std::optional<std::vector<Target>>(std::string_view word)>;

// The resolvers, tried in order.
std::vector<Resolver>& resolvers();
// Resolves every word; throws UsageError for a word no resolver accepts.
std::vector<Target> resolve_targets(std::span<const std::string> words);
// Every demo as a target, for `mmcheck list`.
std::vector<Target> demo_targets();

} // namespace cli
