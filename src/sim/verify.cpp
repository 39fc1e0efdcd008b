#include "sim/verify.hpp"

#include "sim/exit_codes.hpp"

#include <cstdio>
#include <cstdlib>

namespace sim {

void verify_failed(const char* cond, const char* msg, std::source_location loc)
{
	std::fprintf(stderr, "mmcheck internal error: %s:%u: %s: `%s` does not hold: %s\n",
		     loc.file_name(), static_cast<unsigned>(loc.line()), loc.function_name(), cond,
		     msg);
	std::fflush(stderr);
	std::_Exit(kExitInternal);
}

} // namespace sim
