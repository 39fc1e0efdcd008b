// lock_classes.def compiled into the table lockdep checks: the documented nestings and their
// transitive closure (a before c whenever a before b before c), computed at compile time.
#include "mm/lock_classes.hpp"

#include <array>

namespace mm {
namespace {

constexpr int N = static_cast<int>(LockClassId::count_);

constexpr const char* kNames[] = {
#define LOCK_CLASS(ident, name, irq_safe) name,
#define LOCK_ORDER(outer, inner, where)
#include "mm/lock_classes.def"
#undef LOCK_ORDER
#undef LOCK_CLASS
};

constexpr sim::LockOrder::Edge kEdges[] = {
#define LOCK_CLASS(ident, name, irq_safe)
#define LOCK_ORDER(outer, inner, where)                                                            \
	{static_cast<int>(LockClassId::outer), static_cast<int>(LockClassId::inner), where},
#include "mm/lock_classes.def"
#undef LOCK_ORDER
#undef LOCK_CLASS
};

constexpr std::array<unsigned char, N * N> closure()
{
	std::array<unsigned char, N * N> b{};
	for (const auto& e : kEdges)
		b[static_cast<std::size_t>(e.outer * N + e.inner)] = 1;
	for (int k = 0; k < N; ++k) // Warshall
		for (int i = 0; i < N; ++i)
			for (int j = 0; j < N; ++j)
				if (b[static_cast<std::size_t>(i * N + k)] && b[static_cast<std::size_t>(k * N + j)])
					b[static_cast<std::size_t>(i * N + j)] = 1;
	return b;
}

constexpr std::array<unsigned char, N * N> kBefore = closure();

// A cycle would make every class on it "against the order" of itself.
constexpr bool acyclic()
{
	for (int i = 0; i < N; ++i)
		if (kBefore[static_cast<std::size_t>(i * N + i)])
			return false;
	return true;
}
static_assert(acyclic(), "lock_classes.def: the documented order has a cycle");

} // namespace

const sim::LockOrder kernel_lock_order{N,
				       kNames,
				       kEdges,
				       static_cast<int>(sizeof kEdges / sizeof kEdges[0]),
				       kBefore.data(),
				       "src/mm/lock_classes.def"};

} // namespace mm
