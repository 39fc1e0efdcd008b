// Fibers on Boost.Context's fcontext, with stacks pooled across schedules and
// AddressSanitizer told about every stack switch.
#pragma once

#include <cstddef>
#include <vector>

namespace sim {

// A suspended execution context: where to jump to, and (for ASan) which stack it runs on.
struct Context {
	void* fctx = nullptr;               // boost::context::detail::fcontext_t
	const void* stack_bottom = nullptr; // lowest address of its stack; learnt for the main stack
	std::size_t stack_size = 0;
	void* asan_fake_stack = nullptr;
	void (*entry)(Context* self) = nullptr; // what a fresh fiber runs
};

// Stacks for fibers, allocated once with a guard page and reused: a schedule must not pay
// for mmap/munmap.
class StackPool {
public:
	explicit StackPool(std::size_t stack_size);
	~StackPool();
	StackPool(const StackPool&) = delete;
	StackPool& operator=(const StackPool&) = delete;

	void* get();          // lowest usable address of a stack of stack_size() bytes
	void put(void* base); // returns a stack to the pool
	std::size_t stack_size() const { return size_; }

private:
	std::size_t size_;
	std::vector<void*> free_;
	std::vector<void*> all_;
};

using FiberEntry = void (*)(Context* self);

// Prepares `ctx` to start running `entry` on the stack [base, base+size) when first switched
// to. `entry` must never return: it ends with exit_to_context().
void make_context(Context& ctx, void* base, std::size_t size, FiberEntry entry);
// Suspends the caller into `from` and resumes `to`. Returns when someone switches back to `from`.
void switch_context(Context& from, Context& to);
// Leaves a fiber that will never be resumed (its stack may be reused) and resumes `to`.
[[noreturn]] void exit_to_context(Context& to);

} // namespace sim
