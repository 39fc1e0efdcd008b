// Real-kernel workloads (host_mm.hpp).
#include "host_mm.hpp"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

namespace bench::host {
namespace {

using Clock = std::chrono::steady_clock;
constexpr unsigned long kPageSize = 4096;

double ns_since(Clock::time_point t0)
{
	return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
}

} // namespace

std::uint64_t* map_anon(unsigned long pages)
{
	const unsigned long len = pages * kPageSize;
	void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		std::abort();
	::madvise(p, len, MADV_NOHUGEPAGE);
	return static_cast<std::uint64_t*>(p);
}

void unmap(std::uint64_t* p, unsigned long pages)
{
	::munmap(p, pages * kPageSize);
}

void touch(std::uint64_t* p, unsigned long pages)
{
	for (unsigned long i = 0; i < pages; ++i)
		*static_cast<volatile std::uint64_t*>(p + i * (kPageSize / sizeof(std::uint64_t))) = i + 1;
}

double fault_ns(unsigned long pages)
{
	std::uint64_t* p = map_anon(pages);
	const auto t0 = Clock::now();
	touch(p, pages);
	const double ns = ns_since(t0);
	unmap(p, pages);
	return ns;
}

double munmap_ns(unsigned long pages)
{
	std::uint64_t* p = map_anon(pages);
	touch(p, pages);
	const auto t0 = Clock::now();
	unmap(p, pages);
	return ns_since(t0);
}

double fork_exit_wait_ns()
{
	const auto t0 = Clock::now();
	const pid_t pid = ::fork();
	if (pid < 0)
		std::abort();
	if (pid == 0)
		::_exit(0);
	int status = 0;
	::waitpid(pid, &status, 0);
	return ns_since(t0);
}

} // namespace bench::host
