// The explorer's random source: SplitMix64 (Steele et al., OOPSLA 2014). Chosen over
// std::mt19937_64 + std::uniform_int_distribution because the standard leaves the
// distribution's algorithm to the library: the same seed must find the same schedule with
// libstdc++ and libc++, on every machine.
#pragma once

#include <cstdint>

namespace explore {

class Rng {
public:
	explicit Rng(std::uint64_t seed) : state_(seed) {}

	std::uint64_t next()
	{
		std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		return z ^ (z >> 31);
	}

	// Uniform in [0, n), n > 0. Rejection sampling: plain modulo would favour small values.
	std::uint64_t below(std::uint64_t n)
	{
		// A power of two (2 tasks, the common case) divides 2^64: nothing to reject, and the
		// mask gives the same value as r % n without two 64-bit divisions.
		if ((n & (n - 1)) == 0)
			return next() & (n - 1);
		const std::uint64_t limit = -n % n; // 2^64 mod n: the biased low range to reject
		for (;;) {
			const std::uint64_t r = next();
			if (r >= limit)
				return r % n;
		}
	}

private:
	std::uint64_t state_;
};

} // namespace explore
