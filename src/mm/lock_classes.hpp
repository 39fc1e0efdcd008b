// The lock classes of the model, with their documented order (lock_classes.def).
#pragma once

#include "sim/lock_class.hpp"

namespace mm {

enum class LockClassId : int {
#define LOCK_CLASS(ident, name, irq_safe) ident,
#define LOCK_ORDER(outer, inner, where)
#include "mm/lock_classes.def"
#undef LOCK_ORDER
#undef LOCK_CLASS
	count_
};

// lock_classes.def as lockdep reads it (lock_classes.cpp).
extern const sim::LockOrder kernel_lock_order;

#define LOCK_CLASS(ident, name, irq_safe)                                                          \
	inline constexpr sim::LockClass ident{name, irq_safe, &kernel_lock_order,                  \
					      static_cast<int>(LockClassId::ident)};
#define LOCK_ORDER(outer, inner, where)
#include "mm/lock_classes.def"
#undef LOCK_ORDER
#undef LOCK_CLASS

} // namespace mm
