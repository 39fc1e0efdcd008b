// Kinds of scheduling points (see ops.def) and why a task at a point may have to wait.
#pragma once

#include <cstdint>
#include <string_view>

namespace sim {

enum class Op : std::uint8_t {
#define OP(id, name) id,
#include "sim/ops.def"
#undef OP
};

// The kernel-style name printed in traces ("spin_lock", "READ_ONCE").
std::string_view op_name(Op op);

// What must hold before a task's pending operation can run. Blocking is modelled as "not
// runnable", never as spinning in the scheduler (ARCHITECTURE.md sim/).
enum class WaitKind : std::uint8_t {
	none,          // always runnable
	lock_excl,     // LockBase free of writer and readers
	lock_shared,   // no writer, and no writer blocked on it (rwsem writer preference)
	lock_unlocked, // LockBase not held (wait_on_page_locked)
	seq_even,      // SeqCount even: no write section open
	rcu_gp,        // no RCU reader that began before `arg` (a step number) is still running
	ipi,           // every CPU acknowledged this task's IPI
	relax,         // another task made a step since this task's previous step (fairness)
};

} // namespace sim
