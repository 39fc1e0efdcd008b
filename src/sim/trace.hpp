// One schedule, step by step: what each task did, where (kernel frames), to what object.
// Recorded only in trace mode (replay of a found schedule), so exploring stays cheap.
#pragma once

#include "sim/op.hpp"
#include "sim/violation.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sim {

struct TraceStep {
	std::uint64_t step = 0;
	int task = -1;
	Op op = Op::event;
	std::string object;              // described object ("i_mmap_rwsem", "pte 0x7f..000")
	std::vector<const char*> frames; // innermost first; static strings from MM_FRAME
	std::int64_t result = 0;         // e.g. value loaded, trylock success
	bool has_result = false;
	bool choice = false;             // more than one task could have run here
	bool preempted = false;          // the previously running task could have gone on
	std::string note;                // free text from sim::trace_note()
};

struct Trace {
	std::vector<std::string> task_names; // index = task id
	int setup_task = -1; // the explorer's pseudo-task that runs setup and check, if any
	std::vector<TraceStep> steps;
	std::optional<Violation> violation;
};

} // namespace sim
