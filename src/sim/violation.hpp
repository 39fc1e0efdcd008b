// Findings: what the explorer reports when the modelled program misbehaves.
// A Violation is a value; raising one inside a schedule stops that schedule (the tasks are
// unwound with sim::Abort) and hands the Violation to the explorer. See STYLE.md C7.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sim {

enum class ViolationKind : std::uint8_t {
#define VIOLATION(id, name, doc) id,
#include "sim/violations.def"
#undef VIOLATION
};

// Short stable name ("use-after-free"), used in reports, JSON and scenario expectations.
std::string_view violation_name(ViolationKind k);
// One-line explanation of the kind.
std::string_view violation_doc(ViolationKind k);
// Parses a name back; returns false if unknown.
bool violation_from_name(std::string_view name, ViolationKind& out);

struct Violation {
	ViolationKind kind = ViolationKind::assertion;
	int task = -1;                   // task that raised it, -1 if none (e.g. deadlock)
	std::uint64_t step = 0;          // global step number at which it was raised
	std::string message;             // one line, kernel-developer wording
	std::vector<std::string> detail; // further lines: stacks, cycle, holders, objects
	std::vector<std::string> frames; // raising task's frame stack, innermost first
};

// Thrown inside a task (or inline phase) to unwind it once its schedule is over. Model code
// must let it pass: never catch (...) without rethrowing.
struct Abort {};

// Thrown when a violation is raised with no engine running (plain sequential unit tests).
class ViolationError : public std::runtime_error {
public:
	explicit ViolationError(Violation v)
		: std::runtime_error(v.message), violation(std::move(v)) {}
	Violation violation;
};

} // namespace sim
