// Lifetime of objects whose use-after-free sim detects (page-table pages, pages, ...).
// The owner embeds a Lifetime and calls lifetime_check() on every access through a pointer
// that could be stale.
#pragma once

#include <cstdint>

namespace sim {

struct Lifetime {
	enum class State : std::uint8_t { live, rcu_pending, freed };
	State state = State::live;
	std::uint64_t queued_step = 0; // step of the RCU-deferred free
	std::uint64_t freed_step = 0;
	int freed_by = -1;             // task, -1 outside a schedule
	const char* freed_in = nullptr; // innermost frame of the free
	const char* queued_in = nullptr;
	void (*then)(void*) = nullptr;  // lifetime_free_rcu() continuation
	void* then_arg = nullptr;

	void revive() { *this = Lifetime{}; } // reallocated: a new object from here on
	bool live() const { return state == State::live; }
};

// Frees now (a scheduling point). Freeing twice is a double-free finding.
void lifetime_free(Lifetime& lt, const void* obj);
// Queues the free behind an RCU grace period (tlb_remove_table, call_rcu); `then` (may be
// null) runs when it is done, as an RCU callback.
void lifetime_free_rcu(Lifetime& lt, const void* obj, void (*then)(void* arg) = nullptr,
		       void* arg = nullptr);
// Raises use-after-free unless `obj` is live, or RCU-pending and the current task is in a
// reader section that began before the free was queued. `what` names the access.
void lifetime_check(const Lifetime& lt, const void* obj, const char* what);

} // namespace sim
