#include "sim/rcu.hpp"

#include "sim/engine.hpp"

namespace sim {
namespace {
Task* task_of(Engine* e)
{
	return (e && !e->in_handler()) ? e->current() : nullptr;
}
} // namespace

void rcu_read_lock()
{
	Engine* e = Engine::active();
	Task* t = task_of(e);
	if (t == nullptr)
		return;
	e->point(Op::rcu_read_lock, WaitKind::none, nullptr);
	bool was = t->in_reader();
	++t->rcu_depth;
	e->reader_changed(*t, was);
}

void rcu_read_unlock()
{
	Engine* e = Engine::active();
	Task* t = task_of(e);
	if (t == nullptr)
		return;
	e->point(Op::rcu_read_unlock, WaitKind::none, nullptr);
	if (t->rcu_depth == 0)
		raise(ViolationKind::assertion, "rcu_read_unlock() without rcu_read_lock()");
	--t->rcu_depth;
}

void synchronize_rcu()
{
	Engine* e = Engine::active();
	Task* t = task_of(e);
	if (t == nullptr)
		return;
	e->might_sleep("synchronize_rcu()");
	// Waits for the readers that began before this call, not for later ones.
	e->point(Op::synchronize_rcu, WaitKind::rcu_gp, nullptr, e->steps() + 1);
}

void call_rcu(void (*fn)(void*), void* arg)
{
	Engine* e = Engine::active();
	Task* t = task_of(e);
	if (t == nullptr) {
		// No concurrent reader can exist outside a schedule: the grace period is over.
		if (e == nullptr)
			fn(arg);
		else
			e->call_rcu(fn, arg);
		return;
	}
	e->point(Op::call_rcu, WaitKind::none, nullptr);
	e->call_rcu(fn, arg);
}

bool rcu_read_lock_held()
{
	Engine* e = Engine::active();
	Task* t = task_of(e);
	return t == nullptr || t->in_reader();
}

} // namespace sim
