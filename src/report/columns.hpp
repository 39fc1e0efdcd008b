// A failing trace drawn the way kernel developers draw races on LKML: one column per CPU,
// each row one step, "kernel_function: op(object)", trimmed to the steps that explain the
// race, then the violation.
#pragma once

#include "sim/trace.hpp"

#include <cstddef>
#include <string>

namespace report {

struct ColumnOptions {
	bool full = false;          // print every step, no trimming
	std::size_t tail = 8;       // steps always kept before the violation (the end)
	std::size_t context = 1;    // steps kept either side of a preemption
	std::size_t max_width = 48; // a column never grows wider; longer text ends in "…"
};

// One step as a cell: innermost frame, op, object, result and note.
std::string step_text(const sim::TraceStep& s);
// The violation block: kind, message, where, detail lines. Empty string if none.
std::string render_violation(const sim::Trace& t);
// The trace in CPU columns followed by the violation block.
std::string render_columns(const sim::Trace& t, const ColumnOptions& opt = {});

} // namespace report
