#include "cli/targets.hpp"

#include "cli/usage_error.hpp"
#include "demo/demo.hpp"

#include <filesystem>

namespace cli {
namespace {

constexpr std::string_view kDemoPrefix = "demo:";

Target demo_target(const demo::Demo& d)
{
	demo::Expectation e = d.expect;
	Target t;
	t.id = std::string(kDemoPrefix) + d.name;
	t.description = d.description;
	t.make = [make = d.make](const std::vector<std::string>&) { return make(); };
	t.expectation = e.describe();
	t.judge = [e](const explore::ExploreResult& r) {
		std::uint64_t pos = r.schedules_with_violation;
		return Judgement{e.holds(r), {pos, r.schedules - std::min(pos, r.schedules)}};
	};
	t.switches = [](const std::vector<std::string>&) { return std::vector<std::string>{}; };
	return t;
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

// A path: a .litmus file, or a directory of them.
std::optional<std::vector<Target>> resolve_litmus(std::string_view word)
{
	namespace fs = std::filesystem;
	const std::string path(word);
	std::error_code ec;
	if (fs::is_directory(path, ec)) {
		std::vector<Target> out;
		for (const std::string& f : litmus_files(path))
			out.push_back(litmus_target(f));
		if (out.empty())
			throw UsageError("no .litmus files below '" + path + "'");
		return out;
	}
	if (fs::exists(path, ec))
		return std::vector<Target>{litmus_target(path)};
	if (word.size() > 7 && word.substr(word.size() - 7) == ".litmus")
		throw UsageError("cannot read '" + path + "': no such file");
	return std::nullopt;
}

} // namespace

std::vector<Resolver>& resolvers()
{
	static std::vector<Resolver> all = {resolve_demo, resolve_litmus};
	return all;
}

std::vector<Target> demo_targets()
{
	std::vector<Target> out;
	for (const demo::Demo& d : demo::demos())
		out.push_back(demo_target(d));
	return out;
}

std::vector<std::string> litmus_files(const std::string& dir)
{
	namespace fs = std::filesystem;
	std::vector<std::string> files;
	std::error_code ec;
	if (!fs::is_directory(dir, ec))
		return files;
	for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
	     it.increment(ec)) {
		if (it->is_regular_file(ec) && it->path().extension() == ".litmus")
			files.push_back(it->path().lexically_normal().string());
	}
	std::sort(files.begin(), files.end());
	return files;
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
			                 "' (expected a .litmus file, a directory of them, demo:NAME or "
			                 "demo:all; see mmcheck list)");
	}
	return out;
}

} // namespace cli
