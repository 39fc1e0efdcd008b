// A failing trace drawn the way kernel developers draw races on LKML: one column per CPU,
// each row one step, "kernel_function: op(object)", trimmed to the steps that explain the
// race, then the violation.
//
// Trimming keeps, for the racing tasks: the landmarks (lock and unlock, writes, frees,
// RCU, IPIs, IRQ on/off, TLB flushes, user accesses), context switches, preemptions with
// `context` steps either side, the step that raised the violation and the one before it in
// its task, and the last `tail` steps. The rest of a task's run (reads, allocations) becomes
// one row "... (k steps: f, g)" naming the kernel functions it went through; a single
// left-out step is simply not shown (its step number is missing). The setup task (the explorer's init, which builds the world before the race) is
// left out unless it raised the violation: one line says how many steps it took.
#pragma once

#include "sim/trace.hpp"

#include <cstddef>
#include <string>

namespace report {

struct ColumnOptions {
	bool full = false;          // print every step, no trimming
	std::size_t tail = 4;       // steps always kept before the violation (the end)
	std::size_t context = 1;    // steps kept either side of a preemption
	std::size_t max_width = 56; // a column never grows wider; longer text ends in "…"
};

// Whether a step is a landmark that trimming keeps (locks, writes and read-modify-writes,
// frees, RCU, IPIs, IRQs, TLB flushes, user accesses).
bool is_landmark(const sim::TraceStep& s);
// One step as a cell: innermost frame, op, object, result and note.
std::string step_text(const sim::TraceStep& s);
// The violation block: kind, message, where, detail lines. Empty string if none.
std::string render_violation(const sim::Trace& t);
// The trace in CPU columns followed by the violation block.
std::string render_columns(const sim::Trace& t, const ColumnOptions& opt = {});

} // namespace report
