// A counting global operator new for the benchmark binary (alloc_count.hpp). Every form of
// new is replaced together with its matching delete, so memory always goes back to the
// allocator it came from (malloc/free, or aligned_alloc/free for over-aligned types).
#include "alloc_count.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<std::uint64_t> g_allocations{0};

void* counted_malloc(std::size_t n)
{
	g_allocations.fetch_add(1, std::memory_order_relaxed);
	return std::malloc(n == 0 ? 1 : n);
}

void* counted_aligned(std::size_t n, std::align_val_t al)
{
	g_allocations.fetch_add(1, std::memory_order_relaxed);
	const auto a = static_cast<std::size_t>(al);
	// aligned_alloc wants a size that is a multiple of the alignment.
	return std::aligned_alloc(a, ((n == 0 ? 1 : n) + a - 1) / a * a);
}

} // namespace

namespace bench {

std::uint64_t heap_allocations()
{
	return g_allocations.load(std::memory_order_relaxed);
}

} // namespace bench

void* operator new(std::size_t n)
{
	if (void* p = counted_malloc(n))
		return p;
	throw std::bad_alloc();
}
void* operator new[](std::size_t n)
{
	return operator new(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept
{
	return counted_malloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept
{
	return counted_malloc(n);
}
void* operator new(std::size_t n, std::align_val_t al)
{
	if (void* p = counted_aligned(n, al))
		return p;
	throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t al)
{
	return operator new(n, al);
}
void* operator new(std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept
{
	return counted_aligned(n, al);
}
void* operator new[](std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept
{
	return counted_aligned(n, al);
}

void operator delete(void* p) noexcept
{
	std::free(p);
}
void operator delete[](void* p) noexcept
{
	std::free(p);
}
void operator delete(void* p, std::size_t) noexcept
{
	std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept
{
	std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept
{
	std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept
{
	std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept
{
	std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept
{
	std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept
{
	std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept
{
	std::free(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept
{
	std::free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept
{
	std::free(p);
}
