#include "sim/op.hpp"

#include <array>

namespace sim {
namespace {
constexpr std::array<std::string_view, 64> kNames = {
#define OP(id, name) name,
#include "sim/ops.def"
#undef OP
};
} // namespace

std::string_view op_name(Op op)
{
	return kNames[static_cast<std::size_t>(op)];
}

} // namespace sim
