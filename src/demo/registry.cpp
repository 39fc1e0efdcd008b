#include "demo/demo.hpp"
#include "demo/programs.hpp"

namespace demo {
namespace {

using K = sim::ViolationKind;

Expectation forbid()
{
	return {};
}

Expectation exists(std::vector<K> kinds)
{
	return {true, std::move(kinds)};
}

} // namespace

const std::vector<Demo>& demos()
{
	static const std::vector<Demo> all = {
	    {"lost-update", "two tasks increment a counter with READ_ONCE then WRITE_ONCE",
	     make_lost_update, exists({K::assertion})},
	    {"atomic-counter", "two tasks increment a counter with atomic_fetch_add",
	     make_atomic_counter, forbid()},
	    {"abba-deadlock", "two spinlocks taken in opposite orders by two tasks",
	     make_abba_deadlock, exists({K::deadlock, K::lock_order})},
	    {"mutex-under-spinlock", "mutex_lock() while holding a spinlock",
	     make_mutex_under_spinlock, exists({K::might_sleep})},
	    {"ipi-vs-irqs-off",
	     "smp_call_function() completes only once the IRQs-off CPU re-enables interrupts",
	     make_ipi_vs_irqs_off, forbid()},
	    {"rcu-use-after-free",
	     "a reader uses an RCU-protected object after rcu_read_unlock(), while call_rcu frees "
	     "it",
	     make_rcu_use_after_free, exists({K::use_after_free})},
	    {"trylock-livelock",
	     "a spin_trylock() retry loop waits for a lock whose holder waits for the looper",
	     make_trylock_livelock, exists({K::livelock})},
	};
	return all;
}

const Demo* find_demo(std::string_view name)
{
	for (const Demo& d : demos()) {
		if (d.name == name)
			return &d;
	}
	return nullptr;
}

} // namespace demo
