// Lock classes: lockdep reasons about classes (all ptlocks are one class), not instances.
#pragma once

#include <cstdint>

namespace sim {

// A named lock class. Define one per kind of lock as a static object, e.g.
//   inline constexpr sim::LockClass i_mmap_rwsem_class{"i_mmap_rwsem"};
// Immutable; lockdep assigns ids by address on first use.
struct LockClass {
	const char* name;
	// IRQ-safe classes (taken from hardirq context in the kernel, like hugetlb_lock) must
	// always be acquired with IRQs off; lockdep reports an acquisition with IRQs on.
	bool irq_safe = false;
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
