#include "litmus/verdict.hpp"

namespace litmus {

Verdict judge(const Scenario& s, const explore::ExploreResult& r)
{
	Verdict v;
	const std::uint64_t bad = r.schedules_with_violation;
	switch (s.ast.expect.kind) {
	case Expectation::forbid_violation:
		v.positive = bad;
		v.negative = r.schedules - bad;
		v.ok = bad == 0;
		return v;
	case Expectation::exists_violation:
		for (const std::string& k : s.kinds)
			if (auto it = r.violations.find(k); it != r.violations.end())
				v.positive += it->second;
		v.negative = r.schedules - v.positive;
		// Another kind of violation is another bug: it fails the expectation.
		v.ok = v.positive > 0 && v.positive == bad;
		return v;
	case Expectation::exists:
		v.positive = r.witnesses_positive;
		v.negative = r.witnesses_negative;
		v.ok = bad == 0 && v.positive > 0;
		return v;
	case Expectation::not_exists:
		v.positive = r.witnesses_positive;
		v.negative = r.witnesses_negative;
		v.ok = bad == 0 && v.positive == 0;
		return v;
	case Expectation::forall:
		v.positive = r.witnesses_positive;
		v.negative = r.witnesses_negative;
		v.ok = bad == 0 && v.negative == 0;
		return v;
	}
	return v;
}

std::string observation(const Verdict& v)
{
	if (v.positive == 0)
		return "Never";
	return v.negative == 0 ? "Always" : "Sometimes";
}

std::string expectation_text(const Scenario& s)
{
	const Expectation& e = s.ast.expect;
	switch (e.kind) {
	case Expectation::forbid_violation:
		return "forbid violation";
	case Expectation::exists_violation: {
		std::string t = "exists violation";
		for (std::size_t i = 0; i < e.kinds.size(); ++i)
			t += (i ? "|" : " ") + e.kinds[i];
		return t;
	}
	case Expectation::exists:
		return "exists (" + print(*e.cond) + ")";
	case Expectation::not_exists:
		return "~exists (" + print(*e.cond) + ")";
	case Expectation::forall:
		return "forall (" + print(*e.cond) + ")";
	}
	return {};
}

} // namespace litmus
