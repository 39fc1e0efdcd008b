// rmap completeness and migration entries (rmap_check.hpp). Not a scheduling point anywhere.
#include "check/rmap_check.hpp"
#include "mm/hex.hpp"

#include "mm/pgtable.hpp"
#include "sim/engine.hpp"

#include <cstdio>

namespace check {
namespace {

using namespace mm;

unsigned long span_of(pt_level l)
{
	return l == PT_PTE ? PAGE_SIZE : l == PT_PMD ? PMD_SIZE : l == PT_PUD ? PUD_SIZE : PGDIR_SIZE;
}

// Calls fn(va, entry) for every non-none PTE-level entry under table pt (mapping from va) in
// [lo, hi). Recursive, so no allocation: it runs at every quiescent point.
template <class F>
void walk_ptes(Pgtables& pts, const ptdesc* pt, unsigned long va0, unsigned long lo,
	       unsigned long hi, F& fn)
{
	const unsigned long span = span_of(pt->level);
	for (int i = 0; i < PTRS_PER_TABLE; ++i) {
		unsigned long va = va0 + static_cast<unsigned long>(i) * span;
		if (va + span <= lo || va >= hi)
			continue;
		pteval_t v = pt->entries[static_cast<std::size_t>(i)].peek();
		if (v == 0)
			continue;
		if (pt->level == PT_PTE) {
			fn(va, v);
			continue;
		}
		if (!pte_present(v) || pte_huge(v))
			continue; // huge leaves: issues #5 and #7
		const ptdesc* next = pts.of_pfn(pte_pfn(v));
		if (next != nullptr && next->lt.live())
			walk_ptes(pts, next, va, lo, hi, fn);
	}
}

template <class F>
void for_each_pte(const Kernel& k, const mm_struct& mm, unsigned long lo, unsigned long hi, F&& fn)
{
	walk_ptes(const_cast<Kernel&>(k).pgtables(), mm.pgd, 0, lo, hi, fn);
}

// The page an entry maps (present) or names (migration); nullptr for anything else.
const page* page_of_entry(const Kernel& k, pteval_t v)
{
	if (!pte_present(v) && !is_migration_entry(v))
		return nullptr;
	pfn_t pfn = pte_present(v) ? pte_pfn(v) : swp_offset_pfn(v);
	auto& phys = const_cast<Kernel&>(k).phys();
	if (!phys.pfn_valid(pfn) || phys.is_free(pfn))
		return nullptr; // a freed page: the structural invariants report it
	return phys.pfn_to_page(pfn);
}

// The rmap index of a page: its folio's index plus its offset in the folio.
pgoff_t index_of(const page& p)
{
	return p.head->index + (p.pfn - p.head->pfn);
}

// vma_address() on peeked fields; ~0 if outside.
unsigned long address_in(pgoff_t index, const vm_area_struct& vma)
{
	unsigned long start = vma.vm_start.peek();
	unsigned long a = start + ((index - vma.vm_pgoff.peek()) << PAGE_SHIFT);
	return a >= start && a < vma.vm_end.peek() ? a : ~0ul;
}

bool finds_in(pgoff_t index, const vm_area_struct& vma, const mm_struct& mm, unsigned long addr)
{
	return vma.vm_mm == &mm && vma.lt.live() && vma.unstable_rmap.peek() == 0 &&
	       address_in(index, vma) == addr;
}

std::string vma_name(const vm_area_struct& v)
{
	return "vma [" + hex(v.vm_start.peek()) + ", " + hex(v.vm_end.peek()) + ") pgoff " +
	       hex(v.vm_pgoff.peek()) + " of " + v.vm_mm->name;
}

std::string entry_name(pteval_t v)
{
	return is_migration_entry(v) ? "migration entry" : "pte";
}

} // namespace

bool rmap_finds(const page& p, const mm_struct& mm, unsigned long addr)
{
	const folio& f = *p.head;
	pgoff_t index = index_of(p);
	if (f.anon != nullptr) {
		for (const anon_vma_chain* avc : f.anon->rb_root)
			if (finds_in(index, *avc->vma, mm, addr))
				return true;
		return false;
	}
	if (f.mapping != nullptr) {
		for (const vm_area_struct* vma : f.mapping->i_mmap)
			if (finds_in(index, *vma, mm, addr))
				return true;
	}
	return false;
}

void check_rmap_entry(const Kernel& k, const mm_struct& mm, unsigned long va, pteval_t v)
{
	const page* pg = page_of_entry(k, v);
	if (pg == nullptr || folio_test(pg->head, PG_table))
		return;
	const folio* f = pg->head;
	if (f->anon == nullptr && f->mapping == nullptr)
		return; // left by truncation or a freed page: other checks report it
	if (rmap_finds(*pg, mm, va))
		return;
	// Kamezawa's flag declares a VMA's rmap untrustable on purpose; what matters is whether
	// a walk that cannot fail meets it (rmap_walk.cpp).
	for (const vm_area_struct* vma : mm.mmap)
		if (vma->unstable_rmap.peek() != 0 && va >= vma->start() && va < vma->end())
			return;
	sim::raise(sim::ViolationKind::invariant,
		   "rmap cannot find the " + entry_name(v) + " of pfn " + std::to_string(pg->pfn) +
			   " at " + hex(va) + " of " + mm.name + ": no VMA in its " +
			   (f->anon ? "anon_vma" : "i_mmap") + " computes that address for index " +
			   hex(index_of(*pg)),
		   {"every PTE of a page must be findable by rmap_walk() whenever a walker could run "
		    "(races.md §3 item 8)"});
}

void check_rmap_miss(const Kernel& k, const folio& walked, const folio& src,
		      const vm_area_struct& vma, unsigned long address)
{
	const mm_struct& mm = *vma.vm_mm;
	if (mm.dead)
		return;
	for_each_pte(k, mm, vma.vm_start.peek(), vma.vm_end.peek(), [&](unsigned long va, pteval_t v) {
		if (!is_migration_entry(v) || swp_offset_pfn(v) != src.pfn || va == address)
			return;
		if (rmap_finds(walked, mm, va))
			return; // another VMA of the tree covers it (mremap, Andrea's fake VMA)
		sim::raise(sim::ViolationKind::invariant,
			   "remove_migration_ptes() passes the migration entry for pfn " +
				   std::to_string(src.pfn) + " at " + hex(va) + " by: in " + vma_name(vma) +
				   ", vma_address() gives " +
				   (address >= TASK_SIZE ? std::string("-EFAULT") : hex(address)) +
				   " for index " + hex(walked.index) + ", and nothing is there",
			   {"the VMA's fields and its page tables disagree while a migration entry is in "
			    "between: the walk passes it by and the entry is left behind",
			    "rmap must find every PTE of the page between try_to_migrate() and "
			    "remove_migration_ptes() (Andrea, thread 003)"});
	});
}

void check_migration_end(const Kernel& k, const folio& src)
{
	for (const process* p : k.processes()) {
		const mm_struct& mm = *p->mm;
		if (mm.dead)
			continue;
		for_each_pte(k, mm, 0, TASK_SIZE, [&](unsigned long va, pteval_t v) {
			if (!is_migration_entry(v) || swp_offset_pfn(v) != src.pfn)
				return;
			sim::raise(sim::ViolationKind::invariant,
				   "migration entry for pfn " + std::to_string(src.pfn) + " left at " +
					   hex(va) + " of " + mm.name + " when its migration ended",
				   {"remove_migration_ptes() did not find it: once the page is unlocked a "
				    "fault there BUGs (migration_entry_to_page) or waits on a freed page",
				    "migration entries may only exist while their page is locked by the "
				    "migration (Christoph, thread 003)"});
		});
	}
}

} // namespace check
