// `mmcheck judge`: checks the Result: line of every scenario (LKMM's judgelitmus): each state
// its Fix: switch is named in is explored over the scenario's whole budget, and the observation
// (Never / Sometimes / Always) must be the one written down. A state that finds a violation
// prints how to replay its first one, and with --traces draws it in CPU columns: the main job
// uses this to show every seed race being found with its fix off and gone with it on.
#include "cli/commands.hpp"
#include "cli/settings.hpp"
#include "cli/targets.hpp"
#include "cli/usage_error.hpp"
#include "litmus/program.hpp"
#include "litmus/result_line.hpp"
#include "report/columns.hpp"
#include "report/json.hpp"
#include "report/summary.hpp"
#include "sim/exit_codes.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

namespace cli {
namespace {

// The .litmus files the words name (a file, or every file below a directory).
std::vector<std::string> scenario_paths(std::span<const std::string> words)
{
	std::vector<std::string> paths;
	for (const std::string& w : words) {
		std::error_code ec;
		if (w.starts_with("demo:"))
			throw UsageError("judge: '" + w + "' is a demo; demos have no Result: line");
		if (!std::filesystem::exists(w, ec))
			throw UsageError("cannot read '" + w + "': no such file or directory");
		if (std::filesystem::is_directory(w, ec)) {
			std::vector<std::string> below = litmus_files(w);
			if (below.empty())
				throw UsageError("judge: no .litmus file below '" + w + "'");
			paths.insert(paths.end(), below.begin(), below.end());
		} else if (w.ends_with(".litmus")) {
			paths.push_back(w);
		} else {
			throw UsageError("judge: '" + w +
			                 "' is not a .litmus file or a directory");
		}
	}
	return paths;
}

// One state of one scenario as a RunReport, so the summary, replay and JSON code is shared
// with `run`.
report::RunReport report_of(const std::shared_ptr<const litmus::Scenario>& s, const std::string& path,
			    const litmus::ResultRun& run, const Settings& st, bool with_trace)
{
	const explore::ExploreOptions opt = st.options_for(s->config.explore);
	report::RunReport r;
	r.target = path;
	r.name = s->ast.name;
	r.expectation = litmus::expectation_text(*s) + ", Result: " + run.expected +
	                (run.state.empty() ? "" : " (" + run.state + ")");
	r.ok = run.matches();
	r.strategy = opt.strategy;
	r.seed = opt.seed;
	r.result = run.result;
	r.witnesses = report::Witnesses{run.verdict.positive, run.verdict.negative};
	r.switches = run.config.mm.fixes.changed();
	r.replay_args = st.replay_args();
	for (const std::string& sw : r.switches) {
		r.replay_args.push_back("--fix");
		r.replay_args.push_back(sw);
	}
	if (run.result.first) {
		litmus::LitmusProgram p(s, run.config);
		r.token = explore::encode_token(run.result.first->schedule,
		                                explore::Explorer::program_key(p));
		if (with_trace) {
			explore::Explorer ex(opt);
			r.trace = ex.replay(p, run.result.first->schedule);
		}
	}
	return r;
}

std::string state_line(const report::RunReport& r, const litmus::ResultRun& run)
{
	std::string line = std::string(r.ok ? "Ok  " : "No  ") + r.target;
	if (!run.state.empty())
		line += " [" + run.state + "]";
	line += ": " + run.got;
	if (!r.ok)
		line += ", but the Result: line says " + run.expected;
	line += " (" + std::to_string(run.verdict.positive) + " of " +
	        std::to_string(run.result.schedules) + " schedules" +
	        (run.result.exhausted ? ", exhausted" : "") + ")";
	if (run.result.first)
		line += "; first " + std::string(sim::violation_name(run.result.first->violation.kind)) +
		        " at schedule " + std::to_string(run.result.first->schedule_index);
	return line;
}

} // namespace

int cmd_judge(std::span<const std::string> args)
{
	Settings base;
	bool traces = false;
	std::vector<std::string> rest;
	for (const std::string& a : args) {
		if (a == "--traces")
			traces = true;
		else
			rest.push_back(a);
	}
	Settings st = parse_settings(rest, base);
	if (st.positional.empty())
		throw UsageError("judge: expected at least one .litmus file or directory");
	if (!st.switches.empty())
		throw UsageError("judge: --fix/MMCHECK_FIX cannot be used: each scenario's Fix: line "
		                 "says which switch to flip (use run or explore to set switches)");
	// Load everything first, so a bad file fails before any exploring.
	std::vector<std::string> paths = scenario_paths(st.positional);
	std::vector<std::shared_ptr<const litmus::Scenario>> scenarios;
	for (const std::string& p : paths) {
		scenarios.push_back(std::make_shared<const litmus::Scenario>(litmus::load_file(p)));
		if (scenarios.back()->ast.header.results.empty())
			throw UsageError("judge: " + p + " has no Result: line to check");
	}

	std::vector<report::RunReport> reports;
	bool ok = true;
	for (std::size_t i = 0; i < scenarios.size(); ++i) {
		const auto& s = scenarios[i];
		std::vector<litmus::ResultRun> runs =
		    litmus::check_result_line(s, st.options_for(s->config.explore));
		for (const litmus::ResultRun& run : runs) {
			reports.push_back(report_of(s, paths[i], run, st, traces && !st.json));
			const report::RunReport& r = reports.back();
			ok = ok && r.ok;
			if (st.json)
				continue;
			std::printf("%s\n", state_line(r, run).c_str());
			if (r.trace) {
				report::ColumnOptions co;
				co.full = st.full;
				std::printf("\n%s\n", report::render_columns(*r.trace, co).c_str());
			}
			if (!r.token.empty())
				std::printf("    replay: %s\n", report::replay_command(r).c_str());
			std::fflush(stdout);
		}
		bool holds = std::all_of(runs.begin(), runs.end(),
		                         [](const litmus::ResultRun& r) { return r.matches(); });
		if (!st.json && !holds)
			std::printf("    observed: %s\n", litmus::observed_result_line(*s, runs).c_str());
	}
	if (st.json)
		std::printf("%s\n", report::to_json(reports, version_text()).c_str());
	else
		std::printf("\n%zu scenarios, %zu runs: %s\n", scenarios.size(), reports.size(),
		            ok ? "every Result: line holds" : "some Result: lines do not hold");
	return ok ? sim::kExitOk : sim::kExitFinding;
}

} // namespace cli
