// fork() of hugetlb mappings. Models copy_hugetlb_page_range() (mm/hugetlb.c, v6.1, torvalds/linux
// 0010b838db9f). Only VMAs with anon pages are copied (vma_needs_copy(): shared mappings refault
// in the child, which is where it shares PMD tables); a private mapping's entries are
// write-protected on both sides and its pages shared COW.
//
// Differences: pinned anon pages are not modelled (no copy at fork); no uffd-wp or pte markers.
#include "mm/hugetlb.hpp"

#include "mm/internal.hpp"
#include "sim/frame.hpp"

namespace mm {
namespace {

void huge_ptep_set_wrprotect(pte_t* ptep)
{
	ptep->fetch_and(~_PAGE_RW);
	pt_check_live(ptdesc_of(ptep), "write-protect of a hugetlb entry");
}

// One entry of the copy. Context: both ptls held (src nested).
void copy_hugetlb_entry(Kernel& k, vm_area_struct* src_vma, pte_t* src_pte, pte_t* dst_pte,
			bool cow)
{
	pteval_t entry = ptep_get(src_pte);
	if (pte_none(entry))
		return;
	if (is_hwpoison_entry(entry)) {
		set_pte_at(dst_pte, entry);
		return;
	}
	if (is_migration_entry(entry)) {
		// COW mappings require pages in both parent and child to be set to read.
		if (is_writable_migration_entry(entry) && cow) {
			entry = make_migration_entry(swp_offset_pfn(entry), false);
			set_pte_at(src_pte, entry);
		}
		set_pte_at(dst_pte, entry);
		return;
	}
	(void)src_vma;
	folio* f = vm_normal_folio(k, entry);
	folio_get(f);
	// page_dup_file_rmap() / page_try_dup_anon_rmap(): one more PMD-level mapping; an anon
	// page is no longer known to be exclusive.
	if (PageAnon(f))
		folio_clear_flag(f, PG_anon_exclusive);
	f->_entire_mapcount.inc();
	if (cow) {
		huge_ptep_set_wrprotect(src_pte);
		entry = pte_wrprotect(entry);
	}
	set_pte_at(dst_pte, entry);
}

} // namespace

// Models copy_hugetlb_page_range() (mm/hugetlb.c, v6.1).
// Context: mmap_lock held for write on both mms; may sleep (table allocation).
// Returns: 0 or -ENOMEM.
// Opt: empty source entries are skipped without a scheduling point: with the parent's mmap_lock
// held for write no fault can fill one, and a concurrent truncate only empties entries (a
// non-empty one is re-read under the ptl).
int copy_hugetlb_page_range(vm_area_struct* dst_vma, vm_area_struct* src_vma)
{
	MM_FRAME("copy_hugetlb_page_range");
	mm_struct* src = src_vma->vm_mm;
	mm_struct* dst = dst_vma->vm_mm;
	Kernel& k = kernel_of(src);
	bool cow = is_cow_mapping(src_vma->flags());
	if (cow)
		src->write_protect_seq.write_begin();
	else
		hugetlb_vma_lock_read(src_vma); // the parent's ptep must not be unshared under us
	int ret = 0;
	for (unsigned long addr = src_vma->start(); addr < src_vma->end() && ret == 0;) {
		unsigned long pud_end = std::min((addr & PUD_MASK) + PUD_SIZE, src_vma->end());
		pte_t* src_pte = hugetlb_walk(src_vma, addr);
		if (src_pte == nullptr) {
			addr = pud_end;
			continue;
		}
		for (; addr < pud_end; addr += HPAGE_SIZE, ++src_pte) {
			if (src_pte->peek() == 0)
				continue;
			pte_t* dst_pte = huge_pte_alloc(dst, dst_vma, addr);
			if (dst_pte == nullptr) {
				ret = -ENOMEM;
				break;
			}
			// The child shares this table already (with its sibling): nothing to copy.
			if (ptdesc_of(dst_pte)->pt_share_count.load() > 0) {
				addr = pud_end;
				break;
			}
			sim::SpinLock* dst_ptl = huge_pte_lock(dst_pte);
			sim::SpinLock* src_ptl = ptl_of(src_pte);
			ptl_lock(src_ptl, src_pte, 1);
			copy_hugetlb_entry(k, src_vma, src_pte, dst_pte, cow);
			src_ptl->unlock();
			dst_ptl->unlock();
		}
	}
	if (cow)
		src->write_protect_seq.write_end();
	else
		hugetlb_vma_unlock_read(src_vma);
	return ret;
}

} // namespace mm
