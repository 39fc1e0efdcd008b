// Freeing page tables below unmapped VMAs. Models mm/memory.c free_pgtables / free_pgd_range /
// free_pud_range / free_pmd_range / free_pte_range (v6.x): a table is freed only when the
// whole range it maps lies within [floor, ceiling), i.e. no neighbouring VMA still uses it.
// Freed tables go through the mmu_gather, so they are released only after the TLB flush.
#include "mm/hugetlb.hpp"
#include "mm/internal.hpp"
#include "sim/frame.hpp"

namespace mm {

namespace {

// A table page must be empty when it is freed; a live entry means a mapping is being thrown
// away without rmap/refcount/TLB bookkeeping (seed 000's "bad pmd").
void check_table_empty(ptdesc* pt, const char* fn)
{
	for (int i = 0; i < PTRS_PER_TABLE; ++i) {
		pteval_t v = pt->entries[static_cast<std::size_t>(i)].peek();
		if (v == 0)
			continue;
		sim::raise(sim::ViolationKind::invariant,
			   std::string(fn) + ": freeing a page-table page that still has a live entry " +
				   "at index " + std::to_string(i) + " (pfn " +
				   std::to_string(pte_pfn(v)) + ")");
	}
}

// pmd_none_or_clear_bad(): true if there is no table below (skip it).
bool none_or_clear_bad(pte_slot* e, const char* what)
{
	pteval_t v = ptep_get(e);
	if (pte_none(v))
		return true;
	if (!pte_present(v) || pte_huge(v)) {
		sim::raise(sim::ViolationKind::invariant,
			   std::string("free_pgtables: bad ") + what + " entry " + std::to_string(v) +
				   ": a leaf where a table pointer was expected (pmd_clear_bad)");
	}
	return false;
}

void free_table(mmu_gather& tlb, pte_slot* upper, const char* fn)
{
	Kernel& k = kernel_of(tlb.mm);
	ptdesc* pt = entry_table(k.pgtables(), ptep_get(upper));
	check_table_empty(pt, fn);
	// A hugetlb PMD table is freed by its last user only: every other sharer unshared first.
	if (int shared = pt->pt_share_count.peek())
		sim::raise(sim::ViolationKind::invariant,
			   std::string(fn) + ": freeing a PMD table that " + std::to_string(shared) +
				   " other page table(s) still point to (pt_share_count)",
			   {"huge_pmd_share() must never pick a partner whose teardown has begun"});
	ptep_get_and_clear(upper);
	tlb_remove_table(tlb, pt);
}

void free_pmd_range(mmu_gather& tlb, pud_t* pud, unsigned long addr, unsigned long end,
		    unsigned long floor, unsigned long ceiling)
{
	MM_FRAME("free_pmd_range");
	unsigned long start = addr;
	// pmd_offset() once, then entry by entry, as the kernel's loop does.
	pmd_t* pmd = pmd_offset(pud, addr);
	for (; pmd != nullptr && addr < end; addr = (addr & PMD_MASK) + PMD_SIZE, ++pmd) {
		// Opt: an empty entry is skipped without a scheduling point. Nobody may write a table
		// that is being freed; a writer that does anyway (seed 000) leaves a live entry that
		// check_table_empty() reports when the table is freed.
		if (pmd->peek() == 0 || none_or_clear_bad(pmd, "pmd"))
			continue;
		MM_FRAME("free_pte_range");
		free_table(tlb, pmd, "free_pte_range");
	}
	start &= PUD_MASK;
	if (start < floor)
		return;
	if (ceiling) {
		ceiling &= PUD_MASK;
		if (!ceiling)
			return;
	}
	if (end - 1 > ceiling - 1)
		return;
	free_table(tlb, pud, "free_pmd_range");
}

void free_pud_range(mmu_gather& tlb, pgd_t* pgd, unsigned long addr, unsigned long end,
		    unsigned long floor, unsigned long ceiling)
{
	MM_FRAME("free_pud_range");
	unsigned long start = addr;
	for (; addr < end;) {
		unsigned long next = std::min((addr & PUD_MASK) + PUD_SIZE, end);
		pud_t* pud = pud_offset(pgd, addr);
		if (pud != nullptr && !none_or_clear_bad(pud, "pud"))
			free_pmd_range(tlb, pud, addr, next, floor, ceiling);
		addr = next;
	}
	start &= ~(PGDIR_SIZE - 1);
	if (start < floor)
		return;
	if (ceiling) {
		ceiling &= ~(PGDIR_SIZE - 1);
		if (!ceiling)
			return;
	}
	if (end - 1 > ceiling - 1)
		return;
	free_table(tlb, pgd, "free_pud_range");
}

} // namespace

void free_pgd_range(mmu_gather& tlb, mm_struct* mm, unsigned long addr, unsigned long end,
		    unsigned long floor, unsigned long ceiling)
{
	MM_FRAME("free_pgd_range");
	// Trim to whole PMD-sized blocks we may free (the kernel's comment explains the
	// wraparound-safe arithmetic; here: the same bounds, written plainly).
	addr &= PMD_MASK;
	if (addr < floor) {
		addr += PMD_SIZE;
		if (!addr)
			return;
	}
	if (ceiling) {
		ceiling &= PMD_MASK;
		if (!ceiling)
			return;
	}
	if (end - 1 > ceiling - 1)
		end -= PMD_SIZE;
	if (addr > end - 1)
		return;
	tlb.freed_tables = true;
	for (; addr < end;) {
		unsigned long next = std::min((addr & ~(PGDIR_SIZE - 1)) + PGDIR_SIZE, end);
		pgd_t* pgd = pgd_offset(mm, addr);
		if (!none_or_clear_bad(pgd, "pgd"))
			free_pud_range(tlb, pgd, addr, next, floor, ceiling);
		addr = next;
	}
}

void free_pgtables(mmu_gather& tlb, mm_struct* mm, const std::vector<vm_area_struct*>& vmas,
		   unsigned long floor, unsigned long ceiling)
{
	MM_FRAME("free_pgtables");
	for (std::size_t i = 0; i < vmas.size(); ++i) {
		vm_area_struct* vma = vmas[i];
		unsigned long addr = vma->start();
		unsigned long next = i + 1 < vmas.size() ? vmas[i + 1]->start() : ceiling;
		// Hide the VMA from rmap walkers before its tables go away.
		unlink_anon_vmas(vma);
		unlink_file_vma(vma);
		if (is_vm_hugetlb_page(vma))
			hugetlb_free_pgtables_check(vma);
		free_pgd_range(tlb, mm, addr, vma->end(), floor, next ? next : ceiling);
	}
}

} // namespace mm
