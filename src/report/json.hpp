// The summary and trace as JSON, for scripts and CI (`mmcheck run --json`).
#pragma once

#include "report/json_writer.hpp"
#include "report/summary.hpp"

#include <span>
#include <string>
#include <string_view>

namespace report {

// A violation as an object: kind, message, task, step, frames, detail.
void write_violation(JsonWriter& w, const sim::Violation& v);
// A trace as an object: tasks, steps (task, op, function, frames, object, ...), violation.
void write_trace(JsonWriter& w, const sim::Trace& t);
// One run as an object: the fields of render_summary(), plus the trace if present.
void write_run(JsonWriter& w, const RunReport& r);

// One run as a JSON document.
std::string to_json(const RunReport& r);
// Several runs: {"mmcheck": version, "ok": every run ok, "runs": [...]}.
std::string to_json(std::span<const RunReport> runs, std::string_view version);

} // namespace report
