// The small programs the benchmarks explore, and a sequential runner that calls the same task
// bodies with no engine active: the physical limit an explorer's schedule is measured against.
#pragma once

#include "explore/program.hpp"
#include "sim/sim.hpp"

#include <array>
#include <string>

namespace bench {

inline constexpr sim::LockClass counter_lock_class{"counter_lock"};

// `tasks` tasks (at most 4), each doing `ops` operations on one shared word, cycling
// READ_ONCE, WRITE_ONCE and an atomic add: every operation is a scheduling point.
class AtomicOps : public explore::Program {
public:
	AtomicOps(int tasks, int ops) : tasks_(tasks), ops_(ops) {}
	std::string name() const override
	{
		return "atomic-ops-" + std::to_string(tasks_) + "x" + std::to_string(ops_);
	}
	int num_tasks() const override { return tasks_; }
	void setup() override { x_.init(0); }
	void run(int i) override
	{
		int seen = 0;
		for (int j = 0; j < ops_; ++j) {
			switch (j % 3) {
			case 0:
				seen += x_.load();
				break;
			case 1:
				x_.store(i + seen);
				break;
			default:
				x_.fetch_add(1);
				break;
			}
		}
		sum_[static_cast<std::size_t>(i)] = seen;
	}

private:
	int tasks_;
	int ops_;
	sim::Atomic<int> x_;
	std::array<int, 4> sum_{};
};

// Each task increments a shared counter `iters` times under a spinlock (READ_ONCE, then
// WRITE_ONCE with the lock held); check() wants tasks * iters. Lockdep is on, as in real runs.
class LockedCounter : public explore::Program {
public:
	LockedCounter(int tasks, int iters) : tasks_(tasks), iters_(iters) {}
	std::string name() const override
	{
		return "locked-counter-" + std::to_string(tasks_) + "x" + std::to_string(iters_);
	}
	int num_tasks() const override { return tasks_; }
	void setup() override { c_.init(0); }
	void run(int) override
	{
		MM_FRAME("counter_inc");
		for (int j = 0; j < iters_; ++j) {
			lock_.lock();
			c_.store(c_.load() + 1);
			lock_.unlock();
		}
	}
	void check() override
	{
		if (c_.peek() != tasks_ * iters_)
			sim::raise(sim::ViolationKind::assertion, "lost update under a lock");
	}

private:
	int tasks_;
	int iters_;
	sim::SpinLock lock_{&counter_lock_class};
	sim::Atomic<int> c_;
};

// One "schedule" without an engine: setup, every task body in turn as plain calls, check,
// teardown. The primitives see no active engine and act directly.
inline void run_sequential(explore::Program& p)
{
	p.setup();
	for (int i = 0; i < p.num_tasks(); ++i)
		p.run(i);
	p.check();
	p.teardown();
}

} // namespace bench
