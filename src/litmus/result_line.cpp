#include "litmus/result_line.hpp"

#include "litmus/program.hpp"

namespace litmus {

std::vector<ResultRun> check_result_line(const std::shared_ptr<const Scenario>& s,
					 const explore::ExploreOptions& base)
{
	std::vector<ResultRun> runs;
	for (const Header::Result& want : s->ast.header.results) {
		ScenarioConfig cfg = s->config;
		if (s->fix)
			cfg.mm.fixes.set(s->fix->name, want.state == "on");
		explore::ExploreOptions opt = base;
		opt.stop_on_violation = false;
		explore::Explorer ex(opt);
		LitmusProgram p(s, cfg);
		ResultRun run;
		run.state = want.state.empty() ? "" : want.kind + " " + want.state;
		run.expected = want.observation;
		run.result = ex.explore(p);
		run.verdict = judge(*s, run.result);
		run.config = cfg;
		run.got = observation(run.verdict);
		runs.push_back(std::move(run));
	}
	return runs;
}

std::string observed_result_line(const Scenario&, const std::vector<ResultRun>& runs)
{
	std::string line = "Result:";
	for (std::size_t i = 0; i < runs.size(); ++i) {
		line += (i ? ", " : " ") + runs[i].got;
		if (!runs[i].state.empty())
			line += " (" + runs[i].state + ")";
	}
	return line;
}

} // namespace litmus
