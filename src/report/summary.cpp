#include "report/summary.hpp"

#include "report/text.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace report {
namespace {

std::string fixed(double v, int decimals)
{
	char buf[64];
	std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
	return buf;
}

std::uint64_t schedules_per_second(const explore::ExploreResult& r)
{
	return r.seconds > 0
	           ? static_cast<std::uint64_t>(static_cast<double>(r.schedules) / r.seconds)
	           : 0;
}

// Count column wide enough for the largest count of `m`.
template <class Map> std::size_t count_width(const Map& m)
{
	std::size_t w = 1;
	for (const auto& [k, n] : m)
		w = std::max(w, std::to_string(n).size());
	return w;
}

template <class Map> void list_counts(std::ostringstream& os, const Map& m)
{
	std::size_t w = count_width(m);
	for (const auto& [k, n] : m) {
		std::string c = std::to_string(n);
		os << "  " << std::string(w - c.size(), ' ') << c << "  " << k << "\n";
	}
}

} // namespace

Witnesses witnesses_of(const RunReport& r)
{
	if (r.witnesses)
		return *r.witnesses;
	std::uint64_t pos = r.result.schedules_with_violation;
	return {pos, r.result.schedules - std::min(pos, r.result.schedules)};
}

std::string observation_word(const Witnesses& w)
{
	if (w.positive == 0)
		return "Never";
	return w.negative == 0 ? "Always" : "Sometimes";
}

std::string observation_word(const explore::ExploreResult& r)
{
	if (r.schedules_with_violation == 0)
		return "Never";
	return r.schedules_with_violation >= r.schedules ? "Always" : "Sometimes";
}

std::string replay_command(const RunReport& r)
{
	if (r.token.empty())
		return {};
	std::string cmd = "mmcheck replay " + r.token + " " + r.target;
	for (const std::string& a : r.replay_args)
		cmd += " " + a;
	return cmd;
}

std::string render_summary(const RunReport& r, bool with_replay)
{
	const explore::ExploreResult& res = r.result;
	std::ostringstream os;
	os << "Test " << r.target << " (expect: " << r.expectation << ")\n";
	os << "Schedules " << res.schedules << ", steps " << res.steps << ", strategy "
	   << r.strategy << " seed " << r.seed;
	if (res.exhausted)
		os << " (exhausted)";
	else if (res.first && res.schedules_with_violation == 1 &&
	         res.first->schedule_index == res.schedules)
		os << " (stopped at the first violation)";
	os << "\n";
	if (!r.switches.empty()) {
		os << "Switches";
		for (const std::string& sw : r.switches)
			os << " " << sw;
		os << "\n";
	}
	if (!res.outcomes.empty()) {
		os << "Outcomes " << res.outcomes.size() << "\n";
		list_counts(os, res.outcomes);
	}
	if (!res.violations.empty()) {
		os << "Violations\n";
		list_counts(os, res.violations);
	}
	if (res.first) {
		const sim::Violation& v = res.first->violation;
		os << "Found " << sim::violation_name(v.kind) << " in schedule "
		   << res.first->schedule_index << ": " << v.message << "\n";
	}
	os << (r.ok ? "Ok" : "No") << "\n";
	const Witnesses w = witnesses_of(r);
	os << "Observation " << r.name << " " << observation_word(w) << " " << w.positive << " "
	   << w.negative << "\n";
	os << "Time " << r.name << " " << fixed(res.seconds, 3) << " s ("
	   << schedules_per_second(res) << " schedules/s)\n";
	if (with_replay && !r.token.empty())
		os << "Replay: " << replay_command(r) << "\n";
	return os.str();
}

std::string render_verdict_line(const RunReport& r)
{
	std::string line = std::string(r.ok ? "Ok  " : "No  ") + pad(r.target, 28) + " ";
	if (r.result.first)
		line += "found " + std::string(sim::violation_name(r.result.first->violation.kind));
	else
		line += "no violation";
	line += " in " + std::to_string(r.result.schedules) +
	        (r.result.schedules == 1 ? " schedule" : " schedules") +
	        " (expect: " + r.expectation + ")";
	return line;
}

} // namespace report
