// Heap allocations made by this process: alloc_count.cpp replaces the global operator new of
// the benchmark binary with a counting one, so a benchmark can report allocations per
// schedule or per operation (read the counter before and after, divide).
#pragma once

#include <cstdint>

namespace bench {

// Calls of any global operator new (plain, array, aligned, nothrow) so far, in every thread.
std::uint64_t heap_allocations();

} // namespace bench
