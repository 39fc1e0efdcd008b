#include "sim/verify.hpp"

#include "sim/exit_codes.hpp"

#include <cstdio>
#include <cstdlib>

namespace sim {

void verify_failed(const char* cond, const char* msg, const char* file, unsigned line,
		   const char* func)
{
	std::fprintf(stderr, "mmcheck internal error: %s:%u: %s: `%s` does not hold: %s\n", file,
		     line, func, cond, msg);
	std::fflush(stderr);
	std::_Exit(kExitInternal);
}

} // namespace sim
