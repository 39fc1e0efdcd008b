// spinlock_t. Holding one disables preemption: no sleeping (might_sleep), and the holder
// counts as an RCU-sched reader.
#pragma once

#include "sim/lock_class.hpp"

namespace sim {

class SpinLock : public LockBase {
public:
	constexpr explicit SpinLock(const LockClass* c) : LockBase(c) {}
	SpinLock(const SpinLock&) = delete;
	SpinLock& operator=(const SpinLock&) = delete;

	void lock();
	bool trylock();
	void unlock();
	// spin_lock_nested(): a second lock of the same class, ordered by subclass.
	void lock_nested(int subclass);
	// spin_lock_nest_lock(): many locks of one class, serialised by holding `nest`.
	void lock_nest_lock(const LockBase& nest);
	// spin_lock_irq / spin_unlock_irq (IRQ-safe classes must be taken this way).
	void lock_irq();
	void unlock_irq();
	// lockdep_assert_held(): raise an `assertion` finding unless the current task holds it.
	void assert_held() const;
};

} // namespace sim
