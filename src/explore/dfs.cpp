// Bounded exhaustive search, stateless as in CHESS (Musuvathi & Qadeer, "Iterative Context
// Bounding for Systematic Testing of Multithreaded Programs", PLDI 2007): no program state is
// stored, every schedule re-executes from setup() and replays the decision prefix kept on a
// stack, then branches at the deepest decision that still has an untried alternative.
//
// A preemption is picking a task other than `current` while `current` could go on; switching
// away from a task that blocked or finished is free. With a bound, a decision that would
// exceed it offers only `current`. Value choices (sim::choose) are enumerated too and cost
// nothing. Each distinct decision sequence is a distinct interleaving, so an unbounded search
// visits every interleaving exactly once.
#include "explore/mask.hpp"
#include "explore/strategy.hpp"

#include "sim/verify.hpp"

#include <vector>

namespace explore {
namespace {

struct Node {
	bool is_value = false;
	sim::TaskMask enabled = 0; // task decisions: who could run
	int current = -1;          // task decisions: who ran last, if still enabled
	int n = 0;                 // value decisions: choose(n)
	int chosen = 0;            // task id or value taken in the schedule being run
	sim::TaskMask todo = 0;    // task decisions: alternatives not yet tried
	int preemptions = 0;       // preemptions before this decision
};

class DfsStrategy final : public Strategy {
public:
	explicit DfsStrategy(int bound) : bound_(bound) { stack_.reserve(256); }

	std::string name() const override { return "dfs"; }
	bool exhausted() const override { return exhausted_; }

	bool begin_schedule() override
	{
		if (exhausted_)
			return false;
		if (started_ && !backtrack()) {
			exhausted_ = true;
			return false;
		}
		started_ = true;
		depth_ = 0;
		preemptions_ = 0;
		return true;
	}

	int pick_task(const sim::ChoicePoint& cp) override
	{
		if (depth_ < stack_.size()) {
			const Node& nd = stack_[depth_++];
			MMCHECK_VERIFY(
			    !nd.is_value && nd.enabled == cp.enabled && nd.current == cp.current,
			    "dfs: the program is not deterministic (a replayed prefix took "
			    "another path)");
			preemptions_ = nd.preemptions + cost(nd.current, nd.chosen);
			return nd.chosen;
		}
		Node nd;
		nd.enabled = cp.enabled;
		nd.current = has_task(cp.enabled, cp.current) ? cp.current : -1;
		nd.preemptions = preemptions_;
		sim::TaskMask allowed = cp.enabled;
		if (bound_ >= 0 && preemptions_ >= bound_ && nd.current >= 0)
			allowed = sim::TaskMask{1} << nd.current;
		nd.chosen = nd.current >= 0 ? nd.current : nth_task(allowed, 0);
		nd.todo = allowed & ~(sim::TaskMask{1} << nd.chosen);
		stack_.push_back(nd);
		++depth_;
		return nd.chosen;
	}

	int pick_value(int n, std::uint64_t) override
	{
		if (depth_ < stack_.size()) {
			const Node& nd = stack_[depth_++];
			MMCHECK_VERIFY(
			    nd.is_value && nd.n == n,
			    "dfs: the program is not deterministic (a replayed prefix took "
			    "another path)");
			return nd.chosen;
		}
		Node nd;
		nd.is_value = true;
		nd.n = n;
		nd.preemptions = preemptions_;
		stack_.push_back(nd);
		++depth_;
		return 0;
	}

private:
	int cost(int current, int pick) const { return current >= 0 && pick != current ? 1 : 0; }

	// Moves the deepest decision with an untried alternative to that alternative and drops
	// everything below it. False when no decision has one left: the space is covered.
	bool backtrack()
	{
		stack_.resize(depth_);
		while (!stack_.empty()) {
			Node& nd = stack_.back();
			if (nd.is_value && nd.chosen + 1 < nd.n) {
				++nd.chosen;
				return true;
			}
			if (!nd.is_value && nd.todo != 0) {
				nd.chosen = nth_task(nd.todo, 0);
				nd.todo &= nd.todo - 1;
				return true;
			}
			stack_.pop_back();
		}
		return false;
	}

	int bound_;
	std::vector<Node> stack_;
	std::size_t depth_ = 0; // decisions taken in the running schedule
	int preemptions_ = 0;   // preemptions so far in the running schedule
	bool started_ = false;
	bool exhausted_ = false;
};

} // namespace

std::unique_ptr<Strategy> make_dfs(int preemption_bound)
{
	return std::make_unique<DfsStrategy>(preemption_bound);
}

} // namespace explore
