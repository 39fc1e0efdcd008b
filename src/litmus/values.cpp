// Typed values: what a number, errno, flags or choice argument may be written as.
#include "litmus/values.hpp"

#include <climits>

namespace litmus {

// Parses a number token: 0x hex, or decimal with an optional K/M/G unit (when `units`).
bool parse_number(std::string_view s, bool hex_only, bool units, std::uint64_t& out)
{
	std::uint64_t v = 0;
	if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (s.size() > 18)
			return false;
		for (char c : s.substr(2)) {
			int d = c >= '0' && c <= '9'   ? c - '0'
				: c >= 'a' && c <= 'f' ? c - 'a' + 10
				: c >= 'A' && c <= 'F' ? c - 'A' + 10
						       : -1;
			if (d < 0)
				return false;
			v = v * 16 + static_cast<unsigned>(d);
		}
		out = v;
		return true;
	}
	if (hex_only)
		return false;
	std::uint64_t mult = 1;
	if (units && !s.empty()) {
		char u = s.back();
		if (u == 'K' || u == 'M' || u == 'G') {
			mult = u == 'K' ? 1ull << 10 : u == 'M' ? 1ull << 20 : 1ull << 30;
			s.remove_suffix(1);
		}
	}
	if (s.empty() || s.size() > 18)
		return false;
	for (char c : s) {
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + static_cast<unsigned>(c - '0');
	}
	if (v > (1ull << 62) / mult)
		return false;
	out = v * mult;
	return true;
}

std::int64_t value_of(const Param& p, const Value& v, std::string_view what, const std::string& file)
{
	auto bad = [&](Loc loc, std::string_view found, std::string expected) {
		throw Error(file, loc, "bad value '" + std::string(found) + "' for " + std::string(what) +
				  " (expected " + expected + ")");
	};
	auto names_of = [&] {
		std::vector<std::string_view> names;
		for (const Symbol& s : p.symbols)
			names.push_back(s.name);
		return names;
	};
	std::int64_t out = 0;
	switch (p.type) {
	case ArgType::flags:
	case ArgType::choice: {
		if (v.kind == Value::number && p.type == ArgType::flags && !v.negative &&
		    v.items[0] == "0")
			return 0;
		if (v.kind != Value::names || v.negative ||
		    (p.type == ArgType::choice && v.items.size() != 1))
			bad(v.loc, v.str(), (p.type == ArgType::flags ? "names joined by '|': " : "one of: ") +
						    join(names_of()));
		for (std::size_t i = 0; i < v.items.size(); ++i) {
			const Symbol* sym = nullptr;
			for (const Symbol& s : p.symbols)
				if (s.name == v.items[i])
					sym = &s;
			if (sym == nullptr)
				throw Error(file, v.item_locs[i],
					    unexpected(v.items[i], "one of " + join(names_of()) + " for " +
								    std::string(what) + suggest(v.items[i], names_of())));
			out |= sym->value;
		}
		return out;
	}
	case ArgType::address:
	case ArgType::size:
	case ArgType::integer: {
		if (p.type == ArgType::integer && v.kind == Value::names && v.negative &&
		    v.items.size() == 1) {
			std::int64_t e = 0;
			if (!errno_value(v.items[0], e))
				bad(v.loc, v.str(), "an errno name such as -ENOMEM");
			out = -e;
		} else {
			std::uint64_t u = 0;
			if (v.kind != Value::number ||
			    (v.negative && p.type != ArgType::integer) ||
			    !parse_number(v.items[0], p.type == ArgType::address, p.type == ArgType::size,
					  u) ||
			    u > static_cast<std::uint64_t>(INT64_MAX))
				bad(v.loc, v.str(), std::string(arg_type_name(p.type)));
			out = v.negative ? -static_cast<std::int64_t>(u) : static_cast<std::int64_t>(u);
		}
		if (out < p.min)
			bad(v.loc, v.str(), "at least " + std::to_string(p.min));
		if (out > p.max)
			bad(v.loc, v.str(), "at most " + std::to_string(p.max));
		return out;
	}
	default:
		break;
	}
	bad(v.loc, v.str(), std::string(arg_type_name(p.type)));
	return 0;
}

} // namespace litmus
