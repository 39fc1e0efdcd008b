// SpinLock, Mutex, RwSem, BitLock: acquisition goes might_sleep -> lockdep -> scheduling point
// (blocked until free) -> grant, as lock_acquire() and the slow path do in the kernel.
#include "sim/bitlock.hpp"
#include "sim/engine.hpp"
#include "sim/lockdep.hpp"
#include "sim/mutex.hpp"
#include "sim/rwsem.hpp"
#include "sim/spinlock.hpp"
#include "sim/irq.hpp"
#include "sim/verify.hpp"

namespace sim {
namespace {

struct How {
	Op op;
	bool shared = false;
	bool sleeping = false; // might_sleep() first
	bool spin = false;     // counts in spin_depth (preemption off)
};

// No schedule running: the model is used sequentially (unit tests), so a lock that is already
// held can never be released: that is a self-deadlock.
void direct_acquire(LockBase& l, bool shared)
{
	if (l.owner >= 0 || (!shared && l.readers != 0))
		raise(ViolationKind::deadlock,
		      std::string(l.name()) + " acquired while already held (sequential use)");
	if (shared)
		l.readers |= 1u;
	else
		l.owner = 0;
}

void acquire(LockBase& l, How h, int subclass = 0, const LockBase* nest = nullptr)
{
	Engine* e = Engine::active();
	Task* t = e ? e->current() : nullptr;
	if (t == nullptr) {
		direct_acquire(l, h.shared);
		return;
	}
	MMCHECK_VERIFY(!e->in_handler(), "RCU callbacks and IPI handlers must not take locks");
	if (h.sleeping)
		e->might_sleep(op_name(h.op).data());
	int class_id = e->options().lockdep ? e->lockdep().check_acquire(*e, *t, l, subclass, nest) : -1;
	e->point(h.op, h.shared ? WaitKind::lock_shared : WaitKind::lock_excl, &l);
	bool was = t->in_reader();
	if (h.spin)
		++t->spin_depth;
	e->acquired(*t, l, h.shared, subclass, nest, class_id);
	e->reader_changed(*t, was);
}

bool try_acquire(LockBase& l, How h)
{
	Engine* e = Engine::active();
	Task* t = e ? e->current() : nullptr;
	bool ok;
	if (t == nullptr) {
		ok = h.shared ? l.owner < 0 : !l.held();
		if (ok)
			direct_acquire(l, h.shared);
		return ok;
	}
	MMCHECK_VERIFY(!e->in_handler(), "RCU callbacks and IPI handlers must not take locks");
	e->point(h.op, WaitKind::none, &l);
	ok = h.shared ? l.owner < 0 : !l.held();
	// Taking the same lock again by trylock would succeed nowhere; still it must fail here.
	if (ok) {
		bool was = t->in_reader();
		if (h.spin)
			++t->spin_depth;
		e->acquired(*t, l, h.shared, 0, nullptr, -1);
		e->reader_changed(*t, was);
	}
	e->note_result(ok ? 1 : 0);
	return ok;
}

void release(LockBase& l, How h)
{
	Engine* e = Engine::active();
	Task* t = e ? e->current() : nullptr;
	if (t == nullptr) {
		if (h.shared)
			l.readers = 0;
		else
			l.owner = -1;
		return;
	}
	e->point(h.op, WaitKind::none, &l);
	e->released(*t, l);
	if (h.spin)
		--t->spin_depth;
}

void wait_unlocked(LockBase& l, Op op)
{
	Engine* e = Engine::active();
	Task* t = e ? e->current() : nullptr;
	if (t == nullptr) {
		if (l.held())
			raise(ViolationKind::deadlock,
			      std::string("waiting for ") + l.name() + " to be released (sequential use)");
		return;
	}
	e->might_sleep(op_name(op).data());
	e->point(op, WaitKind::lock_unlocked, &l);
}

bool holds(const LockBase& l, bool write)
{
	Engine* e = Engine::active();
	Task* t = e ? e->current() : nullptr;
	if (t == nullptr)
		return write ? l.owner >= 0 : l.held();
	if (l.owner == t->id)
		return true;
	return !write && (l.readers & (TaskMask(1) << t->id));
}

} // namespace

void SpinLock::lock() { acquire(*this, {Op::spin_lock, false, false, true}); }
bool SpinLock::trylock() { return try_acquire(*this, {Op::spin_trylock, false, false, true}); }
void SpinLock::unlock() { release(*this, {Op::spin_unlock, false, false, true}); }
void SpinLock::lock_nested(int subclass)
{
	acquire(*this, {Op::spin_lock, false, false, true}, subclass);
}
void SpinLock::lock_nest_lock(const LockBase& nest)
{
	acquire(*this, {Op::spin_lock, false, false, true}, 0, &nest);
}
void SpinLock::lock_irq()
{
	local_irq_disable();
	lock();
}
void SpinLock::unlock_irq()
{
	unlock();
	local_irq_enable();
}

void SpinLock::assert_held() const
{
	if (!holds(*this, true))
		raise(ViolationKind::assertion, std::string(name()) + " is not held (lockdep_assert_held)");
}

void Mutex::lock() { acquire(*this, {Op::mutex_lock, false, true, false}); }
bool Mutex::trylock() { return try_acquire(*this, {Op::mutex_trylock, false, false, false}); }
void Mutex::unlock() { release(*this, {Op::mutex_unlock, false, false, false}); }

void RwSem::down_read() { acquire(*this, {Op::down_read, true, true, false}); }
bool RwSem::down_read_trylock()
{
	return try_acquire(*this, {Op::down_read_trylock, true, false, false});
}
void RwSem::up_read() { release(*this, {Op::up_read, true, false, false}); }
void RwSem::down_write() { acquire(*this, {Op::down_write, false, true, false}); }
bool RwSem::down_write_trylock()
{
	return try_acquire(*this, {Op::down_write_trylock, false, false, false});
}
void RwSem::up_write() { release(*this, {Op::up_write, false, false, false}); }
void RwSem::down_write_nested(int subclass)
{
	acquire(*this, {Op::down_write, false, true, false}, subclass);
}
void RwSem::down_read_nested(int subclass)
{
	acquire(*this, {Op::down_read, true, true, false}, subclass);
}

void RwSem::assert_held() const
{
	if (!holds(*this, false))
		raise(ViolationKind::assertion, std::string(name()) + " is not held (lockdep_assert_held)");
}

void RwSem::assert_write_held() const
{
	if (!holds(*this, true))
		raise(ViolationKind::assertion,
		      std::string(name()) + " is not held for write (lockdep_assert_held_write)");
}

void BitLock::lock() { acquire(*this, {Op::bit_lock, false, true, false}); }
bool BitLock::trylock() { return try_acquire(*this, {Op::bit_trylock, false, false, false}); }
void BitLock::unlock() { release(*this, {Op::bit_unlock, false, false, false}); }
void BitLock::wait_unlocked() { sim::wait_unlocked(*this, Op::bit_wait); }

} // namespace sim
