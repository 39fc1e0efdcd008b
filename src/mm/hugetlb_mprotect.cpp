// mprotect() of hugetlb mappings. Models hugetlb_change_protection() (mm/hugetlb.c, v6.1,
// torvalds/linux 0010b838db9f): under the vma lock and i_mmap_rwsem (both for write) every entry
// is changed, a shared PMD table is unshared instead (the other sharers keep their permissions),
// and the TLB is flushed before i_mmap_rwsem is dropped: "once we release i_mmap_rwsem, another
// task can do the final put_page and that page table be reused and filled with junk" (part of
// the 2012 fix).
//
// Differences: no uffd-wp; PROT_NONE clears _PAGE_USER as in mm/mprotect.cpp.
#include "mm/hugetlb.hpp"

#include "mm/internal.hpp"
#include "sim/frame.hpp"

namespace mm {
namespace {

// huge_pte_modify() with the protection vm_get_page_prot() gives: writable only when shared
// (a private writable mapping is copy-on-write).
pteval_t huge_pte_modify(pteval_t pte, unsigned long vm_flags)
{
	pte = pte_modify(pte, vm_flags);
	if ((vm_flags & VM_WRITE) && (vm_flags & VM_SHARED))
		return pte_mkwrite(pte);
	return pte_wrprotect(pte);
}

// adjust_range_if_pmd_sharing_possible(): an unshare affects the whole PUD range.
void adjust_range_if_pmd_sharing_possible(const vm_area_struct* vma, unsigned long* start,
					  unsigned long* end)
{
	unsigned long v_start = round_up(vma->start(), PUD_SIZE);
	unsigned long v_end = vma->end() & PUD_MASK;
	if (!(vma->flags() & VM_MAYSHARE) || v_end <= v_start || *end <= v_start || *start >= v_end)
		return;
	if (*start > v_start)
		*start &= PUD_MASK;
	if (*end < v_end)
		*end = round_up(*end, PUD_SIZE);
}

} // namespace

// Context: mmap_lock held for write; may sleep. Returns: the number of base pages changed.
// Opt: as in __unmap_hugepage_range(), one sharing test per PUD range and empty entries skipped
// without a scheduling point (the locks held keep every writer of this VMA's table out).
unsigned long hugetlb_change_protection(vm_area_struct* vma, unsigned long address,
					unsigned long end, unsigned long newflags)
{
	MM_FRAME("hugetlb_change_protection");
	mm_struct* mm = vma->vm_mm;
	unsigned long start = address;
	unsigned long range_start = start, range_end = end;
	adjust_range_if_pmd_sharing_possible(vma, &range_start, &range_end);
	unsigned long pages = 0;
	bool shared_pmd = false;
	address_space* mapping = vma->vm_file->f_mapping;
	hugetlb_vma_lock_write(vma);
	mapping->i_mmap_rwsem.down_write();
	while (address < end) {
		unsigned long pud_end = std::min((address & PUD_MASK) + PUD_SIZE, end);
		pte_t* ptep = hugetlb_walk(vma, address);
		if (ptep == nullptr) {
			address = pud_end;
			continue;
		}
		if (huge_pmd_unshare_locked(mm, vma, address, ptep)) {
			++pages;
			shared_pmd = true;
			address = pud_end;
			continue;
		}
		for (; address < pud_end; address += HPAGE_SIZE, ++ptep) {
			if (ptep->peek() == 0)
				continue;
			sim::SpinLock* ptl = huge_pte_lock(ptep);
			pteval_t pte = ptep_get(ptep);
			if (is_migration_entry(pte)) {
				if (is_writable_migration_entry(pte)) {
					set_pte_at(ptep, make_migration_entry(swp_offset_pfn(pte), false));
					++pages;
				}
			} else if (pte_present(pte)) {
				// huge_ptep_modify_prot_start/commit: clear, then write the new value.
				pteval_t old = ptep_get_and_clear(ptep);
				set_pte_at(ptep, huge_pte_modify(old, newflags));
				++pages;
			}
			ptl->unlock();
		}
	}
	// Before i_mmap_rwsem goes: after it, the last sharer of an unshared table may free it.
	if (shared_pmd)
		flush_tlb_mm_range(mm, range_start, range_end);
	else
		flush_tlb_mm_range(mm, start, end);
	mapping->i_mmap_rwsem.up_write();
	hugetlb_vma_unlock_write(vma);
	return pages << HUGETLB_PAGE_ORDER;
}

} // namespace mm
