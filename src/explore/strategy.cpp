// Strategy selection from the knobs (ExploreOptions): the one place that maps names to
// strategies and rejects bad values with the knob's name, as the CLI shows it.
#include "explore/explorer.hpp"

#include <stdexcept>

namespace explore {

std::unique_ptr<Strategy> make_strategy(const ExploreOptions& opt)
{
	if (opt.strategy == "random")
		return make_random(opt.seed);
	if (opt.strategy == "pct") {
		if (opt.pct_depth < 1)
			throw std::invalid_argument("--pct-depth: must be at least 1 (got " +
			                            std::to_string(opt.pct_depth) + ")");
		// No length estimate yet: PCT learns it from the first schedules.
		return make_pct(opt.seed, opt.pct_depth, 0);
	}
	if (opt.strategy == "dfs")
		return make_dfs(opt.preemption_bound);
	throw std::invalid_argument("--strategy: unknown strategy '" + opt.strategy +
	                            "' (expected random, pct or dfs)");
}

} // namespace explore
