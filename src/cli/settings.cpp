#include "cli/settings.hpp"

#include "cli/usage_error.hpp"
#include "mm/fixes.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

namespace cli {
namespace {

enum class Kind { text, count, integer, seconds, positive, boolean, switches };

struct Knob {
	const char* flag; // without "--"
	const char* env;
	Kind kind;
	const char* arg; // shown in --help
	const char* help;
	void (*apply)(Settings& s, const std::string& raw, std::int64_t i, double d, bool b);
};

// The one table of knobs; parsing, environment and --help all read it.
const Knob kKnobs[] = {
    {"strategy", "MMCHECK_STRATEGY", Kind::text, "random|pct|dfs",
     "how the next task is chosen at every point (default pct)",
     [](Settings& s, const std::string& v, std::int64_t, double, bool) { s.explore.strategy = v; }},
    {"seed", "MMCHECK_SEED", Kind::count, "N", "seed of the random and pct strategies (default 1)",
     [](Settings& s, const std::string&, std::int64_t i, double, bool) {
	     s.explore.seed = static_cast<std::uint64_t>(i);
     }},
    {"schedules", "MMCHECK_SCHEDULES", Kind::count, "N",
     "schedules to explore per target, 0 = no limit (default 10000)",
     [](Settings& s, const std::string&, std::int64_t i, double, bool) {
	     s.explore.max_schedules = static_cast<std::uint64_t>(i);
     }},
    {"seconds", "MMCHECK_SECONDS", Kind::seconds, "S",
     "time budget per target, 0 = no limit (default 0)",
     [](Settings& s, const std::string&, std::int64_t, double d, bool) {
	     s.explore.max_seconds = d;
     }},
    {"preemption-bound", "MMCHECK_PREEMPTION_BOUND", Kind::integer, "N",
     "dfs: preemptions per schedule, -1 = unbounded (default 2)",
     [](Settings& s, const std::string&, std::int64_t i, double, bool) {
	     s.explore.preemption_bound = static_cast<int>(i);
     }},
    {"pct-depth", "MMCHECK_PCT_DEPTH", Kind::positive, "D",
     "pct: bug depth d, d-1 priority change points (default 3)",
     [](Settings& s, const std::string&, std::int64_t i, double, bool) {
	     s.explore.pct_depth = static_cast<int>(i);
     }},
    {"max-steps", "MMCHECK_MAX_STEPS", Kind::positive, "N",
     "step budget of one schedule; beyond it: step-budget finding (default 200000)",
     [](Settings& s, const std::string&, std::int64_t i, double, bool) {
	     s.explore.engine.max_steps = static_cast<std::uint64_t>(i);
     }},
    {"keep-going", "MMCHECK_KEEP_GOING", Kind::boolean, nullptr,
     "explore the whole budget instead of stopping at the first violation",
     [](Settings& s, const std::string&, std::int64_t, double, bool b) {
	     s.explore.stop_on_violation = !b;
     }},
    {"fix", "MMCHECK_FIX", Kind::switches, "NAME=on|off",
     "turn a fix, proposal or mutant on or off (repeatable; the variable takes a comma list)",
     [](Settings& s, const std::string& v, std::int64_t, double, bool) {
	     s.switches.push_back(v);
     }},
    {"json", "MMCHECK_JSON", Kind::boolean, nullptr, "print one JSON document instead of text",
     [](Settings& s, const std::string&, std::int64_t, double, bool b) { s.json = b; }},
    {"full", "MMCHECK_FULL", Kind::boolean, nullptr, "print traces with every step, untrimmed",
     [](Settings& s, const std::string&, std::int64_t, double, bool b) { s.full = b; }},
};

[[noreturn]] void bad_value(const std::string& who, const char* expected, const std::string& raw)
{
	throw UsageError(who + ": expected " + expected + ", got '" + raw + "'");
}

std::int64_t parse_int(const std::string& who, const std::string& raw, std::int64_t min,
                       const char* expected)
{
	if (raw.empty() || raw.find_first_not_of("-0123456789") != std::string::npos)
		bad_value(who, expected, raw);
	errno = 0;
	char* end = nullptr;
	long long v = std::strtoll(raw.c_str(), &end, 10);
	if (errno || *end || v < min)
		bad_value(who, expected, raw);
	return v;
}

// `who` is the flag ("--seed") or the variable ("MMCHECK_SEED") the value came from.
void apply(const Knob& k, Settings& s, const std::string& who, const std::string& raw)
{
	std::int64_t i = 0;
	double d = 0;
	bool b = false;
	switch (k.kind) {
	case Kind::text:
		if (std::string(k.flag) == "strategy" && raw != "random" && raw != "pct" &&
		    raw != "dfs")
			bad_value(who, "one of random, pct, dfs", raw);
		break;
	case Kind::count:
		i = parse_int(who, raw, 0, "a non-negative integer");
		break;
	case Kind::integer:
		i = parse_int(who, raw, std::numeric_limits<int>::min(), "an integer");
		if (i > std::numeric_limits<int>::max())
			bad_value(who, "an integer", raw);
		break;
	case Kind::positive:
		i = parse_int(who, raw, 1, "a positive integer");
		if (i > std::numeric_limits<int>::max())
			bad_value(who, "a positive integer", raw);
		break;
	case Kind::seconds: {
		char* end = nullptr;
		d = raw.empty() ? -1 : std::strtod(raw.c_str(), &end);
		if (raw.empty() || *end || !std::isfinite(d) || d < 0)
			bad_value(who, "a non-negative number of seconds", raw);
		break;
	}
	case Kind::switches: {
		// A comma list in the environment; one NAME=on|off per flag.
		std::size_t start = 0;
		for (;;) {
			std::size_t comma = raw.find(',', start);
			std::string one = raw.substr(start, comma == std::string::npos ? comma : comma - start);
			std::size_t eq = one.find('=');
			std::string name = one.substr(0, eq), state = eq == std::string::npos ? "" : one.substr(eq + 1);
			if (eq == std::string::npos || (state != "on" && state != "off"))
				bad_value(who, "NAME=on or NAME=off", one);
			if (!mm::find_fix(name))
				throw UsageError(who + ": unknown switch '" + name +
						 "' (expected a fix, proposal or mutant; see mmcheck list)");
			k.apply(s, one, 0, 0, false);
			if (comma == std::string::npos)
				return;
			start = comma + 1;
		}
	}
	case Kind::boolean:
		if (raw == "1" || raw == "true" || raw == "yes" || raw == "on")
			b = true;
		else if (raw == "0" || raw == "false" || raw == "no" || raw == "off")
			b = false;
		else
			bad_value(who, "a boolean (1/0, true/false)", raw);
		break;
	}
	k.apply(s, raw, i, d, b);
}

const Knob* find_knob(const std::string& flag)
{
	for (const Knob& k : kKnobs) {
		if (flag == k.flag)
			return &k;
	}
	return nullptr;
}

} // namespace

Settings parse_settings(std::span<const std::string> args, Settings base)
{
	Settings s = std::move(base);
	// Flags first, applied after the environment: a flag wins, and a bad variable that a
	// flag overrides does not matter.
	std::vector<std::pair<const Knob*, std::string>> flags;
	for (std::size_t i = 0; i < args.size(); ++i) {
		const std::string& a = args[i];
		if (a.size() < 3 || a.compare(0, 2, "--") != 0) {
			if (a.size() > 1 && a[0] == '-')
				throw UsageError("unknown option '" + a + "' (see mmcheck --help)");
			s.positional.push_back(a);
			continue;
		}
		std::string name = a.substr(2), value;
		bool inline_value = false;
		if (auto eq = name.find('='); eq != std::string::npos) {
			value = name.substr(eq + 1);
			name.resize(eq);
			inline_value = true;
		}
		const Knob* k = find_knob(name);
		if (!k)
			throw UsageError("unknown option '--" + name + "' (see mmcheck --help)");
		if (k->kind == Kind::boolean && !inline_value) {
			value = "1";
		} else if (!inline_value) {
			// A value-taking flag always takes the next word, even "-1".
			if (i + 1 >= args.size())
				throw UsageError("--" + name + ": missing value (" + k->arg + ")");
			value = args[++i];
		}
		flags.emplace_back(k, value);
	}
	for (const Knob& k : kKnobs) {
		// --fix adds to MMCHECK_FIX (a later NAME=... wins); other flags replace their variable.
		bool overridden = k.kind != Kind::switches &&
				  std::any_of(flags.begin(), flags.end(),
					      [&](const auto& f) { return f.first == &k; });
		if (const char* v = std::getenv(k.env); v && *v && !overridden) {
			apply(k, s, k.env, v);
			s.applied.push_back({&k, k.env, v});
		}
	}
	for (const auto& [k, value] : flags) {
		apply(*k, s, std::string("--") + k->flag, value);
		s.applied.push_back({k, std::string("--") + k->flag, value});
	}
	return s;
}

explore::ExploreOptions Settings::options_for(const explore::ExploreOptions& defaults) const
{
	Settings t;
	t.explore = defaults;
	t.explore.stop_on_violation = explore.stop_on_violation;
	for (const Applied& a : applied)
		apply(*static_cast<const Knob*>(a.knob), t, a.who, a.raw);
	return t.explore;
}

std::vector<std::string> Settings::replay_args() const
{
	// Only what changes how one schedule runs: the step budget and the switches.
	std::vector<std::string> out;
	for (const Applied& a : applied) {
		const Knob& k = *static_cast<const Knob*>(a.knob);
		if (std::string(k.flag) == "max-steps")
			out = {"--max-steps", a.raw};
	}
	for (const std::string& sw : switches) {
		out.push_back("--fix");
		out.push_back(sw);
	}
	return out;
}

std::string knobs_help()
{
	std::string out;
	for (const Knob& k : kKnobs) {
		std::string flag =
		    std::string("  --") + k.flag + (k.arg ? std::string(" ") + k.arg : "");
		flag.resize(std::max<std::size_t>(flag.size() + 1, 30), ' ');
		out += flag + k.env + "\n        " + k.help + "\n";
	}
	return out;
}

} // namespace cli
