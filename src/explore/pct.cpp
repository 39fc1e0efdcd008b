// PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
// "A Randomized Scheduler with Probabilistic Guarantees of Finding Bugs", ASPLOS 2010).
// A bug of depth d (d ordering constraints) in a run of n tasks and k steps is found by one
// schedule with probability at least 1/(n k^(d-1)).
//
// Differences from the paper: k is not known ahead; it starts at the caller's estimate and is
// then the longest schedule seen so far. The paper lowers the task running *at* change point
// step s; the engine asks only where there is a choice, so a change point that falls on a
// forced step is applied at the next choice point, to the task that would run there. Change
// points at choice points, the ones that matter for the bound, are exact.
#include "explore/mask.hpp"
#include "explore/rng.hpp"
#include "explore/strategy.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace explore {
namespace {

// Used as k for the first schedule when the caller has no estimate.
constexpr std::uint64_t kDefaultLength = 100;

class PctStrategy final : public Strategy {
public:
	PctStrategy(std::uint64_t seed, int depth, std::uint64_t length)
	    : rng_(seed), depth_(depth), k_(length ? length : kDefaultLength)
	{
		changes_.reserve(static_cast<std::size_t>(depth));
	}

	std::string name() const override { return "pct"; }

	bool begin_schedule() override
	{
		// Distinct initial priorities d..d+N-1, a uniform random permutation
		// (Fisher-Yates). All kMaxTasks get one; only the relative order of the tasks that
		// exist matters.
		for (int i = 0; i < sim::kMaxTasks; ++i)
			prio_[static_cast<std::size_t>(i)] = depth_ + i;
		for (int i = sim::kMaxTasks - 1; i > 0; --i) {
			const auto j = rng_.below(static_cast<std::uint64_t>(i) + 1);
			std::swap(prio_[static_cast<std::size_t>(i)], prio_[j]);
		}
		// d-1 change points uniform in [1, k]; the i-th lowers the running task to i.
		changes_.clear();
		for (int i = 1; i < depth_; ++i)
			changes_.emplace_back(1 + rng_.below(k_), i);
		std::sort(changes_.begin(), changes_.end());
		next_change_ = 0;
		return true;
	}

	void end_schedule(const ScheduleInfo& info) override
	{
		longest_ = std::max(longest_, info.steps);
		if (longest_ > 0)
			k_ = longest_;
	}

	int pick_task(const sim::ChoicePoint& cp) override
	{
		const std::uint64_t step = cp.step + 1; // the step about to run, 1-based
		while (next_change_ < changes_.size() && changes_[next_change_].first <= step) {
			prio_[static_cast<std::size_t>(highest(cp.enabled))] =
			    changes_[next_change_].second;
			++next_change_;
		}
		return highest(cp.enabled);
	}

	int pick_value(int n, std::uint64_t) override
	{
		return static_cast<int>(rng_.below(static_cast<std::uint64_t>(n)));
	}

private:
	int highest(sim::TaskMask enabled) const
	{
		int best = -1;
		for (sim::TaskMask m = enabled; m != 0; m &= m - 1) {
			const int t = std::countr_zero(m);
			if (best < 0 || prio_[static_cast<std::size_t>(t)] >
			                    prio_[static_cast<std::size_t>(best)])
				best = t;
		}
		return best;
	}

	Rng rng_;
	int depth_;
	std::uint64_t k_;           // estimated schedule length in steps
	std::uint64_t longest_ = 0; // longest schedule seen
	std::array<int, sim::kMaxTasks> prio_{};
	std::vector<std::pair<std::uint64_t, int>> changes_; // (step, new priority), by step
	std::size_t next_change_ = 0;
};

} // namespace

std::unique_ptr<Strategy> make_pct(std::uint64_t seed, int depth, std::uint64_t max_steps)
{
	return std::make_unique<PctStrategy>(seed, depth, max_steps);
}

} // namespace explore
