// mmcheck's own consistency checks (STYLE.md C7, third class): a failure here is a bug in
// mmcheck, never a finding about the modelled kernel. Always on; prints where and aborts.
#pragma once

#include <source_location>

namespace sim {

[[noreturn]] void verify_failed(const char* cond, const char* msg, std::source_location loc);

} // namespace sim

#define MMCHECK_VERIFY(cond, msg)                                                               \
	do {                                                                                    \
		if (!(cond)) [[unlikely]]                                                       \
			::sim::verify_failed(#cond, msg, std::source_location::current());      \
	} while (0)

#ifndef NDEBUG
#define MMCHECK_ASSERT(cond, msg) MMCHECK_VERIFY(cond, msg)
#else
#define MMCHECK_ASSERT(cond, msg) ((void)0)
#endif
