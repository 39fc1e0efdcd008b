// `mmcheck replay TOKEN TARGET`: re-runs one recorded schedule with tracing and draws it.
// The exit code applies the target's expectation to this one schedule, so a token that
// shows a forbidden violation exits 1 until the bug is fixed, and a witness of an expected
// violation exits 1 once it no longer reproduces.
#include "cli/commands.hpp"
#include "cli/settings.hpp"
#include "cli/targets.hpp"
#include "cli/usage_error.hpp"
#include "report/columns.hpp"
#include "report/json.hpp"
#include "report/summary.hpp"
#include "sim/exit_codes.hpp"

#include <cstdio>

namespace cli {

int cmd_replay(std::span<const std::string> args)
{
	Settings s = parse_settings(args);
	if (s.positional.size() != 2)
		throw UsageError(
		    "replay: expected TOKEN TARGET (the line printed after 'Replay:')");
	const std::string& token = s.positional[0];
	std::vector<Target> targets = resolve_targets(std::span(s.positional).subspan(1));
	if (targets.size() != 1)
		throw UsageError("replay: TARGET must name one program, not " +
		                 std::to_string(targets.size()));
	const Target& t = targets.front();

	explore::Explorer ex(s.options_for(t.defaults));
	std::unique_ptr<explore::Program> p = t.make(s.switches);
	std::string err;
	std::optional<explore::Schedule> sched =
	    explore::decode_token(token, explore::Explorer::program_key(*p), err);
	if (!sched)
		throw UsageError("replay: bad token '" + token + "': " + err);
	sim::Trace trace = ex.replay(*p, *sched);

	report::RunReport r;
	r.target = t.id;
	r.name = p->name();
	r.expectation = t.expectation;
	r.strategy = "replay";
	r.switches = t.switches(s.switches);
	r.result.schedules = 1;
	r.result.steps = trace.steps.size();
	if (trace.violation) {
		r.result.schedules_with_violation = 1;
		r.result.violations[std::string(sim::violation_name(trace.violation->kind))] = 1;
		r.result.first = explore::Found{*trace.violation, *sched, 1};
		r.token = token;
	} else if (std::optional<bool> w = p->witness()) {
		// Programs whose teardown() keeps the final state (scenarios do) can still say
		// whether this schedule is a witness of their condition.
		++(*w ? r.result.witnesses_positive : r.result.witnesses_negative);
	}
	const std::string outcome = trace.violation ? std::string() : p->outcome();
	Judgement j = t.judge(r.result);
	r.ok = j.ok;
	r.witnesses = j.witnesses;
	r.trace = std::move(trace);
	r.replay_args = s.replay_args();

	if (s.json) {
		std::printf("%s\n", report::to_json(r).c_str());
	} else {
		report::ColumnOptions co;
		co.full = s.full;
		std::printf("Replay of %s (expect: %s)\n", t.id.c_str(), t.expectation.c_str());
		for (const std::string& sw : r.switches)
			std::printf("Switch %s\n", sw.c_str());
		std::printf("\n%s", report::render_columns(*r.trace, co).c_str());
		if (!r.trace->violation)
			std::printf("\nNo violation in this schedule.\n");
		if (!outcome.empty())
			std::printf("Final state: %s\n", outcome.c_str());
		std::printf("%s\n", r.ok ? "Ok" : "No");
	}
	return r.ok ? sim::kExitOk : sim::kExitFinding;
}

} // namespace cli
