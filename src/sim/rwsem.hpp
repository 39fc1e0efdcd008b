// struct rw_semaphore: sleeping reader/writer lock. A reader waits while a writer holds it or
// is blocked waiting for it (writer preference, so recursive reads can deadlock as in Linux).
#pragma once

#include "sim/lock_class.hpp"

namespace sim {

class RwSem : public LockBase {
public:
	constexpr explicit RwSem(const LockClass* c) : LockBase(c) {}
	RwSem(const RwSem&) = delete;
	RwSem& operator=(const RwSem&) = delete;

	void down_read();
	bool down_read_trylock();
	void up_read();
	void down_write();
	bool down_write_trylock();
	void up_write();
	// down_write_nested() / down_read_nested(): a second lock of this class, ordered by
	// subclass (dup_mmap takes the child's mmap_lock under the parent's).
	void down_write_nested(int subclass);
	void down_read_nested(int subclass);
	// Lock assertions (mmap_assert_locked, i_mmap_assert_write_locked): raise an
	// `assertion` finding if the current task does not hold it as asked.
	void assert_held() const;
	void assert_write_held() const;
};

} // namespace sim
