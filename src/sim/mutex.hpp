// struct mutex: a sleeping lock (might_sleep on lock).
#pragma once

#include "sim/lock_class.hpp"

namespace sim {

class Mutex : public LockBase {
public:
	constexpr explicit Mutex(const LockClass* c) : LockBase(c) {}
	Mutex(const Mutex&) = delete;
	Mutex& operator=(const Mutex&) = delete;

	void lock();
	bool trylock();
	void unlock();
};

} // namespace sim
