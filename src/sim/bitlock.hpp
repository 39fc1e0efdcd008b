// A sleeping bit lock with waiters, as PG_locked (folio_lock). Not tracked by lockdep
// unless given a class (the kernel's lockdep does not see page locks either).
#pragma once

#include "sim/lock_class.hpp"

namespace sim {

class BitLock : public LockBase {
public:
	constexpr explicit BitLock(const LockClass* c = nullptr) : LockBase(c) {}
	BitLock(const BitLock&) = delete;
	BitLock& operator=(const BitLock&) = delete;

	void lock();
	bool trylock();
	void unlock();
	// folio_wait_locked(): sleeps until the bit is clear, without taking it.
	void wait_unlocked();
	bool is_locked() const { return held(); }
};

} // namespace sim
