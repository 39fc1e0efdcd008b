// `mmcheck run` and `mmcheck explore`: explore every target, print its summary, and for an
// expectation that failed on a found violation, the trace of that schedule and how to replay it.
#include "cli/commands.hpp"
#include "cli/settings.hpp"
#include "cli/targets.hpp"
#include "cli/usage_error.hpp"
#include "report/columns.hpp"
#include "report/json.hpp"
#include "report/summary.hpp"
#include "sim/exit_codes.hpp"

#include <cstdio>
#include <vector>

namespace cli {
namespace {

report::RunReport explore_target(const Target& t, const Settings& s)
{
	// A fresh explorer per target: lockdep's order graph belongs to one program.
	explore::Explorer ex(s.explore);
	std::unique_ptr<explore::Program> p = t.make();
	report::RunReport r;
	r.target = t.id;
	r.name = p->name();
	r.expectation = t.expectation;
	r.strategy = s.explore.strategy;
	r.seed = s.explore.seed;
	r.result = ex.explore(*p);
	// The engine options change what a schedule does, so the replay must use the same.
	if (s.explore.engine.max_steps != sim::EngineOptions{}.max_steps)
		r.replay_args = {"--max-steps", std::to_string(s.explore.engine.max_steps)};
	r.ok = t.holds(r.result);
	if (r.result.first) {
		r.token = explore::encode_token(r.result.first->schedule,
		                                explore::Explorer::program_key(*p));
		// The trace explains a failed expectation; an expected finding needs no picture.
		if (!r.ok)
			r.trace = ex.replay(*p, r.result.first->schedule);
	}
	return r;
}

void print_text(const report::RunReport& r, const Settings& s)
{
	std::fputs(report::render_summary(r).c_str(), stdout);
	if (r.trace) {
		report::ColumnOptions co;
		co.full = s.full;
		std::printf("\nTrace of the failing schedule:\n\n%s",
		            report::render_columns(*r.trace, co).c_str());
	}
	std::fflush(stdout);
}

} // namespace

int cmd_run(std::span<const std::string> args, RunMode mode)
{
	Settings base;
	base.explore.stop_on_violation = mode == RunMode::run;
	Settings s = parse_settings(args, base);
	const char* cmd = mode == RunMode::run ? "run" : "explore";
	if (s.positional.empty())
		throw UsageError(std::string(cmd) +
		                 ": expected at least one TARGET (e.g. demo:all)");
	// Resolve everything first, so a typo in the last target fails before any exploring.
	std::vector<Target> targets = resolve_targets(s.positional);

	std::vector<report::RunReport> reports;
	for (std::size_t i = 0; i < targets.size(); ++i) {
		reports.push_back(explore_target(targets[i], s));
		if (!s.json) {
			if (i)
				std::printf("\n");
			print_text(reports.back(), s);
		}
	}

	bool ok = true;
	for (const report::RunReport& r : reports)
		ok = ok && r.ok;
	if (s.json) {
		std::printf("%s\n", report::to_json(reports, version_text()).c_str());
	} else if (reports.size() > 1) {
		std::printf("\nVerdicts\n");
		for (const report::RunReport& r : reports)
			std::printf("%s\n", report::render_verdict_line(r).c_str());
	}
	return ok ? sim::kExitOk : sim::kExitFinding;
}

} // namespace cli
