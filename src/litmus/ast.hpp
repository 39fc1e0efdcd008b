// The syntax tree of a scenario file, as written: names and values keep their source text
// and location, so the printer reproduces the file (canonically) and semantic checks can
// point at the exact token. Meaning is given by sema.cpp against the registry.
#pragma once

#include "litmus/diag.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace litmus {

// An argument or config value: a number (hex, decimal, with a unit: 0x4000, 16K, 2M), a
// negated number or errno name (-1, -ENOMEM), or one or more names joined by '|'
// (read|write, dontneed, A).
struct Value {
	enum Kind : std::uint8_t { number, names } kind = number;
	bool negative = false;          // a '-' in front
	std::vector<std::string> items; // number: one item, its text; names: each name
	std::vector<Loc> item_locs;
	Loc loc; // the whole value
	std::string str() const;
};

struct Arg {
	std::string name;
	Loc name_loc;
	Value value;
};

// One operation: `[reg =] op(name=value, ...)`.
struct Stmt {
	std::string reg; // empty: the result is not bound
	Loc reg_loc;
	std::string op;
	Loc op_loc;
	std::vector<Arg> args;
};

// `key = value`, or `fix NAME = on|off` (is_switch).
struct ConfigEntry {
	bool is_switch = false;
	std::string key;
	Loc key_loc;
	Value value;
};

// A block of operations: `init { ... }` or `P0 (A) { ... }`.
struct Block {
	int cpu = -1;        // -1: init
	std::string process; // P0 (A): the default process of its operations
	Loc loc;             // the keyword
	Loc process_loc;
	std::vector<Stmt> stmts;
};

// A condition over the final state: atoms `P0:r0=5`, `P1:sigbus`, `A:sigsegv=2`, combined
// with ~, /\ and \/ (herd's syntax), plus true and false.
struct Cond {
	enum Kind : std::uint8_t { atom, not_, and_, or_, true_, false_ } kind = atom;
	std::vector<Cond> kids; // not_: 1; and_/or_: 2
	// atom: scope:name [= value | != value]
	std::string scope;
	Loc scope_loc;
	std::string name;
	Loc name_loc;
	bool has_value = false;
	bool not_equal = false;
	Value value;
	Loc loc;
};

struct Expectation {
	enum Kind : std::uint8_t { forbid_violation, exists_violation, exists, not_exists, forall };
	Kind kind = forbid_violation;
	std::vector<std::string> kinds; // exists_violation: violation kind names
	std::vector<Loc> kind_locs;
	std::optional<Cond> cond;       // exists, not_exists, forall
	Loc loc;
};

// The header comment's structured lines.
struct Header {
	std::string comment; // raw text between (* and *), empty if none
	Loc comment_loc;
	std::vector<std::string> links;
	std::string fix; // the switch this scenario is about
	Loc fix_loc;
	// One entry per "Observation (state)" of the Result: line.
	struct Result {
		std::string observation; // Never | Sometimes | Always
		std::string kind;        // "" (no state), or fix | proposal | mutant
		std::string state;       // "" (no state), or on | off: the Fix: switch
	};
	std::vector<Result> results;
	Loc result_loc;
};

struct Ast {
	std::string file;
	std::string name; // area/name
	Loc name_loc;
	std::string description;
	Header header;
	bool has_config = false;
	Loc config_loc;
	std::vector<ConfigEntry> config;
	std::optional<Block> init;
	std::vector<Block> cpus; // in file order
	Expectation expect;
};

// Parses `src` (named `file` in messages). Throws Error on bad syntax.
Ast parse(std::string_view src, const std::string& file);
// The canonical text of `a`: parse(print(a)) prints the same.
std::string print(const Ast& a);
// A condition as written in canonical form ("P0:r0=5 /\ ~P1:sigbus").
std::string print(const Cond& c);

} // namespace litmus
