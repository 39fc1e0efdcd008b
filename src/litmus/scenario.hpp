// A checked scenario: the syntax tree resolved against the registry (operations with typed
// arguments, object slots, registers, the compiled condition), ready to run as a Program.
#pragma once

#include "litmus/ast.hpp"
#include "litmus/registry.hpp"
#include "mm/fixes.hpp"
#include "sim/violation.hpp"

#include <optional>
#include <string>
#include <vector>

namespace litmus {

// A named object of the scenario (process, file or other), by slot.
struct Slot {
	std::string name;
	ArgType kind;                 // process, file or object
	std::string_view object_kind; // object: its kind ("pin")
	Loc created;                  // where an operation creates it
	// CPU blocks that create it or end its life: another CPU's operation on it first takes
	// a scheduling point, so the explorer decides whether it exists yet (or still).
	std::uint32_t changers = 0;
};

// A condition resolved to what it reads.
struct Check {
	enum Kind : std::uint8_t { reg, cpu_count, proc_count, proc_exited, not_, and_, or_, true_, false_ };
	Kind kind = true_;
	std::vector<Check> kids;
	int cpu = -1;   // reg, cpu_count
	int index = -1; // reg: register index; proc_*: slot
	Result::Kind what = Result::number; // cpu_count: which results; proc_count: sigsegv|sigbus
	bool has_value = false;
	bool not_equal = false;
	Result value;
};

struct Scenario {
	Ast ast;
	ScenarioConfig config; // the config block over the defaults
	std::vector<Call> init;
	std::vector<std::vector<Call>> cpus; // by CPU number
	std::vector<int> cpu_process;        // slot of each CPU block's process, -1 if none
	std::vector<Slot> slots;
	std::vector<std::string> slot_names;
	std::vector<std::vector<std::string>> regs; // per CPU, by register index
	std::optional<Check> cond;                  // exists, ~exists, forall
	std::vector<std::string> kinds;             // exists violation: kind names
	std::optional<mm::FixInfo> fix;             // the Fix: switch

	int ncpus() const { return static_cast<int>(cpus.size()); }
};

// Resolves `ast` against the registry. Throws Error (file:line:col) on anything it cannot
// run: unknown operation, argument, value, object, register, switch, config key or kind.
Scenario compile(Ast ast);
// Reads, parses and compiles a file. Throws Error.
Scenario load_file(const std::string& path);
// Parses and compiles text (named `file` in messages). Throws Error.
Scenario load_text(std::string_view text, const std::string& file);

// "unknown switch 'x' (did you mean 'y'? see mmcheck list)", for messages.
std::string unknown_switch(std::string_view name);
// Applies "NAME=on|off" to `cfg`. Returns an error message, empty on success.
std::string apply_switch(mm::FixSet& fixes, std::string_view assignment);

} // namespace litmus
