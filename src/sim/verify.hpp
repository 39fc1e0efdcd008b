// mmcheck's own consistency checks (STYLE.md C7, third class): a failure here is a bug in
// mmcheck, never a finding about the modelled kernel. Always on; prints where and aborts.
#pragma once

namespace sim {

// Where: __FILE__, __LINE__ and __func__ of the check (not std::source_location, which
// clang 14 with libstdc++ 12, the fuzz build's compiler, does not provide).
[[noreturn]] void verify_failed(const char* cond, const char* msg, const char* file,
				unsigned line, const char* func);

} // namespace sim

#define MMCHECK_VERIFY(cond, msg)                                                               \
	do {                                                                                    \
		if (!(cond)) [[unlikely]]                                                       \
			::sim::verify_failed(#cond, msg, __FILE__, __LINE__, __func__);         \
	} while (0)

#ifndef NDEBUG
#define MMCHECK_ASSERT(cond, msg) MMCHECK_VERIFY(cond, msg)
#else
#define MMCHECK_ASSERT(cond, msg) ((void)0)
#endif
