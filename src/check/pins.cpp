// GUP pins and the coherence check (pins.hpp).
#include "check/pins.hpp"

#include "mm/gup.hpp"
#include "mm/huge_mm.hpp"
#include "sim/engine.hpp"

#include <cstdio>

namespace check {
namespace {

using namespace mm;

std::string flags_name(unsigned f)
{
	std::string s = (f & FOLL_PIN) ? "FOLL_PIN" : "FOLL_GET";
	if (f & FOLL_WRITE)
		s += "|FOLL_WRITE";
	return s;
}

const AbsVma* abs_vma_at(const AbsSpace& s, unsigned long addr)
{
	for (const AbsVma& v : s.vmas)
		if (addr >= v.start && addr < v.end)
			return &v;
	return nullptr;
}

// What the page tables of mm map at addr now: a pfn, or -1 (nothing present).
long mapped_pfn(const Kernel& k, const mm_struct* mm, unsigned long addr)
{
	auto& pts = const_cast<Kernel&>(k).pgtables();
	const ptdesc* pt = mm->pgd;
	pteval_t v = pt->entries[static_cast<std::size_t>(pgd_index(addr))].peek();
	for (pt_level lvl = PT_PGD; lvl > PT_PTE; ) {
		if (!pte_present(v))
			return -1;
		if (pte_huge(v)) {
			unsigned long span = lvl == PT_PUD ? PUD_SIZE : PMD_SIZE;
			return static_cast<long>(pte_pfn(v) + ((addr & (span - 1)) >> PAGE_SHIFT));
		}
		pt = pts.of_pfn(pte_pfn(v));
		lvl = pt->level;
		int idx = lvl == PT_PUD ? pud_index(addr) : lvl == PT_PMD ? pmd_index(addr) : pte_index(addr);
		v = pt->entries[static_cast<std::size_t>(idx)].peek();
		if (lvl == PT_PTE)
			break;
	}
	return pte_present(v) ? static_cast<long>(pte_pfn(v)) : -1;
}

} // namespace

int Pins::add(const process& p, unsigned long addr, unsigned flags, int nr, page** pages,
	      Oracle& oracle)
{
	Pin& pin = *pins_.alloc();
	pin.handle = static_cast<int>(pins_.used()) - 1;
	pin.proc = &p;
	pin.addr = addr;
	pin.flags = flags;
	pin.nr = std::min(nr, Pin::kMaxPages);
	pin.held = true;
	const AbsSpace& s = oracle.space_of(p);
	for (int i = 0; i < pin.nr; ++i) {
		page* pg = pages[i];
		unsigned long a = addr + static_cast<unsigned long>(i) * PAGE_SIZE;
		pin.pages[static_cast<std::size_t>(i)] = pg;
		const AbsVma* v = abs_vma_at(s, a);
		bool shared = v != nullptr && v->kind == MapKind::file_shared;
		// A syscall still changing this address (a MADV_DONTNEED racing with the pin, say)
		// may have removed the page GUP saw or let GUP fault in a new one: not judged.
		bool settled = oracle.contents(p, a).value_ok;
		pin.attached[static_cast<std::size_t>(i)] =
			settled &&
			((flags & FOLL_WRITE) || ((flags & FOLL_PIN) && (PageAnon(pg) || shared)));
	}
	return pin.handle;
}

Pin* Pins::find(int handle)
{
	if (handle < 0 || handle >= static_cast<int>(pins_.used()))
		return nullptr;
	return &pins_.at(static_cast<std::size_t>(handle));
}

int Pins::refs(const folio* f) const
{
	int n = 0;
	for (std::size_t h = 0; h < pins_.used(); ++h) {
		const Pin& pin = pins_.at(h);
		if (!pin.held)
			continue;
		for (int i = 0; i < pin.nr; ++i)
			if (page_folio(pin.pages[static_cast<std::size_t>(i)]) == f)
				n += (pin.flags & FOLL_PIN) ? GUP_PIN_COUNTING_BIAS : 1;
	}
	return n;
}

void Pins::detach(const process* p, unsigned long lo, unsigned long hi, bool get_only)
{
	for (std::size_t h = 0; h < pins_.used(); ++h) {
		Pin& pin = pins_.at(h);
		if (pin.proc != p || (get_only && !(pin.flags & FOLL_GET)))
			continue;
		for (int i = 0; i < pin.nr; ++i) {
			unsigned long a = pin.addr + static_cast<unsigned long>(i) * PAGE_SIZE;
			if (a >= lo && a < hi)
				pin.attached[static_cast<std::size_t>(i)] = false;
		}
	}
}

void Pins::on_commit(const Pending& op)
{
	const process* p = op.space ? op.space->proc : nullptr;
	switch (op.kind) {
	case Pending::Kind::munmap:
	case Pending::Kind::madvise:
		detach(p, op.start, op.end, false);
		break;
	case Pending::Kind::mremap:
		detach(p, op.start, op.end, false);
		detach(p, op.new_start, op.new_start + op.new_len, false);
		break;
	case Pending::Kind::mmap:
		detach(p, op.new_vma.start, op.new_vma.end, false);
		break;
	case Pending::Kind::exit:
	case Pending::Kind::exec: // a new address space
		detach(p, 0, TASK_SIZE, false);
		break;
	case Pending::Kind::exec_stack: // the stack moves away from [start, end)
		detach(p, op.start, op.end, false);
		break;
	case Pending::Kind::fork:
		// FOLL_GET references are not kept coherent across fork: the parent's next write
		// may COW away from a page the child shares (FOLL_PIN pages are copied instead).
		detach(p, 0, TASK_SIZE, true);
		break;
	case Pending::Kind::ftruncate:
		for (std::size_t h = 0; h < pins_.used(); ++h) {
			Pin& pin = pins_.at(h);
			for (int i = 0; i < pin.nr; ++i) {
				const page* pg = pin.pages[static_cast<std::size_t>(i)];
				if (pg->mapping == op.file->f_mapping &&
				    pg->index >= round_up(op.new_size, PAGE_SIZE) >> PAGE_SHIFT)
					pin.attached[static_cast<std::size_t>(i)] = false;
			}
		}
		break;
	case Pending::Kind::punch_hole: // hugetlbfs only, and GUP refuses hugetlb VMAs
	case Pending::Kind::mprotect:
	case Pending::Kind::none:
		break;
	}
}

void Pins::check_coherence(const Kernel& k) const
{
	for (std::size_t h = 0; h < pins_.used(); ++h) {
		const Pin& pin = pins_.at(h);
		if (!pin.held || pin.proc->mm->dead)
			continue;
		for (int i = 0; i < pin.nr; ++i) {
			if (!pin.attached[static_cast<std::size_t>(i)])
				continue;
			unsigned long a = pin.addr + static_cast<unsigned long>(i) * PAGE_SIZE;
			const page* pg = pin.pages[static_cast<std::size_t>(i)];
			long now = mapped_pfn(k, pin.proc->mm, a);
			if (now == static_cast<long>(pg->pfn))
				continue;
			char where[32];
			std::snprintf(where, sizeof where, "%#lx", a);
			sim::raise(sim::ViolationKind::invariant,
				   "GUP coherence: " + pin.proc->name + " pinned pfn " +
					   std::to_string(pg->pfn) + " at " + where + " (" +
					   flags_name(pin.flags) + "), but its page tables now map " +
					   (now < 0 ? std::string("nothing") : "pfn " + std::to_string(now)) +
					   " there",
				   {"a pinned page must stay the page mapped at its address until it is "
				    "unpinned or the mapping is removed: data written through the pin is "
				    "lost to the process (collapse_huge_page must fail while a GUP "
				    "reference is held)"});
		}
	}
}

} // namespace check
