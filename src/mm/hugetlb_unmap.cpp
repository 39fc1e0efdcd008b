// Unmapping hugetlb ranges. Models mm/hugetlb.c (v6.1, torvalds/linux 0010b838db9f):
// __unmap_hugepage_range, __unmap_hugepage_range_final, unmap_hugepage_range.
//
// The 2012 race (seed 000), as the kernel had it before d833352a4338:
//
//   CPU0: process A, hugetlb fault          CPU1: process B, munmap (or exit)
//                                           __unmap_hugepage_range_final()
//                                             i_mmap write: B's PMD table P not shared:
//                                             zap its leaves, P stays linked for free_pgtables
//   huge_pmd_share()
//     i_mmap read: B's VMA still in i_mmap
//     and shareable: A's PUD := P
//   hugetlb_no_page(): A's leaf into P
//                                           free_pgtables(): unlink, then free P with A's
//                                           leaf in it ("bad pmd"; A's PUD now dangles)
//
// The fix makes the dying VMA unshareable before i_mmap_rwsem is dropped.
#include "mm/hugetlb.hpp"

#include "mm/huge_mm.hpp" // folio_remove_rmap_pmd()
#include "mm/internal.hpp"
#include "sim/frame.hpp"

namespace mm {

// Models __unmap_hugepage_range() (mm/hugetlb.c, v6.1): clear the hugetlb entries of
// [start, end) of vma; only those of ref_page if given (unmap_ref_private()), marking the VMA.
// Context: i_mmap_rwsem held for write and the vma lock held for write (by this function's
// callers), so no unshare, share or fault of this VMA runs meanwhile.
// Opt: the PMD table of a PUD range is walked and tested for sharing once, and empty entries
// are skipped without a scheduling point. Under the locks held no other CPU can share, unshare or
// fill this VMA's table (the kernel re-walks and re-locks per entry; nobody can tell).
void __unmap_hugepage_range(mmu_gather& tlb, vm_area_struct* vma, unsigned long start,
			    unsigned long end, folio* ref_page, unsigned zap_flags)
{
	MM_FRAME("__unmap_hugepage_range");
	(void)zap_flags; // only uffd-wp markers depend on it
	mm_struct* mm = vma->vm_mm;
	Kernel& k = kernel_of(mm);
	if (!is_vm_hugetlb_page(vma) || (start & ~HPAGE_MASK) || (end & ~HPAGE_MASK))
		sim::raise(sim::ViolationKind::assertion,
			   "__unmap_hugepage_range of a misaligned or non-hugetlb range (BUG_ON)");
	bool force_flush = false;
	for (unsigned long address = start; address < end;) {
		unsigned long pud_end = std::min((address & PUD_MASK) + PUD_SIZE, end);
		pte_t* ptep = hugetlb_walk(vma, address);
		if (ptep == nullptr) {
			address = pud_end; // address |= last_addr_mask
			continue;
		}
		if (huge_pmd_unshare_locked(mm, vma, address, ptep)) {
			if (k.fixed(Fix::hugetlb_unshare_flush)) {
				tlb_flush_pmd_range(tlb, address & PUD_MASK, PUD_SIZE);
				force_flush = true;
			}
			// Before the 2021 fix nothing recorded the unshared range: the caller's flush
			// covers only the leaves it cleared itself.
			address = pud_end;
			continue;
		}
		for (; address < pud_end; address += HPAGE_SIZE, ++ptep) {
			if (ptep->peek() == 0)
				continue;
			sim::SpinLock* ptl = huge_pte_lock(ptep);
			pteval_t pte = ptep_get(ptep);
			if (pte_none(pte)) {
				ptl->unlock();
				continue;
			}
			if (!pte_present(pte)) {
				// Migration and hwpoison entries hold no reference.
				ptep_get_and_clear(ptep);
				ptl->unlock();
				continue;
			}
			folio* f = vm_normal_folio(k, pte);
			if (ref_page != nullptr) {
				if (f != ref_page) {
					ptl->unlock();
					continue;
				}
				// Later faults of this VMA here must fail rather than look like lost data.
				set_vma_resv_flags(vma, HPAGE_RESV_UNMAPPED);
			}
			ptep_get_and_clear(ptep);
			tlb_flush_range_add(tlb, address, HPAGE_SIZE); // tlb_remove_huge_tlb_entry()
			folio_remove_rmap_pmd(f, vma); // page_remove_rmap(page, vma, true)
			ptl->unlock();
			tlb_remove_page(tlb, f);
			if (ref_page != nullptr)
				return;
		}
	}
	// An unshare cleared our PUD without anything for the mmu_gather to free: the flush must
	// happen before i_mmap_rwsem is dropped, after which the last sharer may free the table.
	if (force_flush)
		tlb_flush_mmu_tlbonly(tlb);
}

// Models __unmap_hugepage_range_final() (mm/hugetlb.c, v6.1): the unmap of a VMA that is going
// away (ZAP_FLAG_UNMAP: munmap, exit) or of part of it (madvise). Context: mmap_lock held (read
// is enough for madvise), or the mm is exiting; takes the vma lock and i_mmap_rwsem for write.
void __unmap_hugepage_range_final(mmu_gather& tlb, vm_area_struct* vma, unsigned long start,
				  unsigned long end, folio* ref_page, unsigned zap_flags)
{
	MM_FRAME("__unmap_hugepage_range_final");
	Kernel& k = kernel_of(vma->vm_mm);
	address_space* mapping = vma->vm_file->f_mapping;
	hugetlb_vma_lock_write(vma);
	mapping->i_mmap_rwsem.down_write();
	bool final = zap_flags & ZAP_FLAG_UNMAP;
	if (final)
		hugetlb_of(k).dying.push_back(vma); // Dbg: for hugetlb_free_pgtables_check()
	__unmap_hugepage_range(tlb, vma, start, end, ref_page, zap_flags);
	if (final && k.fixed(Fix::hugetlb_teardown_unshareable)) {
		// Free the vma lock before i_mmap_rwsem goes: the VMA is then no sharing partner, and
		// its page tables, freed later without i_mmap_rwsem, belong to it alone. (2012: clear
		// VM_MAYSHARE, which page_table_shareable() compared.)
		__hugetlb_vma_unlock_write_free(vma);
		mapping->i_mmap_rwsem.up_write();
	} else {
		// Before the fix: the zapped VMA stays in i_mmap, shareable, until free_pgtables().
		mapping->i_mmap_rwsem.up_write();
		hugetlb_vma_unlock_write(vma);
	}
}

// Models unmap_hugepage_range() (mm/hugetlb.c, v6.1): unmap with a private mmu_gather.
// Context: i_mmap_rwsem and the vma lock held for write by the caller.
void unmap_hugepage_range(vm_area_struct* vma, unsigned long start, unsigned long end,
			  folio* ref_page, unsigned zap_flags)
{
	MM_FRAME("unmap_hugepage_range");
	mmu_gather tlb;
	tlb_gather_mmu(tlb, vma->vm_mm);
	__unmap_hugepage_range(tlb, vma, start, end, ref_page, zap_flags);
	tlb_finish_mmu(tlb);
}

} // namespace mm
