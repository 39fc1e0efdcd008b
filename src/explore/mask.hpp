// Small helpers on sim::TaskMask (bit i = task i) shared by the strategies.
#pragma once

#include "sim/lock_class.hpp"

#include <bit>

namespace explore {

inline bool has_task(sim::TaskMask m, int t)
{
	return t >= 0 && t < 32 && ((m >> t) & 1u) != 0;
}

inline int count_tasks(sim::TaskMask m)
{
	return std::popcount(m);
}

// The i-th (0-based) task set in `m`, counting from the lowest id; -1 if there is none.
inline int nth_task(sim::TaskMask m, int i)
{
	for (; m != 0; m &= m - 1) {
		if (i-- == 0)
			return std::countr_zero(m);
	}
	return -1;
}

} // namespace explore
