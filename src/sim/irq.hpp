// Local interrupt control and IPIs. An IPI is taken by a CPU at once if it has IRQs on,
// otherwise when it turns them back on; the sender of a synchronous IPI waits for every CPU.
// This is what made x86's IPI TLB flush exclude an IRQ-off GUP-fast, and what broadcast TLB
// invalidation lacks.
#pragma once

namespace sim {

void local_irq_disable();
void local_irq_enable();
// Returns the previous state; nesting-safe with local_irq_restore().
unsigned long local_irq_save();
void local_irq_restore(unsigned long flags);
bool irqs_disabled();

// smp_call_function(fn, arg, wait=1): runs fn(arg, cpu) on every other CPU, waits for all.
void smp_call_function(void (*fn)(void* arg, int cpu), void* arg);
// on_each_cpu(): the same plus the calling CPU, at once.
void on_each_cpu(void (*fn)(void* arg, int cpu), void* arg);
// smp_call_function_many() / on_each_cpu_mask(): only the CPUs in `mask` (and this CPU, at
// once, if it is in the mask and `include_self`).
void smp_call_function_many(unsigned mask, void (*fn)(void* arg, int cpu), void* arg,
			    bool include_self);
// cpu_relax() in a retry loop: with fair scheduling the task waits until another task ran;
// too many in a row with no one else able to run is reported as an unbounded retry.
void cpu_relax();

} // namespace sim
