// `mmcheck run` and `mmcheck explore`: explore every target, print its summary, and for an
// expectation that failed on a found violation, the trace of that schedule, the violation
// and, last, how to replay it.
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
	const explore::ExploreOptions opt = s.options_for(t.defaults);
	// A fresh explorer per target: lockdep's order graph belongs to one program.
	explore::Explorer ex(opt);
	std::unique_ptr<explore::Program> p = t.make(s.switches);
	report::RunReport r;
	r.target = t.id;
	r.name = p->name();
	r.expectation = t.expectation;
	r.strategy = opt.strategy;
	r.seed = opt.seed;
	r.switches = t.switches(s.switches);
	r.result = ex.explore(*p);
	// What changes how a schedule runs must travel with the replay command.
	r.replay_args = s.replay_args();
	Judgement j = t.judge(r.result);
	r.ok = j.ok;
	r.witnesses = j.witnesses;
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
	std::fputs(report::render_summary(r, !r.trace).c_str(), stdout);
	if (r.trace) {
		report::ColumnOptions co;
		co.full = s.full;
		std::printf("\nTrace of the failing schedule%s:\n\n%s", s.full ? "" : " (trimmed; --full for every step)",
		            report::render_columns(*r.trace, co).c_str());
		std::printf("\nReplay: %s\n", report::replay_command(r).c_str());
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
		                 ": expected at least one TARGET (a .litmus file, a directory, demo:all)");
	// Resolve everything first, so a typo in the last target fails before any exploring.
	std::vector<Target> targets = resolve_targets(s.positional);
	for (const Target& t : targets)
		t.switches(s.switches); // a bad --fix fails before any exploring too

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
