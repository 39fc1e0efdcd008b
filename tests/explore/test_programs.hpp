// Small programs the explorer tests run: each is the smallest race that shows one behaviour
// of the explorer (an interleaving count, a bug of known depth, a value choice).
#pragma once

#include "explore/explorer.hpp"
#include "sim/sim.hpp"

#include <array>
#include <set>
#include <string>
#include <vector>

namespace explore::testing {

// n choose k, for exact interleaving counts: two tasks of k steps interleave C(2k, k) ways.
inline std::uint64_t binomial(int n, int k)
{
	std::uint64_t r = 1;
	for (int i = 1; i <= k; ++i)
		r = r * static_cast<std::uint64_t>(n - k + i) / static_cast<std::uint64_t>(i);
	return r;
}

// `tasks` tasks (at most 4), each storing k times to its own word: no conflicts, so every
// interleaving is a different order of the same steps. outcome() is that order ("0101..").
class IndependentStores : public Program {
public:
	explicit IndependentStores(int k, int tasks = 2) : k_(k), tasks_(tasks) {}
	std::string name() const override { return "independent-stores-" + std::to_string(k_); }
	int num_tasks() const override { return tasks_; }
	void setup() override { order_.clear(); }
	void run(int i) override
	{
		for (int j = 0; j < k_; ++j) {
			x_[static_cast<std::size_t>(i)].store(j);
			order_ += static_cast<char>('0' + i);
		}
	}
	std::string outcome() const override { return order_; }

private:
	int k_;
	int tasks_;
	std::array<sim::Atomic<int>, 4> x_;
	std::string order_;
};

// Two tasks increment a counter; check() wants 2. With `atomic` false the increment is
// READ_ONCE then WRITE_ONCE and loses an update when both load before either stores.
class Counter : public Program {
public:
	explicit Counter(bool atomic, int padding = 0) : atomic_(atomic), padding_(padding) {}
	std::string name() const override { return atomic_ ? "counter-atomic" : "counter-racy"; }
	int num_tasks() const override { return 2; }
	void setup() override
	{
		++setups;
		c_.init(0);
	}
	void run(int i) override
	{
		MM_FRAME("counter_inc");
		for (int j = 0; j < padding_; ++j)
			pad_[static_cast<std::size_t>(i)].store(j);
		if (atomic_)
			c_.fetch_add(1);
		else
			c_.store(c_.load() + 1);
	}
	void check() override
	{
		if (c_.peek() != 2)
			sim::raise(sim::ViolationKind::assertion,
			           "lost update: counter is " + std::to_string(c_.peek()));
	}
	void teardown() override { ++teardowns; }
	std::string outcome() const override { return std::to_string(c_.peek()); }
	std::string describe(sim::Op, const void* obj) const override
	{
		return obj == &c_ ? "counter" : "";
	}

	int setups = 0;
	int teardowns = 0;

private:
	bool atomic_;
	int padding_;
	sim::Atomic<int> c_;
	std::array<sim::Atomic<int>, 2> pad_;
};

// Each task takes two tickets from a shared dispenser. The check fails only if P0 holds
// tickets 0 and 2, i.e. the order was exactly P0 P1 P0 P1: P0 must be preempted after its
// first ticket and P1 after its first, two preemptions. (The last switch is free: P0 is
// done by then.)
class Alternation : public Program {
public:
	std::string name() const override { return "alternation"; }
	int num_tasks() const override { return 2; }
	void setup() override { next_.init(0); }
	void run(int i) override
	{
		auto& mine = got_[static_cast<std::size_t>(i)];
		mine[0] = next_.fetch_add(1);
		mine[1] = next_.fetch_add(1);
	}
	void check() override
	{
		if (got_[0][0] == 0 && got_[0][1] == 2)
			sim::raise(sim::ViolationKind::assertion, "P0 and P1 alternated");
	}

private:
	sim::Atomic<int> next_;
	std::array<std::array<int, 2>, 2> got_{};
};

// Value choices in both phases: setup() picks one of 2, the single task one of 3 and then
// one of 2. outcome() is the three values, so 12 distinct outcomes exist.
class Choices : public Program {
public:
	std::string name() const override { return "choices"; }
	int num_tasks() const override { return 1; }
	void setup() override { key_ = std::to_string(sim::choose(2)); }
	void run(int) override
	{
		key_ += std::to_string(sim::choose(3));
		key_ += std::to_string(sim::choose(2));
	}
	std::string outcome() const override { return key_; }

private:
	std::string key_;
};

// Forwards to another strategy and keeps every schedule's decisions, so a test can check
// what was explored independently of the explorer's own bookkeeping.
class Spy : public Strategy {
public:
	explicit Spy(std::unique_ptr<Strategy> s) : s_(std::move(s)) {}
	bool begin_schedule() override
	{
		if (!s_->begin_schedule())
			return false;
		schedules.emplace_back();
		return true;
	}
	void end_schedule(const ScheduleInfo& i) override { s_->end_schedule(i); }
	std::string name() const override { return s_->name(); }
	bool exhausted() const override { return s_->exhausted(); }
	int pick_task(const sim::ChoicePoint& cp) override
	{
		const int t = s_->pick_task(cp);
		schedules.back().decisions.push_back({false, static_cast<std::uint8_t>(t)});
		return t;
	}
	int pick_value(int n, std::uint64_t step) override
	{
		const int v = s_->pick_value(n, step);
		schedules.back().decisions.push_back({true, static_cast<std::uint8_t>(v)});
		return v;
	}

	std::vector<Schedule> schedules;

private:
	std::unique_ptr<Strategy> s_;
};

inline std::set<std::vector<std::pair<bool, int>>> distinct(const std::vector<Schedule>& ss)
{
	std::set<std::vector<std::pair<bool, int>>> out;
	for (const Schedule& s : ss) {
		std::vector<std::pair<bool, int>> v;
		for (const Decision& d : s.decisions)
			v.emplace_back(d.is_value, d.pick);
		out.insert(std::move(v));
	}
	return out;
}

inline ExploreOptions dfs_options(int bound)
{
	ExploreOptions o;
	o.strategy = "dfs";
	o.preemption_bound = bound;
	o.max_schedules = 0;
	return o;
}

} // namespace explore::testing
