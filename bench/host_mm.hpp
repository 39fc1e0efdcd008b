// The same workloads as the model's (mm_ops_bench.cpp) on this machine's real kernel, through
// real syscalls. A separate file because <sys/mman.h> defines PROT_* and MAP_* as macros,
// which the model's constants of the same names (mm/types.hpp) must not meet.
#pragma once

#include <cstdint>

namespace bench::host {

// An anonymous private mapping of `pages` 4 KiB pages with transparent huge pages off (the
// model maps 4 KiB pages only). Aborts if the kernel refuses.
std::uint64_t* map_anon(unsigned long pages);
void unmap(std::uint64_t* p, unsigned long pages);
// A store to the first word of each page: the first touch faults each page in.
void touch(std::uint64_t* p, unsigned long pages);
// Nanoseconds of: the first touch of every page of a fresh mapping (mmap, munmap untimed).
double fault_ns(unsigned long pages);
// Nanoseconds of: munmap of a populated mapping.
double munmap_ns(unsigned long pages);
// Nanoseconds of: fork(), the child's _exit(0), the parent's waitpid().
double fork_exit_wait_ns();

} // namespace bench::host
