#include "demo/demo.hpp"

#include <algorithm>

namespace demo {

std::string Expectation::describe() const
{
	if (!violation)
		return "forbid violation";
	std::string s = "exists violation";
	for (std::size_t i = 0; i < kinds.size(); ++i)
		s += (i ? "|" : " ") + std::string(sim::violation_name(kinds[i]));
	return s;
}

bool Expectation::holds(const explore::ExploreResult& r) const
{
	if (!violation)
		return r.violations.empty() && !r.first;
	if (r.violations.empty() && !r.first)
		return false;
	auto allowed = [&](std::string_view name) {
		return kinds.empty() ||
		       std::any_of(kinds.begin(), kinds.end(), [&](sim::ViolationKind k) {
			       return sim::violation_name(k) == name;
		       });
	};
	if (r.first && !allowed(sim::violation_name(r.first->violation.kind)))
		return false;
	return std::all_of(r.violations.begin(), r.violations.end(),
	                   [&](const auto& kv) { return allowed(kv.first); });
}

} // namespace demo
