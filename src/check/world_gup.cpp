// World operations of issue #7: GUP pins, DMA through them, the THP switch and khugepaged.
#include "check/world.hpp"

#include "mm/gup.hpp"
#include "mm/huge_mm.hpp"
#include "sim/engine.hpp"

#include <cstdio>

namespace check {

int World::pin(mm::process& p, unsigned long addr, int nr, unsigned gup_flags, bool fast)
{
	if (nr <= 0 || nr > Pin::kMaxPages)
		return -EINVAL;
	begin_op();
	std::array<mm::page*, Pin::kMaxPages> pages{};
	std::uint64_t commits = oracle_.commits(p);
	long r = fast ? k_.get_user_pages_fast(p, addr, nr, gup_flags, pages.data())
		      : k_.get_user_pages(p, addr, nr, gup_flags, pages.data());
	int handle = static_cast<int>(r);
	if (r > 0) {
		handle = pins_.add(p, addr, gup_flags, static_cast<int>(r), pages.data(), oracle_);
		// GUP returns a page that was mapped at some instant of the call; if a syscall of
		// p committed meanwhile (a munmap, say), that instant may be before it: the pin
		// is then not judged.
		if (oracle_.commits(p) != commits)
			pins_.find(handle)->attached.fill(false);
	}
	end_op();
	return handle;
}

int World::pin_pages(int handle)
{
	Pin* pin = pins_.find(handle);
	return pin ? pin->nr : 0;
}

std::uint64_t World::dma_read(int handle, int index)
{
	Pin* pin = pins_.find(handle);
	if (pin == nullptr || !pin->held || index < 0 || index >= pin->nr)
		return 0; // no such pin (GUP failed): nothing to read
	begin_op();
	auto i = static_cast<std::size_t>(index);
	std::uint64_t v = k_.dma_read(pin->pages[i]);
	unsigned long addr = pin->addr + i * mm::PAGE_SIZE;
	if (pin->attached[i]) {
		Expect e = oracle_.contents(*pin->proc, addr);
		if (e.value_ok && !e.cell.allows(v)) {
			char where[64];
			std::snprintf(where, sizeof where, "%#lx", addr);
			sim::raise(sim::ViolationKind::invariant,
				   "user memory does not behave like memory: DMA read through a GUP pin of " +
					   pin->proc->name + " at " + where + " returned " + std::to_string(v) +
					   ", but the process sees " + e.cell.str() + " there",
				   {"the pinned page is no longer the page mapped at that address "
				    "(GUP coherence)"});
		}
	}
	end_op();
	return v;
}

void World::dma_write(int handle, int index, std::uint64_t value)
{
	Pin* pin = pins_.find(handle);
	if (pin == nullptr || !pin->held || index < 0 || index >= pin->nr ||
	    !(pin->flags & mm::FOLL_WRITE))
		return; // no such pin, or a read-only one: the device may not write
	auto i = static_cast<std::size_t>(index);
	// A write the oracle cannot attribute to the process (the mapping was removed, or the
	// pin is not coherent by contract) is dropped: its effect on other mappings of the
	// page is outside what the oracle tracks.
	if (!pin->attached[i])
		return;
	begin_op();
	k_.dma_write(pin->pages[i], value);
	// A removal may have committed while the device waited to write (the step above).
	if (pin->attached[i])
		oracle_.dma_store(*pin->proc, pin->addr + i * mm::PAGE_SIZE, value);
	end_op();
}

void World::unpin(int handle)
{
	Pin* pin = pins_.find(handle);
	if (pin == nullptr || !pin->held)
		return;
	begin_op();
	for (int i = 0; i < pin->nr; ++i)
		k_.unpin_user_page(pin->pages[static_cast<std::size_t>(i)], pin->flags);
	pin->held = false;
	end_op();
}

void World::set_thp(bool enabled)
{
	begin_op();
	k_.set_transparent_hugepage(enabled);
	end_op();
}

int World::collapse(mm::process& p, unsigned long addr)
{
	begin_op();
	int r = k_.khugepaged_scan_pmd(p, addr);
	end_op();
	return r;
}

} // namespace check
