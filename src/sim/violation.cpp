#include "sim/violation.hpp"

#include <array>

namespace sim {
namespace {
struct KindInfo {
	std::string_view name;
	std::string_view doc;
};
constexpr std::array kKinds = {
#define VIOLATION(id, name, doc) KindInfo{name, doc},
#include "sim/violations.def"
#undef VIOLATION
};
} // namespace

std::string_view violation_name(ViolationKind k)
{
	return kKinds[static_cast<std::size_t>(k)].name;
}

std::string_view violation_doc(ViolationKind k)
{
	return kKinds[static_cast<std::size_t>(k)].doc;
}

bool violation_from_name(std::string_view name, ViolationKind& out)
{
	for (std::size_t i = 0; i < kKinds.size(); ++i) {
		if (kKinds[i].name == name) {
			out = static_cast<ViolationKind>(i);
			return true;
		}
	}
	return false;
}

} // namespace sim
