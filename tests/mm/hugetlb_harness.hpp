// Helpers for hugetlb tests: the counters as a tuple, address constants, a world with a pool.
#pragma once

#include "hugetlb_seeds.hpp"

#include <gtest/gtest.h>

#include <ostream>

namespace mm {
inline std::ostream& operator<<(std::ostream& os, const Kernel::hugetlb_meminfo& m)
{
	return os << "(Total " << m.total << ", Free " << m.free << ", Rsvd " << m.rsvd << ", Surp "
		  << m.surp << ")";
}
} // namespace mm

namespace mmtest {

using mm::HPAGE_SIZE;
using mm::PUD_SIZE;
using Meminfo = mm::Kernel::hugetlb_meminfo;

inline Meminfo counters(unsigned long total, unsigned long free, unsigned long rsvd,
			unsigned long surp)
{
	return Meminfo{total, free, rsvd, surp};
}

inline constexpr int SHARED = mm::MAP_SHARED;
inline constexpr int PRIVATE = mm::MAP_PRIVATE;
inline constexpr int HUGE_ANON_PRIVATE = mm::MAP_PRIVATE | mm::MAP_ANONYMOUS | mm::MAP_HUGETLB;
inline constexpr int HUGE_ANON_SHARED = mm::MAP_SHARED | mm::MAP_ANONYMOUS | mm::MAP_HUGETLB;


// The kernel functions each CPU ran in the replay of the first violating schedule of `r`.
inline std::vector<std::string> frames_by_cpu(MmProgram& p, const explore::ExploreResult& r)
{
	explore::Explorer ex;
	sim::Trace t = ex.replay(p, r.first->schedule);
	std::vector<std::string> out(static_cast<std::size_t>(p.num_tasks() + 1));
	for (const sim::TraceStep& s : t.steps) {
		if (s.task < 0 || static_cast<std::size_t>(s.task) >= out.size())
			continue;
		for (const char* f : s.frames)
			out[static_cast<std::size_t>(s.task)] += std::string(f) + " ";
	}
	return out;
}

inline bool ran(const std::vector<std::string>& frames, int cpu, const std::string& fn)
{
	return frames[static_cast<std::size_t>(cpu)].find(fn + " ") != std::string::npos;
}

} // namespace mmtest
