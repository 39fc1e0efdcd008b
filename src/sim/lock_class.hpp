// Lock classes: lockdep reasons about classes (all ptlocks are one class), not instances.
#pragma once

#include <cstdint>

namespace sim {

// A documented lock order (the kernel's ladder written down as data, e.g. the header of
// mm/rmap.c): classes 0..n-1 and the nestings the documentation allows. lockdep reports an
// acquisition against it at once, before any schedule has shown the other order.
struct LockOrder {
	struct Edge {
		int outer, inner;
		const char* where; // the kernel function that nests them
	};
	int n = 0;
	const char* const* names = nullptr;    // n class names
	const Edge* edges = nullptr;           // the documented nestings
	int nedges = 0;
	const unsigned char* before = nullptr; // n*n: before[a*n+b] = a is documented outside b
	const char* source = "";               // where the order is written ("src/mm/lock_classes.def")

	bool documented_before(int a, int b) const
	{
		return before[static_cast<unsigned>(a) * static_cast<unsigned>(n) + static_cast<unsigned>(b)] != 0;
	}
};

// A named lock class. Define one per kind of lock as a static object, e.g.
//   inline constexpr sim::LockClass i_mmap_rwsem_class{"i_mmap_rwsem"};
// Immutable; lockdep assigns ids by address on first use.
struct LockClass {
	const char* name;
	// IRQ-safe classes (taken from hardirq context in the kernel, like hugetlb_lock) must
	// always be acquired with IRQs off; lockdep reports an acquisition with IRQs on.
	bool irq_safe = false;
	// Its place in a documented order, if any (index into `order`).
	const LockOrder* order = nullptr;
	int doc = -1;
};

using TaskMask = std::uint32_t;

// Holder state shared by every lock kind. Written only by the engine at the acquiring or
// releasing task's scheduling point, so it is consistent whenever a task looks at it.
struct LockBase {
	const LockClass* cls = nullptr; // nullptr: not tracked by lockdep (like PG_locked)
	int owner = -1;                 // task holding it exclusively, -1 if none
	TaskMask readers = 0;           // tasks holding it shared

	constexpr explicit LockBase(const LockClass* c) : cls(c) {}
	bool held() const { return owner >= 0 || readers != 0; }
	const char* name() const { return cls ? cls->name : "lock"; }
};

} // namespace sim
