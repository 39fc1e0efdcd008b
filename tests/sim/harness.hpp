// A minimal driver for sim tests: runs a few task bodies under the engine, either one
// schedule with a fixed preference or every schedule (a plain exhaustive DFS, independent of
// explore/ so that sim is tested on its own).
#pragma once

#include "sim/sim.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace simtest {

struct World {
	std::function<void()> setup = [] {};
	std::vector<std::function<void()>> tasks;
	std::function<void()> check = [] {};
	sim::EngineOptions opt{};
};

struct Result {
	std::uint64_t schedules = 0;
	std::vector<sim::Violation> violations; // one per failing schedule
	std::optional<sim::Violation> first() const
	{
		if (violations.empty())
			return std::nullopt;
		return violations.front();
	}
	bool found(sim::ViolationKind k) const
	{
		for (const auto& v : violations)
			if (v.kind == k)
				return true;
		return false;
	}
};

// Exhaustive DFS over task picks and values; `limit` caps the schedules.
class DfsChooser : public sim::Chooser {
public:
	bool next_schedule()
	{
		pos_ = 0;
		if (first_) {
			first_ = false;
			return true;
		}
		while (!stack_.empty()) {
			Node& n = stack_.back();
			if (n.chosen + 1 < n.options.size()) {
				++n.chosen;
				return true;
			}
			stack_.pop_back();
		}
		return false;
	}
	int pick_task(const sim::ChoicePoint& cp) override
	{
		if (pos_ < stack_.size())
			return stack_[pos_++].get();
		Node n;
		for (int i = 0; i < sim::kMaxTasks; ++i)
			if (cp.enabled & (1u << i))
				n.options.push_back(i);
		stack_.push_back(n);
		++pos_;
		return stack_.back().get();
	}
	int pick_value(int k, std::uint64_t) override
	{
		if (pos_ < stack_.size())
			return stack_[pos_++].get();
		Node n;
		for (int i = 0; i < k; ++i)
			n.options.push_back(i);
		stack_.push_back(n);
		++pos_;
		return 0;
	}

private:
	struct Node {
		std::vector<int> options;
		std::size_t chosen = 0;
		int get() const { return options[chosen]; }
	};
	std::vector<Node> stack_;
	std::size_t pos_ = 0;
	bool first_ = true;
};

// Always runs the lowest-numbered enabled task, except that it switches to `prefer` whenever
// that task is enabled: a deterministic single schedule for targeted tests.
class FixedChooser : public sim::Chooser {
public:
	explicit FixedChooser(int prefer = -1) : prefer_(prefer) {}
	int pick_task(const sim::ChoicePoint& cp) override
	{
		if (prefer_ >= 0 && (cp.enabled & (1u << prefer_)))
			return prefer_;
		if (cp.current >= 0)
			return cp.current;
		for (int i = 0; i < sim::kMaxTasks; ++i)
			if (cp.enabled & (1u << i))
				return i;
		return 0;
	}
	int pick_value(int, std::uint64_t) override { return 0; }

private:
	int prefer_;
};

inline void run_one(sim::Engine& e, World& w, sim::Chooser& c)
{
	int n = static_cast<int>(w.tasks.size());
	std::vector<std::string> names;
	for (int i = 0; i < n; ++i)
		names.push_back("P" + std::to_string(i));
	names.push_back("init");
	e.begin_schedule(names);
	auto call = [](void* ctx, int id) {
		auto* world = static_cast<World*>(ctx);
		if (id == static_cast<int>(world->tasks.size()))
			return world->setup();
		world->tasks[static_cast<std::size_t>(id)]();
	};
	auto check = [](void* ctx, int) { static_cast<World*>(ctx)->check(); };
	std::vector<int> init{n};
	std::vector<int> ids;
	for (int i = 0; i < n; ++i)
		ids.push_back(i);
	if (e.run_phase(init, call, &w, c) && e.run_phase(ids, call, &w, c))
		e.run_phase(init, check, &w, c);
	e.end_schedule();
}

inline Result explore_all(World& w, std::uint64_t limit = 100000)
{
	sim::Engine e(w.opt);
	DfsChooser c;
	Result r;
	while (r.schedules < limit && c.next_schedule()) {
		run_one(e, w, c);
		++r.schedules;
		if (e.violation())
			r.violations.push_back(*e.violation());
	}
	return r;
}

inline Result run_fixed(World& w, int prefer = -1)
{
	sim::Engine e(w.opt);
	FixedChooser c(prefer);
	Result r;
	run_one(e, w, c);
	r.schedules = 1;
	if (e.violation())
		r.violations.push_back(*e.violation());
	return r;
}

} // namespace simtest
