// Semantic checks: the syntax tree against the registry, the fix switches and itself.
// Decides every static rule of the language (docs/litmus.md, "Rules"): objects are created
// once and named consistently, registers are bound once per CPU and only in CPU blocks,
// conditions read registers and outcomes that exist, CPUs are P0..Pn-1 without gaps.
#include "litmus/scenario.hpp"
#include "litmus/values.hpp"

#include "sim/engine.hpp"

#include <map>

namespace litmus {
namespace {

constexpr int kMaxCpus = sim::kMaxTasks - 1; // the init pseudo-CPU takes the last task

bool is_register(std::string_view s)
{
	if (s.size() < 2 || s[0] != 'r')
		return false;
	for (std::size_t i = 1; i < s.size(); ++i)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

const char* kind_word(ArgType t)
{
	switch (t) {
	case ArgType::process:
	case ArgType::new_process:
		return "process";
	case ArgType::file:
	case ArgType::new_file:
		return "file";
	default:
		return "object";
	}
}

ArgType slot_kind(ArgType t)
{
	switch (t) {
	case ArgType::new_process:
		return ArgType::process;
	case ArgType::new_file:
		return ArgType::file;
	case ArgType::new_object:
		return ArgType::object;
	default:
		return t;
	}
}

bool is_object_type(ArgType t)
{
	return t == ArgType::process || t == ArgType::file || t == ArgType::object;
}
bool is_new_type(ArgType t)
{
	return t == ArgType::new_process || t == ArgType::new_file || t == ArgType::new_object;
}

class Sema {
public:
	explicit Sema(Ast ast) { s_.ast = std::move(ast); }
	Scenario run();

private:
	[[noreturn]] void fail(Loc loc, std::string msg) const
	{
		throw Error(s_.ast.file, loc, std::move(msg));
	}
	void declare_objects(const Block& b);
	void check_config();
	void check_header();
	std::vector<Call> compile_block(const Block& b);
	Call compile_stmt(const Stmt& st, const Block& b);
	ArgValue compile_arg(const OpSpec& op, const Param& p, const Value& v);
	std::int64_t number_value(const Param& p, const Value& v, std::string_view what) const
	{
		return value_of(p, v, what, s_.ast.file);
	}
	int find_slot(std::string_view name, ArgType kind, std::string_view object_kind, Loc loc);
	Check compile_cond(const Cond& c);
	Result cond_value(const Cond& c, bool symbolic);
	void check_expectation();

	Scenario s_;
	std::map<std::string, int, std::less<>> slot_of_;
};

Scenario Sema::run()
{
	const Ast& a = s_.ast;
	// CPUs: P0..Pn-1, each once (duplicates are a parse error).
	int ncpus = 0;
	for (const Block& b : a.cpus) {
		if (b.cpu >= kMaxCpus)
			fail(b.loc, "too many CPUs: P" + std::to_string(b.cpu) + " (at most P0..P" +
					    std::to_string(kMaxCpus - 1) + ")");
		ncpus = std::max(ncpus, b.cpu + 1);
	}
	for (int i = 0; i < ncpus; ++i) {
		bool found = false;
		for (const Block& b : a.cpus)
			found = found || b.cpu == i;
		if (!found) {
			for (const Block& b : a.cpus)
				if (b.cpu > i)
					fail(b.loc, "missing CPU block P" + std::to_string(i) +
							    " (CPU blocks are numbered from P0 without gaps)");
		}
	}
	check_header();
	check_config();
	if (a.init)
		declare_objects(*a.init);
	for (const Block& b : a.cpus)
		declare_objects(b);
	s_.cpus.resize(static_cast<std::size_t>(ncpus));
	s_.cpu_process.assign(static_cast<std::size_t>(ncpus), -1);
	s_.regs.resize(static_cast<std::size_t>(ncpus));
	if (a.init)
		s_.init = compile_block(*a.init);
	for (const Block& b : a.cpus) {
		auto i = static_cast<std::size_t>(b.cpu);
		if (!b.process.empty())
			s_.cpu_process[i] = find_slot(b.process, ArgType::process, {}, b.process_loc);
	}
	for (const Block& b : a.cpus)
		s_.cpus[static_cast<std::size_t>(b.cpu)] = compile_block(b);
	for (std::size_t cpu = 0; cpu < s_.cpus.size(); ++cpu)
		for (const Call& c : s_.cpus[cpu])
			for (std::size_t i = 0; i < c.args.size(); ++i)
				if (c.args[i].slot >= 0 &&
				    (is_new_type(c.spec->params[i].type) || c.spec->params[i].ends))
					s_.slots[static_cast<std::size_t>(c.args[i].slot)].changers |= 1u << cpu;
	s_.config.mm.ncpus = ncpus + 1; // the init pseudo-CPU has a TLB too
	check_expectation();
	for (const Slot& sl : s_.slots)
		s_.slot_names.push_back(sl.name);
	return std::move(s_);
}

void Sema::check_header()
{
	const Header& h = s_.ast.header;
	if (!h.fix.empty()) {
		s_.fix = mm::find_fix(h.fix);
		if (!s_.fix)
			fail(h.fix_loc, "Fix: " + unknown_switch(h.fix));
	}
	if (h.results.empty())
		return;
	if (!s_.fix) {
		if (h.results.size() != 1 || !h.results[0].state.empty())
			fail(h.result_loc, "a Result: line with states needs a Fix: line naming the switch");
		return;
	}
	const std::string kind = mm::switch_kind_name(s_.fix->kind);
	bool on = false, off = false;
	for (const Header::Result& r : h.results) {
		if (r.state.empty() || r.kind != kind)
			fail(h.result_loc, "Result: needs one observation per state of " + kind + " '" + h.fix +
						   "', e.g. 'Never (" + kind + " on), Sometimes (" + kind + " off)'");
		bool& seen = r.state == "on" ? on : off;
		if (seen)
			fail(h.result_loc, "Result: gives state '" + kind + " " + r.state + "' twice");
		seen = true;
	}
	if (!on || !off)
		fail(h.result_loc, "Result: needs one observation per state of " + kind + " '" + h.fix +
					   "', e.g. 'Never (" + kind + " on), Sometimes (" + kind + " off)'");
}

void Sema::check_config()
{
	std::map<std::string, Loc, std::less<>> seen;
	for (const ConfigEntry& e : s_.ast.config) {
		std::string key = (e.is_switch ? "fix " : "") + e.key;
		if (auto it = seen.find(key); it != seen.end())
			fail(e.key_loc, "duplicate config key '" + key + "' (first at " + it->second.str() + ")");
		seen[key] = e.key_loc;
		if (e.is_switch) {
			std::optional<mm::FixInfo> f = mm::find_fix(e.key);
			if (!f)
				fail(e.key_loc, unknown_switch(e.key));
			const Value& v = e.value;
			if (v.kind != Value::names || v.negative || v.items.size() != 1 ||
			    (v.items[0] != "on" && v.items[0] != "off"))
				fail(v.loc, unexpected(v.str(), "on or off"));
			s_.config.mm.fixes.set(e.key, v.items[0] == "on");
			continue;
		}
		const ConfigKey* k = registry().config_key(e.key);
		if (k == nullptr)
			fail(e.key_loc, unexpected(e.key, "a config key" +
								  (did_you_mean(e.key, registry().config_names()).empty()
									   ? std::string(" or fix NAME; see docs/litmus.md")
									   : suggest(e.key, registry().config_names()))));
		k->apply(s_.config, number_value(k->value, e.value, e.key));
	}
}

void Sema::declare_objects(const Block& b)
{
	for (const Stmt& st : b.stmts) {
		const OpSpec* op = registry().op(st.op);
		if (op == nullptr)
			continue; // reported by compile_stmt, in file order
		for (const Arg& arg : st.args) {
			for (const Param& p : op->params) {
				if (p.name != arg.name || !is_new_type(p.type))
					continue;
				const Value& v = arg.value;
				if (v.kind != Value::names || v.negative || v.items.size() != 1)
					fail(v.loc, "bad value '" + v.str() + "' for " + std::string(p.name) +
							    " (expected " + std::string(arg_type_name(p.type)) + ")");
				const std::string& name = v.items[0];
				if (auto it = slot_of_.find(name); it != slot_of_.end()) {
					const Slot& old = s_.slots[static_cast<std::size_t>(it->second)];
					fail(v.loc, std::string(kind_word(p.type)) + " '" + name +
							    "' is created twice (first at " + old.created.str() + ")");
				}
				slot_of_[name] = static_cast<int>(s_.slots.size());
				s_.slots.push_back({name, slot_kind(p.type), p.object_kind, v.loc});
			}
		}
	}
}

int Sema::find_slot(std::string_view name, ArgType kind, std::string_view object_kind, Loc loc)
{
	auto it = slot_of_.find(name);
	if (it == slot_of_.end()) {
		std::vector<std::string_view> names;
		for (const Slot& sl : s_.slots)
			if (sl.kind == kind)
				names.push_back(sl.name);
		fail(loc, "unknown " + std::string(kind_word(kind)) + " '" + std::string(name) +
				  "' (no operation creates it" + suggest(name, names) + ")");
	}
	const Slot& sl = s_.slots[static_cast<std::size_t>(it->second)];
	if (sl.kind != kind || (kind == ArgType::object && sl.object_kind != object_kind))
		fail(loc, "'" + std::string(name) + "' is a " +
				  (sl.kind == ArgType::object ? std::string(sl.object_kind)
							      : std::string(kind_word(sl.kind))) +
				  ", not a " +
				  (kind == ArgType::object ? std::string(object_kind) : kind_word(kind)));
	return it->second;
}

std::vector<Call> Sema::compile_block(const Block& b)
{
	std::vector<Call> calls;
	for (const Stmt& st : b.stmts)
		calls.push_back(compile_stmt(st, b));
	return calls;
}

Call Sema::compile_stmt(const Stmt& st, const Block& b)
{
	const OpSpec* op = registry().op(st.op);
	if (op == nullptr)
		fail(st.op_loc, unexpected(st.op, "an operation" + suggest(st.op, registry().op_names()) +
							  (did_you_mean(st.op, registry().op_names()).empty()
								   ? "; see docs/litmus.md"
								   : "")));
	Call c;
	c.spec = op;
	c.loc = st.op_loc;
	c.args.resize(op->params.size());
	std::vector<const Arg*> given(op->params.size(), nullptr);
	for (const Arg& arg : st.args) {
		std::size_t i = 0;
		while (i < op->params.size() && op->params[i].name != arg.name)
			++i;
		if (i == op->params.size()) {
			std::vector<std::string_view> names;
			for (const Param& p : op->params)
				names.push_back(p.name);
			fail(arg.name_loc, "unknown argument '" + arg.name + "' of " + st.op + " (expected " +
						   join(names) + ")");
		}
		if (given[i])
			fail(arg.name_loc, "duplicate argument '" + arg.name + "' of " + st.op);
		given[i] = &arg;
		c.args[i] = compile_arg(*op, op->params[i], arg.value);
	}
	for (std::size_t i = 0; i < op->params.size(); ++i) {
		const Param& p = op->params[i];
		if (given[i])
			continue;
		if (p.type == ArgType::process && b.cpu >= 0 && !b.process.empty()) {
			c.args[i] = {0, find_slot(b.process, ArgType::process, {}, b.process_loc), true};
			continue;
		}
		if (p.required)
			fail(st.op_loc, st.op + ": missing argument '" + std::string(p.name) + "'" +
						(p.type == ArgType::process
							 ? std::string(b.cpu >= 0 ? " (this CPU block names no process)"
										  : " (init has no default process)")
							 : ""));
		c.args[i] = {p.def, -1, false};
	}
	if (!st.reg.empty()) {
		if (b.cpu < 0)
			fail(st.reg_loc, "registers are bound in CPU blocks only, not in init");
		if (!is_register(st.reg))
			fail(st.reg_loc, unexpected(st.reg, "a register r0, r1, ..."));
		auto& regs = s_.regs[static_cast<std::size_t>(b.cpu)];
		for (const std::string& r : regs)
			if (r == st.reg)
				fail(st.reg_loc, "register " + st.reg + " of P" + std::to_string(b.cpu) +
							 " is bound twice");
		c.reg = static_cast<int>(regs.size());
		regs.push_back(st.reg);
	}
	return c;
}

ArgValue Sema::compile_arg(const OpSpec& op, const Param& p, const Value& v)
{
	std::string what = std::string(p.name) + " of " + std::string(op.name);
	if (is_object_type(p.type) || is_new_type(p.type)) {
		if (v.kind != Value::names || v.negative || v.items.size() != 1)
			fail(v.loc, "bad value '" + v.str() + "' for " + what + " (expected " +
					    std::string(arg_type_name(p.type)) + ")");
		return {0, find_slot(v.items[0], slot_kind(p.type), p.object_kind, v.loc), true};
	}
	return {number_value(p, v, what), -1, true};
}

Result Sema::cond_value(const Cond& c, bool symbolic)
{
	const Value& v = c.value;
	if (v.kind == Value::names && !v.negative && symbolic) {
		for (int k = Result::sigsegv; k < Result::count_; ++k)
			if (v.items[0] == result_kind_name(static_cast<Result::Kind>(k)))
				return {static_cast<Result::Kind>(k), 0};
		fail(v.loc, unexpected(v.str(), "a number, -ERRNO or one of sigsegv, sigbus, oom, dead, absent"));
	}
	Param p{"", ArgType::integer, ""};
	return {Result::number, number_value(p, v, c.scope + ":" + c.name)};
}

Check Sema::compile_cond(const Cond& c)
{
	Check k;
	switch (c.kind) {
	case Cond::true_:
		k.kind = Check::true_;
		return k;
	case Cond::false_:
		k.kind = Check::false_;
		return k;
	case Cond::not_:
	case Cond::and_:
	case Cond::or_:
		k.kind = c.kind == Cond::not_ ? Check::not_ : c.kind == Cond::and_ ? Check::and_ : Check::or_;
		for (const Cond& kid : c.kids)
			k.kids.push_back(compile_cond(kid));
		return k;
	case Cond::atom:
		break;
	}
	k.has_value = c.has_value;
	k.not_equal = c.not_equal;
	static const std::vector<std::string_view> cpu_outcomes = {"sigsegv", "sigbus", "oom", "dead", "absent"};
	static const std::vector<std::string_view> proc_outcomes = {"sigsegv", "sigbus", "exited"};
	bool cpu_scope = c.scope.size() >= 2 && c.scope[0] == 'P' &&
			 c.scope.find_first_not_of("0123456789", 1) == std::string::npos;
	if (cpu_scope) {
		int cpu = std::stoi(c.scope.substr(1, 4));
		if (cpu >= s_.ncpus())
			fail(c.scope_loc, "unknown CPU " + c.scope +
						  (s_.ncpus() == 1 ? std::string(" (the scenario has only P0)")
								   : " (the scenario has P0..P" +
									     std::to_string(s_.ncpus() - 1) + ")"));
		k.cpu = cpu;
		const auto& regs = s_.regs[static_cast<std::size_t>(cpu)];
		if (is_register(c.name)) {
			for (std::size_t i = 0; i < regs.size(); ++i)
				if (regs[i] == c.name)
					k.index = static_cast<int>(i);
			if (k.index < 0)
				fail(c.name_loc, "register " + c.name + " is never bound by " + c.scope);
			if (!c.has_value)
				fail(c.name_loc, "compare the register: " + c.scope + ":" + c.name + "=VALUE");
			k.kind = Check::reg;
			k.value = cond_value(c, true);
			return k;
		}
		for (int r = Result::sigsegv; r < Result::count_; ++r)
			if (c.name == result_kind_name(static_cast<Result::Kind>(r)))
				k.what = static_cast<Result::Kind>(r);
		if (k.what == Result::number)
			fail(c.name_loc, unexpected(c.name, "a register r0.. or an outcome of " + c.scope + ": " +
								    join(cpu_outcomes)));
		k.kind = Check::cpu_count;
		if (c.has_value)
			k.value = cond_value(c, false);
		return k;
	}
	k.index = find_slot(c.scope, ArgType::process, {}, c.scope_loc);
	if (c.name == "exited") {
		if (c.has_value)
			fail(c.value.loc, c.scope + ":exited takes no value (write ~" + c.scope + ":exited)");
		k.kind = Check::proc_exited;
		return k;
	}
	if (c.name != "sigsegv" && c.name != "sigbus")
		fail(c.name_loc, unexpected(c.name, "an outcome of process " + c.scope + ": " +
							    join(proc_outcomes)));
	k.kind = Check::proc_count;
	k.what = c.name == "sigsegv" ? Result::sigsegv : Result::sigbus;
	if (c.has_value)
		k.value = cond_value(c, false);
	return k;
}

void Sema::check_expectation()
{
	const Expectation& e = s_.ast.expect;
	if (e.kind == Expectation::exists_violation) {
		std::vector<std::string_view> names;
		for (int k = 0; k <= static_cast<int>(sim::ViolationKind::invariant); ++k)
			names.push_back(sim::violation_name(static_cast<sim::ViolationKind>(k)));
		for (std::size_t i = 0; i < e.kinds.size(); ++i) {
			sim::ViolationKind k;
			if (!sim::violation_from_name(e.kinds[i], k))
				fail(e.kind_locs[i],
				     unexpected(e.kinds[i], "a violation kind" +
								    (did_you_mean(e.kinds[i], names).empty()
									     ? ": " + join(names)
									     : suggest(e.kinds[i], names))));
			s_.kinds.push_back(e.kinds[i]);
		}
	}
	if (e.cond)
		s_.cond = compile_cond(*e.cond);
}

} // namespace

Scenario compile(Ast ast)
{
	return Sema(std::move(ast)).run();
}

} // namespace litmus
