// Loading scenario files, and switches given as NAME=on|off.
#include "litmus/scenario.hpp"

#include <fstream>
#include <sstream>

namespace litmus {

namespace {

std::vector<std::string_view> switch_names()
{
	std::vector<std::string_view> names;
	for (const mm::FixInfo& f : mm::all_fixes())
		names.push_back(f.name);
	return names;
}

} // namespace

// "(did you mean 'x'? see mmcheck list)" or "(expected a fix, proposal or mutant; ...)".
std::string unknown_switch(std::string_view name)
{
	std::string best = did_you_mean(name, switch_names());
	if (!best.empty())
		return "unknown switch '" + std::string(name) + "' (did you mean '" + best +
		       "'? see mmcheck list)";
	return "unknown switch '" + std::string(name) +
	       "' (expected a fix, proposal or mutant; see mmcheck list)";
}

Scenario load_text(std::string_view text, const std::string& file)
{
	return compile(parse(text, file));
}

Scenario load_file(const std::string& path)
{
	std::ifstream in(path, std::ios::binary);
	if (!in)
		throw Error(path, {}, "cannot read the file");
	std::ostringstream ss;
	ss << in.rdbuf();
	return load_text(ss.str(), path);
}

std::string apply_switch(mm::FixSet& fixes, std::string_view assignment)
{
	std::size_t eq = assignment.find('=');
	std::string_view name = assignment.substr(0, eq);
	std::string_view state = eq == std::string_view::npos ? "" : assignment.substr(eq + 1);
	if (eq == std::string_view::npos || (state != "on" && state != "off"))
		return "expected NAME=on or NAME=off, got '" + std::string(assignment) + "'";
	if (!fixes.set(name, state == "on"))
		return unknown_switch(name);
	return {};
}

} // namespace litmus
