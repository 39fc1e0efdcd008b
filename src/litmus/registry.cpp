#include "litmus/registry.hpp"

#include "sim/verify.hpp"

#include <cstdio>

namespace litmus {

#define MODULE(name) void register_##name(Registry& r);
#include "litmus/modules.def"
#undef MODULE

const Registry& registry()
{
	static const Registry r = [] {
		Registry reg;
#define MODULE(name)                                                                             \
	reg.module_ = #name;                                                                     \
	register_##name(reg);
#include "litmus/modules.def"
#undef MODULE
		return reg;
	}();
	return r;
}

void Registry::add(OpSpec op)
{
	MMCHECK_VERIFY(this->op(op.name) == nullptr, "litmus operation registered twice");
	MMCHECK_VERIFY(op.exec != nullptr, "litmus operation without an executor");
	op.module = module_;
	ops_.push_back(std::move(op));
}

void Registry::add(ConfigKey key)
{
	MMCHECK_VERIFY(config_key(key.name) == nullptr, "litmus config key registered twice");
	key.module = module_;
	keys_.push_back(std::move(key));
}

void Registry::extend(std::string_view op_name, std::string_view param,
		      std::vector<Symbol> symbols)
{
	for (OpSpec& o : ops_) {
		if (o.name != op_name)
			continue;
		for (Param& p : o.params) {
			if (p.name == param) {
				MMCHECK_VERIFY(p.type == ArgType::flags || p.type == ArgType::choice,
					       "Registry::extend of a parameter without names");
				p.symbols.insert(p.symbols.end(), symbols.begin(), symbols.end());
				return;
			}
		}
	}
	MMCHECK_VERIFY(false, "Registry::extend of an unknown operation or parameter");
}

const OpSpec* Registry::op(std::string_view name) const
{
	for (const OpSpec& o : ops_)
		if (o.name == name)
			return &o;
	return nullptr;
}

const ConfigKey* Registry::config_key(std::string_view name) const
{
	for (const ConfigKey& k : keys_)
		if (k.name == name)
			return &k;
	return nullptr;
}

std::vector<std::string_view> Registry::op_names() const
{
	std::vector<std::string_view> v;
	for (const OpSpec& o : ops_)
		v.push_back(o.name);
	return v;
}

std::vector<std::string_view> Registry::config_names() const
{
	std::vector<std::string_view> v;
	for (const ConfigKey& k : keys_)
		v.push_back(k.name);
	return v;
}

std::string_view result_kind_name(Result::Kind k)
{
	switch (k) {
	case Result::number:
		return "number";
	case Result::sigsegv:
		return "sigsegv";
	case Result::sigbus:
		return "sigbus";
	case Result::oom:
		return "oom";
	case Result::dead:
		return "dead";
	case Result::absent:
		return "absent";
	case Result::count_:
		break;
	}
	return "?";
}

std::string result_str(const Result& r)
{
	if (r.kind != Result::number)
		return std::string(result_kind_name(r.kind));
	if (r.num < 0) {
		std::string n = errno_name(-r.num);
		if (!n.empty())
			return "-" + n;
		return std::to_string(r.num);
	}
	if (r.num > 0xffff) {
		char buf[32];
		std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(r.num));
		return buf;
	}
	return std::to_string(r.num);
}

Result from_access(const mm::access_result& r)
{
	switch (r.kind) {
	case mm::access_result::ok:
		return {Result::number, static_cast<std::int64_t>(r.value)};
	case mm::access_result::sigsegv:
		return {Result::sigsegv, 0};
	case mm::access_result::sigbus:
		return {Result::sigbus, 0};
	case mm::access_result::oom:
		return {Result::oom, 0};
	case mm::access_result::dead:
		return {Result::dead, 0};
	}
	return {};
}

std::string_view arg_type_name(ArgType t)
{
	switch (t) {
	case ArgType::address:
		return "an address in hex (0x40000000)";
	case ArgType::size:
		return "a size (4096, 0x1000, 16K, 2M, 1G)";
	case ArgType::integer:
		return "an integer (42, 0x2a, -1, -ENOMEM)";
	case ArgType::flags:
		return "flag names joined by '|'";
	case ArgType::choice:
		return "one name";
	case ArgType::process:
		return "a process name";
	case ArgType::new_process:
		return "a new process name";
	case ArgType::file:
		return "a file name";
	case ArgType::new_file:
		return "a new file name";
	case ArgType::object:
		return "an object name";
	case ArgType::new_object:
		return "a new object name";
	}
	return "?";
}

const ArgValue& Call::arg(std::string_view param) const
{
	for (std::size_t i = 0; i < spec->params.size(); ++i)
		if (spec->params[i].name == param)
			return args[i];
	MMCHECK_VERIFY(false, "executor reads an argument its operation does not declare");
	return args.front();
}

mm::process& OpContext::process(const Call& c, std::string_view param)
{
	int slot = c.arg(param).slot;
	MMCHECK_VERIFY(slot >= 0 && env_.objects[static_cast<std::size_t>(slot)] != nullptr,
		       "executor reads a process that does not exist");
	return *static_cast<mm::process*>(env_.objects[static_cast<std::size_t>(slot)]);
}

mm::file* OpContext::file(const Call& c, std::string_view param)
{
	int slot = c.arg(param).slot;
	return slot < 0 ? nullptr : static_cast<mm::file*>(env_.objects[static_cast<std::size_t>(slot)]);
}

void* OpContext::object(const Call& c, std::string_view param)
{
	int slot = c.arg(param).slot;
	return slot < 0 ? nullptr : env_.objects[static_cast<std::size_t>(slot)];
}

std::string_view OpContext::name(const Call& c, std::string_view param) const
{
	int slot = c.arg(param).slot;
	MMCHECK_VERIFY(slot >= 0 && env_.names != nullptr, "name() of an argument that names no object");
	return (*env_.names)[static_cast<std::size_t>(slot)];
}

void OpContext::bind(const Call& c, std::string_view param, void* obj)
{
	int slot = c.arg(param).slot;
	MMCHECK_VERIFY(slot >= 0, "bind() of an argument that names no object");
	env_.objects[static_cast<std::size_t>(slot)] = obj;
}

} // namespace litmus
