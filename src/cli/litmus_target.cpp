// A .litmus file as a target: its program, expectation, verdict and explorer defaults.
#include "cli/targets.hpp"

#include "cli/usage_error.hpp"
#include "litmus/program.hpp"
#include "litmus/verdict.hpp"

namespace cli {
namespace {

// The scenario's config with the user's switches on top.
litmus::ScenarioConfig with_switches(const litmus::Scenario& s, const std::vector<std::string>& sw)
{
	litmus::ScenarioConfig cfg = s.config;
	for (const std::string& a : sw) {
		std::string err = litmus::apply_switch(cfg.mm.fixes, a);
		if (!err.empty())
			throw UsageError("--fix: " + err);
	}
	return cfg;
}

} // namespace

Target litmus_target(const std::string& path)
{
	auto s = std::make_shared<const litmus::Scenario>(litmus::load_file(path));
	Target t;
	t.id = path;
	t.description = s->ast.description;
	t.make = [s](const std::vector<std::string>& sw) -> std::unique_ptr<explore::Program> {
		return std::make_unique<litmus::LitmusProgram>(s, with_switches(*s, sw));
	};
	t.expectation = litmus::expectation_text(*s);
	t.judge = [s](const explore::ExploreResult& r) {
		litmus::Verdict v = litmus::judge(*s, r);
		return Judgement{v.ok, {v.positive, v.negative}};
	};
	t.defaults = s->config.explore;
	t.switches = [s](const std::vector<std::string>& sw) { return with_switches(*s, sw).mm.fixes.changed(); };
	return t;
}

} // namespace cli
