// Page-table walk and allocation. Models mm/memory.c __pud_alloc/__pmd_alloc/__pte_alloc and
// include/linux/pgtable.h *_offset, pte_offset_map_lock (v6.x, where pte_offset_map re-reads
// the PMD and the caller re-validates under the ptl).
#include "mm/internal.hpp"
#include "sim/frame.hpp"

namespace mm {

pgd_t* pgd_offset(mm_struct* mm, unsigned long addr)
{
	return &mm->pgd->entries[static_cast<std::size_t>(pgd_index(addr))];
}

ptdesc* entry_table_of(const pte_slot* upper, pteval_t v)
{
	return entry_table(ptdesc_of(upper)->k->pgtables(), v);
}

namespace {
pte_slot* next_level(pte_slot* upper, unsigned long addr, int (*index)(unsigned long))
{
	pteval_t v = ptep_get(upper);
	ptdesc* pt = entry_table_of(upper, v);
	if (pt == nullptr)
		return nullptr;
	return &pt->entries[static_cast<std::size_t>(index(addr))];
}
} // namespace

pud_t* pud_offset(pgd_t* pgd, unsigned long addr)
{
	return next_level(pgd, addr, pud_index);
}

pmd_t* pmd_offset(pud_t* pud, unsigned long addr)
{
	return next_level(pud, addr, pmd_index);
}

pte_t* pte_offset_map(pmd_t* pmd, unsigned long addr)
{
	return next_level(pmd, addr, pte_index);
}

pte_t* pte_offset_map_lock(mm_struct* mm, pmd_t* pmd, unsigned long addr, sim::SpinLock** ptlp,
			   int subclass)
{
	(void)mm;
	for (;;) {
		pteval_t pmdval = ptep_get(pmd);
		ptdesc* pt = entry_table_of(pmd, pmdval);
		if (pt == nullptr)
			return nullptr;
		pte_t* pte = &pt->entries[static_cast<std::size_t>(pte_index(addr))];
		sim::SpinLock* ptl = ptl_of(pte);
		ptl_lock(ptl, pte, subclass);
		// The PMD may have changed (freed/collapsed) before we got the lock: re-check.
		if (ptep_get(pmd) == pmdval) {
			*ptlp = ptl;
			return pte;
		}
		ptl->unlock();
	}
}

namespace {

// Populates *upper with a new table of `level` unless someone else did first.
// Context: may sleep (GFP_KERNEL). Takes `lock` (page_table_lock or the PMD's ptl).
bool populate(mm_struct* mm, pte_slot* upper, pt_level level, unsigned long addr,
	      sim::SpinLock& lock)
{
	Kernel& k = kernel_of(mm);
	unsigned long span = level == PT_PTE ? PMD_SIZE : level == PT_PMD ? PUD_SIZE : PGDIR_SIZE;
	ptdesc* pt = k.pgtables().alloc(GFP_KERNEL, level, mm, addr & ~(span - 1));
	if (pt == nullptr)
		return false;
	lock.lock();
	bool used = false;
	if (pte_none(ptep_get(upper))) {
		set_pte_at(upper, (static_cast<pteval_t>(pt->frame->pfn) << PAGE_SHIFT) | _PAGE_TABLE);
		used = true;
	}
	lock.unlock();
	if (!used)
		k.pgtables().free(pt); // another thread populated it first
	return true;
}

} // namespace

pud_t* pud_alloc(mm_struct* mm, pgd_t* pgd, unsigned long addr)
{
	MM_FRAME("__pud_alloc");
	if (pte_none(ptep_get(pgd)) && !populate(mm, pgd, PT_PUD, addr, mm->page_table_lock))
		return nullptr;
	return pud_offset(pgd, addr);
}

pmd_t* pmd_alloc(mm_struct* mm, pud_t* pud, unsigned long addr)
{
	MM_FRAME("__pmd_alloc");
	if (pud == nullptr)
		return nullptr;
	if (pte_none(ptep_get(pud)) && !populate(mm, pud, PT_PMD, addr, mm->page_table_lock))
		return nullptr;
	return pmd_offset(pud, addr);
}

bool pte_alloc(mm_struct* mm, pmd_t* pmd, unsigned long addr)
{
	MM_FRAME("__pte_alloc");
	if (!pte_none(ptep_get(pmd)))
		return true;
	// pmd_lock(): the split PMD lock lives in the PMD table page.
	return populate(mm, pmd, PT_PTE, addr, *ptl_of(pmd));
}

pmd_t* walk_to_pmd(mm_struct* mm, unsigned long addr, bool alloc)
{
	pgd_t* pgd = pgd_offset(mm, addr);
	pud_t* pud = alloc ? pud_alloc(mm, pgd, addr) : pud_offset(pgd, addr);
	if (pud == nullptr)
		return nullptr;
	return alloc ? pmd_alloc(mm, pud, addr) : pmd_offset(pud, addr);
}

} // namespace mm
