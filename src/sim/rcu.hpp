// RCU. Readers: rcu_read_lock sections, and (flavours consolidated since v4.20) any region with
// IRQs or preemption off. Callbacks run as soon as every reader that predates them finished,
// which is the earliest moment Linux may run them, so use-after-free shows up soonest.
// Callbacks run without scheduling points and must not take locks.
#pragma once

namespace sim {

void rcu_read_lock();
void rcu_read_unlock();
void synchronize_rcu();
void call_rcu(void (*fn)(void* arg), void* arg);
// rcu_read_lock_held() in the wide sense above.
bool rcu_read_lock_held();

} // namespace sim
