#include "report/json.hpp"

#include "sim/op.hpp"

#include <algorithm>
#include <map>

namespace report {
namespace {

void write_counts(JsonWriter& w, const std::map<std::string, std::uint64_t>& m)
{
	w.begin_object();
	for (const auto& [k, n] : m)
		w.key(k).value(n);
	w.end_object();
}

} // namespace

void write_violation(JsonWriter& w, const sim::Violation& v)
{
	w.begin_object();
	w.key("kind").value(sim::violation_name(v.kind));
	w.key("message").value(v.message);
	w.key("task").value(v.task);
	w.key("step").value(v.step);
	w.key("frames").begin_array();
	for (const std::string& f : v.frames)
		w.value(f);
	w.end_array();
	w.key("detail").begin_array();
	for (const std::string& d : v.detail)
		w.value(d);
	w.end_array();
	w.end_object();
}

void write_trace(JsonWriter& w, const sim::Trace& t)
{
	w.begin_object();
	w.key("tasks").begin_array();
	for (const std::string& n : t.task_names)
		w.value(n);
	w.end_array();
	w.key("steps").begin_array();
	for (const sim::TraceStep& s : t.steps) {
		w.begin_object();
		w.key("step").value(s.step);
		w.key("task").value(s.task);
		w.key("op").value(sim::op_name(s.op));
		w.key("frames").begin_array();
		for (const char* f : s.frames)
			w.value(f ? f : "");
		w.end_array();
		w.key("object").value(s.object);
		if (s.has_result)
			w.key("result").value(static_cast<std::int64_t>(s.result));
		w.key("choice").value(s.choice);
		w.key("preempted").value(s.preempted);
		if (!s.note.empty())
			w.key("note").value(s.note);
		w.end_object();
	}
	w.end_array();
	w.key("violation");
	if (t.violation)
		write_violation(w, *t.violation);
	else
		w.null();
	w.end_object();
}

void write_run(JsonWriter& w, const RunReport& r)
{
	const explore::ExploreResult& res = r.result;
	const Witnesses wit = witnesses_of(r);
	w.begin_object();
	w.key("target").value(r.target);
	w.key("name").value(r.name);
	w.key("expectation").value(r.expectation);
	w.key("verdict").value(r.ok ? "Ok" : "No");
	w.key("ok").value(r.ok);
	w.key("strategy").value(r.strategy);
	w.key("seed").value(r.seed);
	w.key("schedules").value(res.schedules);
	w.key("steps").value(res.steps);
	w.key("exhausted").value(res.exhausted);
	w.key("seconds").value(res.seconds);
	w.key("schedules_per_second")
	    .value(res.seconds > 0 ? static_cast<double>(res.schedules) / res.seconds : 0.0);
	w.key("switches").begin_array();
	for (const std::string& sw : r.switches)
		w.value(sw);
	w.end_array();
	w.key("outcomes");
	write_counts(w, res.outcomes);
	w.key("violations");
	write_counts(w, res.violations);
	w.key("observation").begin_object();
	w.key("result").value(observation_word(wit));
	w.key("positive").value(wit.positive);
	w.key("negative").value(wit.negative);
	w.end_object();
	w.key("found");
	if (res.first) {
		w.begin_object();
		w.key("schedule_index").value(res.first->schedule_index);
		w.key("violation");
		write_violation(w, res.first->violation);
		w.key("token").value(r.token);
		w.key("replay").value(replay_command(r));
		w.end_object();
	} else {
		w.null();
	}
	if (r.trace) {
		w.key("trace");
		write_trace(w, *r.trace);
	}
	w.end_object();
}

std::string to_json(const RunReport& r)
{
	JsonWriter w;
	write_run(w, r);
	return w.str();
}

std::string to_json(std::span<const RunReport> runs, std::string_view version)
{
	bool ok = true;
	for (const RunReport& r : runs)
		ok = ok && r.ok;
	JsonWriter w;
	w.begin_object();
	w.key("mmcheck").value(version);
	w.key("ok").value(ok);
	w.key("runs").begin_array();
	for (const RunReport& r : runs)
		write_run(w, r);
	w.end_array();
	w.end_object();
	return w.str();
}

} // namespace report
