#include "sim/lifetime.hpp"

#include "sim/engine.hpp"
#include "sim/frame.hpp"
#include "sim/rcu.hpp"

namespace sim {
namespace {

std::string who(int task)
{
	Engine* e = Engine::active();
	if (e && task >= 0 && task < e->ntasks())
		return e->task(task).name;
	return "init";
}

std::string name_of(const void* obj)
{
	Engine* e = Engine::active();
	return e ? e->describe(Op::event, obj) : std::string("object");
}

void stamp(Lifetime& lt)
{
	Engine* e = Engine::active();
	Task* t = e ? e->current() : nullptr;
	lt.freed_step = e ? e->steps() : 0;
	lt.freed_by = t ? t->id : -1;
	lt.freed_in = (t && t->frames) ? t->frames->name : nullptr;
}

void rcu_done(void* arg)
{
	auto& lt = *static_cast<Lifetime*>(arg);
	lt.state = Lifetime::State::freed;
	if (lt.then)
		lt.then(lt.then_arg);
}

} // namespace

void lifetime_free(Lifetime& lt, const void* obj)
{
	point(Op::obj_free, WaitKind::none, obj);
	if (lt.state != Lifetime::State::live)
		raise(ViolationKind::double_free,
		      "double free of " + name_of(obj) + " (first freed by " + who(lt.freed_by) +
			      " in " + (lt.freed_in ? lt.freed_in : "?") + ")");
	stamp(lt);
	lt.state = Lifetime::State::freed;
}

void lifetime_free_rcu(Lifetime& lt, const void* obj, void (*then)(void*), void* arg)
{
	if (lt.state != Lifetime::State::live) {
		point(Op::call_rcu, WaitKind::none, obj);
		raise(ViolationKind::double_free,
		      "double free of " + name_of(obj) + " (first freed by " + who(lt.freed_by) +
			      " in " + (lt.freed_in ? lt.freed_in : "?") + ")");
	}
	lt.then = then;
	lt.then_arg = arg;
	// call_rcu() is the scheduling point; the state changes in the same step.
	Engine* e = Engine::active();
	if (e && e->current() && !e->in_handler())
		e->point(Op::call_rcu, WaitKind::none, obj);
	stamp(lt);
	lt.queued_step = e ? e->steps() : 0;
	lt.queued_in = lt.freed_in;
	lt.state = Lifetime::State::rcu_pending;
	if (e)
		e->call_rcu(&rcu_done, &lt);
	else
		rcu_done(&lt);
}

void lifetime_check(const Lifetime& lt, const void* obj, const char* what)
{
	if (lt.state == Lifetime::State::live) [[likely]]
		return;
	Engine* e = Engine::active();
	Task* t = e ? e->current() : nullptr;
	if (lt.state == Lifetime::State::rcu_pending) {
		if (t == nullptr || e->in_handler() ||
		    (t->in_reader() && t->reader_since < lt.queued_step))
			return;
		raise(ViolationKind::use_after_free,
		      std::string(what) + " of " + name_of(obj) + " after its RCU free was queued by " +
			      who(lt.freed_by) + " in " + (lt.queued_in ? lt.queued_in : "?") +
			      " at step " + std::to_string(lt.queued_step) +
			      ", outside a reader that began before it");
	}
	raise(ViolationKind::use_after_free,
	      std::string(what) + " of " + name_of(obj) + " freed by " + who(lt.freed_by) + " in " +
		      (lt.freed_in ? lt.freed_in : "?") + " at step " + std::to_string(lt.freed_step));
}

} // namespace sim
