// Anonymous transparent huge pages: 2 MiB folios mapped by one huge PMD, and the PMD-level
// operations every page-table walker needs once such PMDs exist. Models
// include/linux/huge_mm.h, mm/huge_memory.c, mm/pgtable-generic.c and the PMD-level part of
// mm/memory.c (v6.10; the 2014 shape where the thread's race needs it). See huge_memory.cpp.
#pragma once

#include "mm/internal.hpp"

namespace mm {

// pmd_trans_huge(): a huge leaf, also while a split has invalidated it (x86 keeps _PAGE_PSE
// on an invalidated PMD, so walkers take the huge path and wait for the PMD lock).
inline bool pmd_trans_huge(pteval_t v)
{
	return (v & _PAGE_PSE) != 0;
}
// pmd_present() on x86: present, or huge but invalidated by pmdp_invalidate().
inline bool pmd_present(pteval_t v)
{
	return pte_present(v) || pmd_trans_huge(v);
}
inline pteval_t pmd_table(const ptdesc* pt)
{
	return (static_cast<pteval_t>(pt->frame->pfn) << PAGE_SHIFT) | _PAGE_TABLE;
}
// pte_access_permitted() / pmd_access_permitted(): what GUP-fast may follow.
inline bool pte_access_permitted(pteval_t v, bool write)
{
	return pte_present(v) && (v & _PAGE_USER) && (!write || pte_write(v));
}
inline bool pte_young(pteval_t v)
{
	return (v & _PAGE_ACCESSED) != 0;
}

// Dbg: a note on the step just taken, in traces only ("pte -> pfn 4").
void trace_notef(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// The PMD lock (pmd_lockptr with split PMD ptlocks): the ptl of the PMD table page.
sim::SpinLock* pmd_lock(pmd_t* pmd);

// thp_vma_allowable_order() for PMD_ORDER with the sysfs setting, and
// thp_vma_suitable_order(): an anon private VMA covering the aligned 2 MiB around addr.
bool thp_vma_suitable(const vm_area_struct* vma, unsigned long addr);
bool thp_vma_allowable(const vm_area_struct* vma, unsigned long addr);

// ---- faults (huge_memory.cpp) ----
// The PMD level of __handle_mm_fault(): a huge PMD for a THP-eligible none PMD, or the
// write/unshare fault of a huge one. Returns true if handled at this level (*ret set).
bool handle_pmd_fault(vm_area_struct* vma, pmd_t* pmd, pteval_t orig_pmd, unsigned long address,
		      unsigned flags, vm_fault_t* ret);

// ---- walkers (huge_memory.cpp) ----
// __pmd_trans_huge_lock(): the PMD lock if *pmd is still huge, else nullptr (unlocked).
sim::SpinLock* __pmd_trans_huge_lock(pmd_t* pmd);
// zap_huge_pmd(). Returns false if *pmd was no longer huge (the caller zaps PTEs).
bool zap_huge_pmd(mmu_gather& tlb, vm_area_struct* vma, pmd_t* pmd, unsigned long addr);
// copy_huge_pmd(): 0, -ENOMEM, or -EAGAIN when the caller must copy PTEs (the PMD was split).
int copy_huge_pmd(vm_area_struct* dst_vma, vm_area_struct* src_vma, pmd_t* dst_pmd,
		  pmd_t* src_pmd, unsigned long addr);
// change_huge_pmd(). Returns false if *pmd was no longer huge.
bool change_huge_pmd(mmu_gather& tlb, vm_area_struct* vma, pmd_t* pmd, unsigned long addr,
		     unsigned long newflags);
// __split_huge_pmd(): the PMD is replaced by a PTE table mapping the same 512 pages.
void __split_huge_pmd(vm_area_struct* vma, pmd_t* pmd, unsigned long address);
// split_huge_pmd_address() when addr is not PMD-aligned (vma_adjust_trans_huge()).
void vma_adjust_trans_huge(vm_area_struct* vma, unsigned long addr);
// follow_huge_pmd() for GUP's slow path. Context: PMD lock held. Returns the subpage with
// a reference, or nullptr when a (write or unshare) fault is needed (*unshare for the latter).
page* follow_huge_pmd(vm_area_struct* vma, unsigned long address, pmd_t* pmd, unsigned flags,
		      bool* unshare);

// ---- mm/pgtable-generic.c (pgtable_generic.cpp) ----
// pmdp_collapse_flush(): clear a PMD that points to a PTE table and flush the range.
pteval_t pmdp_collapse_flush(vm_area_struct* vma, unsigned long address, pmd_t* pmdp);
// pmdp_invalidate(): make a huge PMD non-present (keeping it huge) and flush the range.
pteval_t pmdp_invalidate(vm_area_struct* vma, unsigned long address, pmd_t* pmdp);
// pgtable_trans_huge_deposit()/withdraw(): the PTE table kept with a huge PMD for a later
// split. Context: the PMD lock held.
void pgtable_trans_huge_deposit(pmd_t* pmdp, ptdesc* pgtable);
ptdesc* pgtable_trans_huge_withdraw(pmd_t* pmdp);

// ---- rmap of PMD-mapped folios (rmap.cpp) ----
void folio_add_new_anon_rmap_pmd(folio* f, vm_area_struct* vma, unsigned long haddr);
void folio_add_anon_rmap_pmd(folio* f, vm_area_struct* vma);
void folio_remove_rmap_pmd(folio* f, vm_area_struct* vma);

// ---- khugepaged (khugepaged.cpp) ----
// enum scan_result (mm/khugepaged.c).
enum scan_result : int {
	SCAN_FAIL,
	SCAN_SUCCEED,
	SCAN_PMD_NULL,
	SCAN_PMD_NONE,
	SCAN_PMD_MAPPED,
	SCAN_EXCEED_NONE_PTE,
	SCAN_EXCEED_SHARED_PTE,
	SCAN_PTE_NON_PRESENT,
	SCAN_PAGE_RO,
	SCAN_LACK_REFERENCED_PAGE,
	SCAN_PAGE_NULL,
	SCAN_PAGE_COUNT,
	SCAN_PAGE_LRU,
	SCAN_PAGE_LOCK,
	SCAN_PAGE_ANON,
	SCAN_PAGE_COMPOUND,
	SCAN_ANY_PROCESS,
	SCAN_VMA_NULL,
	SCAN_VMA_CHECK,
	SCAN_ADDRESS_RANGE,
	SCAN_DEL_PAGE_LRU,
	SCAN_ALLOC_HUGE_PAGE_FAIL,
	SCAN_COPY_MC,
};
// hpage_collapse_scan_pmd() and collapse_huge_page() for the PMD range at haddr.
// Context: mmap_lock held for read on entry; *mmap_locked false if it was dropped.
int hpage_collapse_scan_pmd(mm_struct* mm, unsigned long haddr, bool* mmap_locked);

} // namespace mm
