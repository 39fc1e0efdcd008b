// fork(): copying an address space. Models kernel/fork.c dup_mmap and mm/memory.c
// copy_page_range / copy_pte_range / copy_present_pte / copy_nonpresent_pte (v6.x).
//
// The parent's private writable PTEs are write-protected on both sides and the pages shared
// (COW); the parent's TLBs are flushed only at the end of dup_mmap, under the parent's
// mmap_lock, as the kernel does. Shared file VMAs without anon pages are not copied: the child
// refaults them (vma_needs_copy).
//
// Differences: no VM_WIPEONFORK/VM_DONTCOPY (hugetlb entries go to copy_hugetlb_page_range(),
// THP PMDs to copy_huge_pmd()), no rss counters, no uffd-wp bits.
#include "mm/hugetlb.hpp"
#include "mm/internal.hpp"
#include "mm/gup.hpp"
#include "mm/huge_mm.hpp"

#include "sim/frame.hpp"

#include <algorithm>

namespace mm {
namespace {

void ptep_set_wrprotect(pte_t* pte)
{
	pte->fetch_and(~_PAGE_RW);
	pt_check_live(ptdesc_of(pte), "write-protect of a page-table entry");
}

bool vma_needs_copy(const vm_area_struct* src)
{
	// Anon pages cannot be refaulted; file pages can.
	return src->anon.peek() != nullptr;
}

enum class copy_result { ok, need_prealloc, copied_prealloc };

// copy_present_pte(). Context: both ptls held (src nested). Returns need_prealloc when an anon
// page may be pinned for DMA: the child must get its own copy, which needs an allocation.
copy_result copy_present_pte(vm_area_struct* dst_vma, vm_area_struct* src_vma, pte_t* dst_pte,
			     pte_t* src_pte, pteval_t pte, unsigned long addr, folio** prealloc)
{
	Kernel& k = kernel_of(src_vma->vm_mm);
	// The page carries the mapcount and PG_anon_exclusive, its folio the reference (they
	// differ for a PTE-mapped THP).
	page* pg = k.phys().pfn_to_page(pte_pfn(pte));
	folio* f = page_folio(pg);
	if (PageAnon(f)) {
		folio_get(f);
		// folio_try_dup_anon_rmap_pte(): an exclusive page that may be pinned stays the
		// parent's; the child gets a copy (copy_present_page).
		if (folio_test(pg, PG_anon_exclusive) && folio_maybe_dma_pinned(f)) {
			folio_put(f);
			if (*prealloc == nullptr)
				return copy_result::need_prealloc;
			folio* n = *prealloc;
			*prealloc = nullptr;
			n->data.store(pg->data.load());
			folio_add_new_anon_rmap(n, dst_vma, addr);
			set_pte_at(dst_pte, pfn_pte(n->pfn, (dst_vma->flags() & VM_WRITE) != 0));
			return copy_result::copied_prealloc;
		}
		folio_clear_flag(pg, PG_anon_exclusive);
		folio_add_anon_rmap_pte(pg, dst_vma, addr);
	} else {
		folio_get(f);
		folio_add_file_rmap_pte(pg, dst_vma);
	}
	if (is_cow_mapping(src_vma->flags()) && pte_write(pte)) {
		ptep_set_wrprotect(src_pte);
		pte = pte_wrprotect(pte);
	}
	set_pte_at(dst_pte, pte);
	return copy_result::ok;
}

// copy_nonpresent_pte(): a migration entry is copied; a writable or exclusive one becomes
// readable on both sides in a COW mapping, so neither mm can write the page after the
// migration ends without a COW fault, nor take it for its own.
void copy_nonpresent_pte(vm_area_struct* src_vma, pte_t* dst_pte, pte_t* src_pte, pteval_t pte)
{
	// Migration entries hold neither a reference nor a mapcount: a plain copy.
	if (is_migration_entry(pte))
		++kernel_of(src_vma->vm_mm).fork_copied_migration_entries;
	bool exclusive = is_writable_migration_entry(pte) ||
			 (is_migration_entry(pte) && swp_type_of(pte) == SWP_MIGRATION_READ_EXCLUSIVE);
	if (exclusive && is_cow_mapping(src_vma->flags())) {
		pte = make_migration_entry(swp_offset_pfn(pte), false);
		set_pte_at(src_pte, pte);
	}
	set_pte_at(dst_pte, pte);
}

// copy_pte_range(): one PTE table's worth. Context: mmap_lock write on both mms; may sleep
// (table and prealloc allocations) outside the ptls.
int copy_pte_range(vm_area_struct* dst_vma, vm_area_struct* src_vma, pmd_t* dst_pmd,
		   pmd_t* src_pmd, unsigned long addr, unsigned long end)
{
	MM_FRAME("copy_pte_range");
	mm_struct* dst_mm = dst_vma->vm_mm;
	mm_struct* src_mm = src_vma->vm_mm;
	Kernel& k = kernel_of(src_mm);
	folio* prealloc = nullptr;
	int ret = 0;
	for (;;) {
		if (!pte_alloc(dst_mm, dst_pmd, addr)) {
			ret = -ENOMEM;
			break;
		}
		sim::SpinLock* dst_ptl = nullptr;
		sim::SpinLock* src_ptl = nullptr;
		pte_t* dst_pte = pte_offset_map_lock(dst_mm, dst_pmd, addr, &dst_ptl);
		if (dst_pte == nullptr) {
			ret = -ENOMEM;
			break;
		}
		pte_t* src_pte = pte_offset_map_lock(src_mm, src_pmd, addr, &src_ptl, 1);
		if (src_pte == nullptr) {
			dst_ptl->unlock();
			break;
		}
		bool need_prealloc = false;
		for (; addr < end; addr += PAGE_SIZE, ++src_pte, ++dst_pte) {
			pteval_t pte = ptep_get(src_pte);
			if (pte_none(pte))
				continue;
			if (!pte_present(pte)) {
				copy_nonpresent_pte(src_vma, dst_pte, src_pte, pte);
				continue;
			}
			if (copy_present_pte(dst_vma, src_vma, dst_pte, src_pte, pte, addr, &prealloc) ==
			    copy_result::need_prealloc) {
				need_prealloc = true;
				break;
			}
		}
		src_ptl->unlock();
		dst_ptl->unlock();
		if (!need_prealloc)
			break;
		// Drop the locks to allocate, then go again from this address.
		prealloc = k.phys().alloc_pages(GFP_KERNEL, 0);
		if (prealloc == nullptr) {
			ret = -ENOMEM;
			break;
		}
	}
	if (prealloc != nullptr)
		folio_put(prealloc);
	return ret;
}

} // namespace

// copy_page_range(). Context: mmap_lock held for write on both mms.
int copy_page_range(vm_area_struct* dst_vma, vm_area_struct* src_vma)
{
	MM_FRAME("copy_page_range");
	if (!vma_needs_copy(src_vma))
		return 0;
	if (is_vm_hugetlb_page(src_vma))
		return copy_hugetlb_page_range(dst_vma, src_vma);
	mm_struct* src_mm = src_vma->vm_mm;
	mm_struct* dst_mm = dst_vma->vm_mm;
	bool is_cow = is_cow_mapping(src_vma->flags());
	// GUP-fast with FOLL_PIN checks this sequence: a pin that raced with the write-protect
	// below must back off (issue #7).
	if (is_cow)
		src_mm->write_protect_seq.write_begin();
	int ret = 0;
	for (unsigned long addr = src_vma->start(); addr < src_vma->end() && ret == 0;) {
		unsigned long next = std::min((addr & PMD_MASK) + PMD_SIZE, src_vma->end());
		pmd_t* src_pmd = walk_to_pmd(src_mm, addr, false);
		pteval_t pmdval = src_pmd != nullptr ? ptep_get(src_pmd) : 0;
		if (!pte_none(pmdval)) {
			pmd_t* dst_pmd = walk_to_pmd(dst_mm, addr, true);
			// copy_pmd_range(): a THP is shared whole; -EAGAIN: it was split, copy PTEs.
			int r = dst_pmd ? -EAGAIN : -ENOMEM;
			if (dst_pmd && pmd_trans_huge(pmdval) && !(src_vma->flags() & VM_HUGETLB))
				r = copy_huge_pmd(dst_vma, src_vma, dst_pmd, src_pmd, addr);
			ret = r == -EAGAIN ? copy_pte_range(dst_vma, src_vma, dst_pmd, src_pmd, addr, next)
					   : r;
		}
		addr = next;
	}
	if (is_cow)
		src_mm->write_protect_seq.write_end();
	return ret;
}

// dup_mmap(). Context: may sleep; takes both mmap_locks for write (the child's nested).
// Returns: 0 or -ENOMEM (the caller tears the half-built child down).
int dup_mmap(mm_struct* mm, mm_struct* oldmm)
{
	MM_FRAME("dup_mmap");
	Kernel& k = kernel_of(mm);
	oldmm->mmap_lock.down_write();
	mm->mmap_lock.down_write_nested(1);
	int ret = 0;
	for (vm_area_struct* mpnt : oldmm->mmap) {
		// vm_area_dup()
		vm_area_struct* tmp = k.vm_area_alloc(mm);
		tmp->vm_start.init(mpnt->start());
		tmp->vm_end.init(mpnt->end());
		tmp->vm_pgoff.init(mpnt->vm_pgoff.peek());
		tmp->vm_flags.init(mpnt->flags());
		tmp->vm_file = mpnt->vm_file;
		tmp->vm_private_data = mpnt->vm_private_data;
		mm->mmap.push_back(tmp); // oldmm->mmap is sorted, so is this
		if (anon_vma_fork(tmp, mpnt) != 0) {
			ret = -ENOMEM;
			break;
		}
		if (address_space* mapping = tmp->vm_file ? tmp->vm_file->f_mapping : nullptr) {
			// vma_interval_tree_insert_after(): the child right after its parent.
			mapping->i_mmap_rwsem.down_write();
			auto& l = mapping->i_mmap;
			auto it = std::find(l.begin(), l.end(), mpnt);
			l.insert(it == l.end() ? it : it + 1, tmp);
			mapping->i_mmap_rwsem.up_write();
		}
		if (is_vm_hugetlb_page(tmp)) {
			hugetlb_dup_vma_private(tmp);
			hugetlb_vma_open(tmp); // vm_ops->open
		}
		if ((ret = copy_page_range(tmp, mpnt)) != 0)
			break;
	}
	mm->mmap_lock.up_write();
	// The parent's PTEs were write-protected: no CPU may keep writing through an old entry.
	if (!k.mutant(Mutant::fork_skips_flush))
		flush_tlb_mm(oldmm);
	if (ret == 0)
		observer_commit(k, 0);
	oldmm->mmap_lock.up_write();
	return ret;
}

} // namespace mm
