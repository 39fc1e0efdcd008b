// The registry of the scenario language's verbs and config keys. One entry per operation:
// its name, its typed named arguments, what a bound register receives, and the executor
// that calls check::World. Areas register their entries in their own file
// (ops_core.cpp, later ops_hugetlb.cpp, ...), listed once in modules.def.
#pragma once

#include "check/world.hpp"
#include "explore/explorer.hpp"
#include "litmus/diag.hpp"
#include "mm/kernel.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace litmus {

// What an operation returns, a register holds and a condition compares: a number (a loaded
// value, an address, 0 or -errno), or what stopped a user access.
struct Result {
	enum Kind : std::uint8_t {
		number,
		sigsegv, // the access got SIGSEGV
		sigbus,  // the access got SIGBUS
		oom,     // VM_FAULT_OOM
		dead,    // the process exited under the access
		absent,  // the operation named an object that did not exist (yet, or any more)
		count_
	};
	Kind kind = number;
	std::int64_t num = 0;
	bool operator==(const Result&) const = default;
};
// "sigsegv", ... ("number" for number).
std::string_view result_kind_name(Result::Kind k);
// A result as conditions write it: 5, 0x40000000, -ENOMEM, sigbus.
std::string result_str(const Result& r);
// "ENOMEM" for 12, empty if not a known errno.
std::string errno_name(std::int64_t e);
// 12 for "ENOMEM"; false if unknown.
bool errno_value(std::string_view name, std::int64_t& out);
// An access result as a register value.
Result from_access(const mm::access_result& r);

enum class ArgType : std::uint8_t {
	address,     // hex only: 0x40000000
	size,        // bytes, with an optional unit: 4096, 0x1000, 16K, 2M, 1G
	integer,     // 42, 0x2a, -1, -ENOMEM
	flags,       // names of Param::symbols joined by '|'
	choice,      // one name of Param::symbols
	process,     // an existing process; in a CPU block, defaults to the block's process
	new_process, // the name of a process the operation creates
	file,        // an existing file
	new_file,    // the name of a file the operation creates
	object,      // an existing object of kind Param::object_kind (e.g. a GUP pin)
	new_object,  // the name of an object of kind Param::object_kind the operation creates
};
// "an address in hex", ...: for messages and docs.
std::string_view arg_type_name(ArgType t);

struct Symbol {
	std::string_view name;
	std::int64_t value;
};

struct Param {
	std::string_view name;
	ArgType type;
	std::string_view doc;
	bool required = true;
	std::int64_t def = 0;             // value when omitted (numbers, flags, choice)
	std::vector<Symbol> symbols = {}; // flags, choice
	std::string_view object_kind = {}; // object, new_object
	std::int64_t min = INT64_MIN;      // numbers: the accepted range
	std::int64_t max = INT64_MAX;
	bool ends = false; // process/object: the operation ends its life (exit)
};

class Call;
class OpContext;
using Executor = Result (*)(OpContext& ctx, const Call& call);

struct OpSpec {
	std::string_view name;
	std::string_view doc;     // one line
	std::vector<Param> params;
	std::string_view returns; // what a bound register receives
	Executor exec = nullptr;
	std::string_view module = {}; // filled by the registry: core, hugetlb, ...
};

// The effective configuration of a scenario: the model's and the explorer's.
struct ScenarioConfig {
	mm::Config mm;
	explore::ExploreOptions explore;
};

struct ConfigKey {
	std::string_view name;
	std::string_view doc;
	Param value; // its type and symbols (value.name unused)
	void (*apply)(ScenarioConfig& cfg, std::int64_t value) = nullptr;
	std::string_view module = {};
};

class Registry {
public:
	// Adds an operation; a second one of the same name is an mmcheck bug.
	void add(OpSpec op);
	void add(ConfigKey key);
	// Adds names to a flags or choice parameter of an existing operation (e.g. hugetlb adds
	// MAP_HUGETLB to mmap's flags).
	void extend(std::string_view op, std::string_view param, std::vector<Symbol> symbols);

	const OpSpec* op(std::string_view name) const;
	const ConfigKey* config_key(std::string_view name) const;
	const std::vector<OpSpec>& ops() const { return ops_; }
	const std::vector<ConfigKey>& config_keys() const { return keys_; }
	std::vector<std::string_view> op_names() const;
	std::vector<std::string_view> config_names() const;

	std::string_view module_ = "core"; // set while a module registers

private:
	std::vector<OpSpec> ops_;
	std::vector<ConfigKey> keys_;
};

// Every module's operations and config keys (modules.def), built once.
const Registry& registry();

// ---- what executors see ----

// One resolved argument: its number (addresses, sizes, integers, flags, choices) or the
// object slot it names (-1: not given).
struct ArgValue {
	std::int64_t num = 0;
	int slot = -1;
	bool given = false;
};

// One operation of a scenario, resolved against its OpSpec.
class Call {
public:
	const OpSpec* spec = nullptr;
	std::vector<ArgValue> args; // one per spec->params, in order
	int reg = -1;               // register index in its CPU, -1 if not bound
	Loc loc;

	// The argument named `param` (an mmcheck bug if the op has no such parameter).
	const ArgValue& arg(std::string_view param) const;
	std::int64_t num(std::string_view param) const { return arg(param).num; }
	unsigned long ul(std::string_view param) const
	{
		return static_cast<unsigned long>(arg(param).num);
	}
	int i(std::string_view param) const { return static_cast<int>(arg(param).num); }
	bool given(std::string_view param) const { return arg(param).given; }
};

// The objects of one schedule (processes, files, named objects), by slot.
struct Env {
	std::vector<void*> objects;                // by slot; nullptr: not created yet
	const std::vector<std::string>* names = nullptr; // by slot, as the scenario writes them
	void reset(std::size_t nslots) { objects.assign(nslots, nullptr); }
};

// The world an executor acts on. Object arguments are looked up before the executor runs:
// if one does not exist (or a process has exited), the operation is skipped and returns
// `absent`, so executors may assume every object argument they read exists.
class OpContext {
public:
	OpContext(check::World& w, Env& env, int cpu) : world_(w), env_(env), cpu_(cpu) {}
	check::World& world() { return world_; }
	// The CPU running the operation (the init block runs on the last CPU).
	int cpu() const { return cpu_; }

	mm::process& process(const Call& c, std::string_view param);
	mm::file* file(const Call& c, std::string_view param); // nullptr if not given
	void* object(const Call& c, std::string_view param);   // nullptr if not given
	// The name an object argument is written as ("A").
	std::string_view name(const Call& c, std::string_view param) const;
	// Makes a new_* argument's name refer to what the operation created.
	void bind(const Call& c, std::string_view param, void* obj);

private:
	check::World& world_;
	Env& env_;
	int cpu_;
};

} // namespace litmus
