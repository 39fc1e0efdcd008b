#include "cli/targets.hpp"

#include "cli/usage_error.hpp"
#include "demo/demo.hpp"

namespace cli {
namespace {

constexpr std::string_view kDemoPrefix = "demo:";

Target demo_target(const demo::Demo& d)
{
	demo::Expectation e = d.expect;
	return {std::string(kDemoPrefix) + d.name, d.description, d.make, e.describe(),
	        [e](const explore::ExploreResult& r) { return e.holds(r); }};
}

std::optional<std::vector<Target>> resolve_demo(std::string_view word)
{
	if (word.substr(0, kDemoPrefix.size()) != kDemoPrefix)
		return std::nullopt;
	std::string_view name = word.substr(kDemoPrefix.size());
	if (name == "all")
		return demo_targets();
	if (const demo::Demo* d = demo::find_demo(name))
		return std::vector<Target>{demo_target(*d)};
	std::string known;
	for (const demo::Demo& d : demo::demos())
		known += (known.empty() ? "" : ", ") + d.name;
	throw UsageError("unknown demo '" + std::string(name) + "' (known: all, " + known + ")");
}

} // namespace

std::vector<Resolver>& resolvers()
{
	static std::vector<Resolver> all = {resolve_demo};
	return all;
}

std::vector<Target> demo_targets()
{
	std::vector<Target> out;
	for (const demo::Demo& d : demo::demos())
		out.push_back(demo_target(d));
	return out;
}

std::vector<Target> resolve_targets(std::span<const std::string> words)
{
	std::vector<Target> out;
	for (const std::string& w : words) {
		bool done = false;
		for (const Resolver& r : resolvers()) {
			if (auto ts = r(w)) {
				out.insert(out.end(), ts->begin(), ts->end());
				done = true;
				break;
			}
		}
		if (!done)
			throw UsageError("unknown target '" + w +
			                 "' (expected demo:NAME or demo:all; see mmcheck list)");
	}
	return out;
}

} // namespace cli
