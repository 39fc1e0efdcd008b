#include "sim/irq.hpp"

#include "sim/engine.hpp"

namespace sim {
namespace {
Task* task_of(Engine* e)
{
	return (e && !e->in_handler()) ? e->current() : nullptr;
}
} // namespace

void local_irq_disable()
{
	Engine* e = Engine::active();
	Task* t = task_of(e);
	if (t == nullptr)
		return;
	e->point(Op::irq_disable, WaitKind::none, nullptr);
	bool was = t->in_reader();
	t->irq_off = true;
	e->reader_changed(*t, was);
}

void local_irq_enable()
{
	Engine* e = Engine::active();
	Task* t = task_of(e);
	if (t == nullptr)
		return;
	e->point(Op::irq_enable, WaitKind::none, nullptr);
	t->irq_off = false;
	// IPIs that arrived meanwhile are taken now.
	e->ipi_deliver_pending(*t);
}

unsigned long local_irq_save()
{
	Engine* e = Engine::active();
	Task* t = task_of(e);
	if (t == nullptr)
		return 0;
	unsigned long flags = t->irq_off ? 1 : 0;
	local_irq_disable();
	return flags;
}

void local_irq_restore(unsigned long flags)
{
	if (flags == 0)
		local_irq_enable();
	else
		local_irq_disable(); // already off: only the scheduling point remains
}

bool irqs_disabled()
{
	Engine* e = Engine::active();
	Task* t = task_of(e);
	return t != nullptr && t->irq_off;
}

void smp_call_function(void (*fn)(void*, int), void* arg)
{
	if (Engine* e = Engine::active())
		e->ipi_send(fn, arg, false);
}

void on_each_cpu(void (*fn)(void*, int), void* arg)
{
	if (Engine* e = Engine::active())
		e->ipi_send(fn, arg, true);
	else
		fn(arg, 0);
}

void smp_call_function_many(unsigned mask, void (*fn)(void*, int), void* arg, bool include_self)
{
	if (Engine* e = Engine::active()) {
		e->ipi_send(fn, arg, include_self, mask);
	} else {
		for (int c = 0; c < 32; ++c)
			if (mask & (1u << c))
				fn(arg, c);
	}
}

void cpu_relax()
{
	Engine* e = Engine::active();
	Task* t = task_of(e);
	if (t == nullptr)
		return;
	e->point(Op::cpu_relax, WaitKind::relax, nullptr, t->last_step);
}

void Engine::ipi_send(void (*fn)(void*, int), void* arg, bool include_self, TaskMask targets)
{
	Task* t = cur_;
	if (t == nullptr || handler_depth_ > 0) {
		for (int i = 0; i < ntasks_; ++i)
			if (targets & (TaskMask(1) << i))
				fn(arg, i);
		return;
	}
	if (t->irq_off)
		fail(make_violation(ViolationKind::might_sleep,
				    "smp_call_function() with IRQs disabled: waiting for other CPUs "
				    "can deadlock (kernel WARN_ON_ONCE(irqs_disabled()))"));
	point(Op::ipi_send, WaitKind::none, reinterpret_cast<const void*>(fn));
	t->ipi_unacked = 0;
	++handler_depth_;
	for (int i = 0; i < ntasks_; ++i) {
		if (i == t->id || !(targets & (TaskMask(1) << i)))
			continue;
		Task& c = tasks_[static_cast<std::size_t>(i)];
		if (c.irq_off) {
			c.ipis[static_cast<std::size_t>(c.nipis++)] = PendingIpi{fn, arg, t->id};
			++t->ipi_unacked;
		} else {
			fn(arg, i);
		}
	}
	if (include_self && (targets & (TaskMask(1) << t->id)))
		fn(arg, t->id);
	--handler_depth_;
	point(Op::ipi_wait, WaitKind::ipi, t);
}

void Engine::ipi_deliver_pending(Task& t)
{
	++handler_depth_;
	for (int k = 0; k < t.nipis; ++k) {
		PendingIpi& p = t.ipis[static_cast<std::size_t>(k)];
		p.fn(p.arg, t.id);
		--tasks_[static_cast<std::size_t>(p.sender)].ipi_unacked;
	}
	t.nipis = 0;
	--handler_depth_;
}

} // namespace sim
