// Fiber switching on fcontext. Under AddressSanitizer every switch is announced with
// __sanitizer_start/finish_switch_fiber so ASan tracks which stack is live, and a reused
// stack is unpoisoned before it is handed out again.
#include "sim/fiber.hpp"

#include "sim/verify.hpp"

#include <boost/context/detail/fcontext.hpp>
#include <sys/mman.h>
#include <unistd.h>

#ifdef MMCHECK_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace bctx = boost::context::detail;

namespace sim {
namespace {

std::size_t page_size()
{
	static const std::size_t ps = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
	return ps;
}

// Passed through every jump: the resumed side stores where it came from.
struct SwitchArgs {
	Context* from;
	Context* to;
};

void before_switch(Context& from, Context& to, bool from_dies)
{
#ifdef MMCHECK_ASAN
	__sanitizer_start_switch_fiber(from_dies ? nullptr : &from.asan_fake_stack,
				       to.stack_bottom, to.stack_size);
#else
	(void)from;
	(void)to;
	(void)from_dies;
#endif
}

// Runs on the resumed side right after a jump landed.
void after_switch(bctx::transfer_t t, Context& self)
{
	auto* args = static_cast<SwitchArgs*>(t.data);
	args->from->fctx = t.fctx;
#ifdef MMCHECK_ASAN
	const void* bottom = nullptr;
	std::size_t size = 0;
	__sanitizer_finish_switch_fiber(self.asan_fake_stack, &bottom, &size);
	// The main stack's bounds are only known once we have left it.
	if (args->from->stack_bottom == nullptr) {
		args->from->stack_bottom = bottom;
		args->from->stack_size = size;
	}
#else
	(void)self;
#endif
}

void trampoline(bctx::transfer_t t)
{
	auto* args = static_cast<SwitchArgs*>(t.data);
	Context* self = args->to;
	after_switch(t, *self);
	self->entry(self);
	MMCHECK_VERIFY(false, "a fiber entry returned instead of leaving with exit_to_context");
}

} // namespace

StackPool::StackPool(std::size_t stack_size)
	: size_((stack_size + page_size() - 1) / page_size() * page_size())
{
}

StackPool::~StackPool()
{
	for (void* base : all_) {
#ifdef MMCHECK_ASAN
		__asan_unpoison_memory_region(base, size_);
#endif
		munmap(static_cast<char*>(base) - page_size(), size_ + page_size());
	}
}

void* StackPool::get()
{
	if (!free_.empty()) {
		void* base = free_.back();
		free_.pop_back();
#ifdef MMCHECK_ASAN
		// Frames abandoned by the previous user may have left redzones poisoned.
		__asan_unpoison_memory_region(base, size_);
#endif
		return base;
	}
	void* m = mmap(nullptr, size_ + page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	MMCHECK_VERIFY(m != MAP_FAILED, "cannot map a fiber stack");
	// Guard page below the stack: an overflow faults instead of corrupting a neighbour.
	MMCHECK_VERIFY(mprotect(m, page_size(), PROT_NONE) == 0, "cannot protect a guard page");
	void* base = static_cast<char*>(m) + page_size();
#ifdef MMCHECK_ASAN
	// ASan keeps shadow across munmap: a previous pool's stack may have lived here.
	__asan_unpoison_memory_region(base, size_);
#endif
	all_.push_back(base);
	return base;
}

void StackPool::put(void* base)
{
	free_.push_back(base);
}

void make_context(Context& ctx, void* base, std::size_t size, FiberEntry entry)
{
	ctx.entry = entry;
	ctx.stack_bottom = base;
	ctx.stack_size = size;
	ctx.asan_fake_stack = nullptr;
	ctx.fctx = bctx::make_fcontext(static_cast<char*>(base) + size, size, trampoline);
}

void switch_context(Context& from, Context& to)
{
	SwitchArgs args{&from, &to};
	before_switch(from, to, false);
	bctx::transfer_t t = bctx::jump_fcontext(static_cast<bctx::fcontext_t>(to.fctx), &args);
	after_switch(t, from);
}

void exit_to_context(Context& to)
{
	// `from` is never resumed, but the resumed side still writes its fctx: give it a slot.
	static thread_local Context dead;
	SwitchArgs args{&dead, &to};
	before_switch(dead, to, true);
	bctx::jump_fcontext(static_cast<bctx::fcontext_t>(to.fctx), &args);
	MMCHECK_VERIFY(false, "a finished fiber was resumed");
	__builtin_unreachable();
}

} // namespace sim
