// Page faults on anon and file VMAs and write-protect faults (COW). Models mm/memory.c (v6.x):
// handle_mm_fault, handle_pte_fault, do_anonymous_page, do_read_fault, do_cow_fault,
// do_shared_fault, do_wp_page, migration_entry_wait (mm/migrate.c). Zapping is in zap.cpp.
//
// Differences: no shared zero page (a read fault on anon memory allocates a zeroed page); no
// per-VMA locks (faults hold mmap_lock for read); no swap; hugetlb faults: hugetlb_fault.cpp,
// THP faults: huge_memory.cpp; accessed/dirty bits are not maintained by the hardware walk.
#include "mm/hugetlb.hpp"
#include "mm/internal.hpp"
#include "mm/huge_mm.hpp"
#include "sim/frame.hpp"
#include "sim/rcu.hpp"

namespace mm {

namespace {

struct vm_fault {
	vm_area_struct* vma;
	unsigned long address; // page aligned
	unsigned flags;
	pgoff_t pgoff;
	pmd_t* pmd;
	pteval_t orig_pmd = 0; // the PMD as read once by __handle_mm_fault()
	pte_t* pte = nullptr;
	pteval_t orig_pte = 0;
	sim::SpinLock* ptl = nullptr;
};

bool vma_writable(const vm_area_struct* vma)
{
	return (vma->flags() & VM_WRITE) != 0;
}

// do_anonymous_page(): a private anon fault on a none PTE.
vm_fault_t do_anonymous_page(vm_fault& vmf)
{
	MM_FRAME("do_anonymous_page");
	vm_area_struct* vma = vmf.vma;
	mm_struct* mm = vma->vm_mm;
	Kernel& k = kernel_of(mm);
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	folio* f = k.phys().alloc_pages(gfp_t(GFP_KERNEL | __GFP_ZERO), 0);
	if (f == nullptr)
		return VM_FAULT_OOM;
	vmf.pte = pte_offset_map_lock(mm, vmf.pmd, vmf.address, &vmf.ptl);
	if (vmf.pte == nullptr) {
		folio_put(f);
		return 0; // the PMD changed under us: retry
	}
	if (!pte_none(ptep_get(vmf.pte))) {
		// Another thread faulted it in first.
		vmf.ptl->unlock();
		folio_put(f);
		return 0;
	}
	folio_add_new_anon_rmap(f, vma, vmf.address);
	set_pte_at(vmf.pte, pfn_pte(f->pfn, vma_writable(vma)));
	vmf.ptl->unlock();
	return 0;
}

// finish_fault() for a locked page-cache folio: its reference passes to the PTE; the folio is
// unlocked once mapped.
vm_fault_t map_file_folio(vm_fault& vmf, folio* f, bool writable)
{
	MM_FRAME("finish_fault");
	mm_struct* mm = vmf.vma->vm_mm;
	vmf.pte = pte_offset_map_lock(mm, vmf.pmd, vmf.address, &vmf.ptl);
	if (vmf.pte == nullptr || !pte_none(ptep_get(vmf.pte))) {
		if (vmf.pte != nullptr)
			vmf.ptl->unlock();
		folio_unlock(f);
		folio_put(f);
		return 0;
	}
	folio_add_file_rmap_pte(f, vmf.vma);
	set_pte_at(vmf.pte, pfn_pte(f->pfn, writable));
	vmf.ptl->unlock();
	folio_unlock(f);
	return 0;
}

bool beyond_eof(const vm_fault& vmf)
{
	unsigned long size = vmf.vma->vm_file->f_inode->i_size.load();
	return vmf.pgoff >= round_up(size, PAGE_SIZE) >> PAGE_SHIFT;
}

// filemap_fault() / shmem_fault(): the page-cache folio, locked, with a reference. The lock is
// what orders the fault against truncation: truncate locks the folio before it removes it.
vm_fault_t file_folio(vm_fault& vmf, folio** out)
{
	MM_FRAME("shmem_fault");
	if (beyond_eof(vmf))
		return VM_FAULT_SIGBUS;
	address_space* mapping = vmf.vma->vm_file->f_mapping;
	folio* f = filemap_get_folio(mapping, vmf.pgoff, true);
	if (f == nullptr)
		return VM_FAULT_OOM;
	folio_lock(f);
	if (f->mapping != mapping) {
		// Truncated after our lookup: let the access retry.
		folio_unlock(f);
		folio_put(f);
		return VM_FAULT_NOPAGE;
	}
	if (beyond_eof(vmf)) {
		folio_unlock(f);
		folio_put(f);
		return VM_FAULT_SIGBUS;
	}
	*out = f;
	return VM_FAULT_LOCKED;
}

// do_read_fault(): map the page-cache page read-only.
vm_fault_t do_read_fault(vm_fault& vmf)
{
	MM_FRAME("do_read_fault");
	folio* f = nullptr;
	vm_fault_t r = file_folio(vmf, &f);
	if (!(r & VM_FAULT_LOCKED))
		return r;
	// A shared writable mapping still maps read-only first: the write fault marks it dirty.
	return map_file_folio(vmf, f, false);
}

// do_shared_fault(): a write fault on a shared file mapping maps the page writable.
vm_fault_t do_shared_fault(vm_fault& vmf)
{
	MM_FRAME("do_shared_fault");
	folio* f = nullptr;
	vm_fault_t r = file_folio(vmf, &f);
	if (!(r & VM_FAULT_LOCKED))
		return r;
	return map_file_folio(vmf, f, true);
}

// do_cow_fault(): a write fault on a private file mapping gets an anon copy.
vm_fault_t do_cow_fault(vm_fault& vmf)
{
	MM_FRAME("do_cow_fault");
	vm_area_struct* vma = vmf.vma;
	Kernel& k = kernel_of(vma->vm_mm);
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	folio* f = k.phys().alloc_pages(GFP_KERNEL, 0);
	if (f == nullptr)
		return VM_FAULT_OOM;
	folio* src = nullptr;
	vm_fault_t r = file_folio(vmf, &src);
	if (!(r & VM_FAULT_LOCKED)) {
		folio_put(f);
		return r;
	}
	// The copy is taken under the source's folio lock, as copy_mc_user_highpage() is.
	f->data.store(src->data.load());
	folio_unlock(src);
	folio_put(src);
	vmf.pte = pte_offset_map_lock(vma->vm_mm, vmf.pmd, vmf.address, &vmf.ptl);
	if (vmf.pte == nullptr || !pte_none(ptep_get(vmf.pte))) {
		if (vmf.pte)
			vmf.ptl->unlock();
		folio_put(f);
		return 0;
	}
	folio_add_new_anon_rmap(f, vma, vmf.address);
	set_pte_at(vmf.pte, pfn_pte(f->pfn, true));
	vmf.ptl->unlock();
	return 0;
}

// wp_can_reuse_anon_folio() (v6.x): reuse in place when we hold the only reference. A large
// folio (a PTE-mapped THP) is copied (the v6.1 rule).
bool wp_can_reuse_anon_folio(folio* f)
{
	if (folio_nr_pages(f) > 1)
		return false;
	if (folio_test(f, PG_anon_exclusive))
		return true;
	if (folio_ref_count(f) > 1)
		return false;
	if (!folio_trylock(f))
		return false;
	bool reuse = folio_ref_count(f) == 1;
	if (reuse)
		folio_set_flag(f, PG_anon_exclusive);
	folio_unlock(f);
	return reuse;
}

// do_wp_page(): a write to a present read-only PTE, or an unshare request from GUP
// (FAULT_FLAG_UNSHARE: make the anon page exclusive, leave the PTE read-only). Context: ptl
// held on entry, released on return.
vm_fault_t do_wp_page(vm_fault& vmf)
{
	MM_FRAME("do_wp_page");
	vm_area_struct* vma = vmf.vma;
	mm_struct* mm = vma->vm_mm;
	Kernel& k = kernel_of(mm);
	const bool unshare = vmf.flags & FAULT_FLAG_UNSHARE;
	page* pg = k.phys().pfn_to_page(pte_pfn(vmf.orig_pte));
	folio* old = page_folio(pg);
	if (vma->flags() & VM_SHARED) {
		// wp_page_shared(): the page cache page becomes writable in place.
		set_pte_at(vmf.pte, pte_mkwrite(vmf.orig_pte));
		vmf.ptl->unlock();
		return 0;
	}
	if (PageAnon(old) && (folio_test(pg, PG_anon_exclusive) || wp_can_reuse_anon_folio(old) ||
			      k.mutant(Mutant::cow_reuses_shared_page))) {
		// wp_page_reuse(); an unshare request is satisfied by the page being exclusive.
		if (!unshare)
			set_pte_at(vmf.pte, pte_mkwrite(vmf.orig_pte));
		vmf.ptl->unlock();
		return 0;
	}
	// wp_page_copy(): copy to a new anon page outside the lock, then swap it in if the PTE
	// did not change meanwhile.
	folio_get(old);
	vmf.ptl->unlock();
	if (anon_vma_prepare(vma)) {
		folio_put(old);
		return VM_FAULT_OOM;
	}
	folio* f = k.phys().alloc_pages(GFP_KERNEL, 0);
	if (f == nullptr) {
		folio_put(old);
		return VM_FAULT_OOM;
	}
	f->data.store(pg->data.load());
	vmf.pte = pte_offset_map_lock(mm, vmf.pmd, vmf.address, &vmf.ptl);
	if (vmf.pte != nullptr && ptep_get(vmf.pte) == vmf.orig_pte) {
		// ptep_clear_flush(): no CPU may keep writing to the old page through its TLB.
		ptep_get_and_clear(vmf.pte);
		flush_tlb_mm_range(mm, vmf.address, vmf.address + PAGE_SIZE);
		folio_add_new_anon_rmap(f, vma, vmf.address);
		// An unshared copy keeps the PTE's protection; a write fault's is writable.
		set_pte_at(vmf.pte, pfn_pte(f->pfn, !unshare));
		folio_remove_rmap_pte(pg, vma);
		vmf.ptl->unlock();
		folio_put(old); // the mapping's reference
		f = nullptr;
	} else if (vmf.pte != nullptr) {
		vmf.ptl->unlock();
	}
	if (f)
		folio_put(f);
	folio_put(old); // our temporary reference
	return 0;
}

// migration_entry_wait() -> migration_entry_wait_on_locked() (mm/filemap.c, v6.x): sleep until
// the page under migration is unlocked, then retry. No reference is taken: the migration holds
// one until it has replaced the entry, which needs this ptl, so the folio is valid until we drop
// it (2.6.34 took a get_page_unless_zero() reference, which fails while the migration has the
// refcount frozen, and the fault then retried at once).
vm_fault_t migration_entry_wait(vm_fault& vmf)
{
	MM_FRAME("migration_entry_wait");
	Kernel& k = kernel_of(vmf.vma->vm_mm);
	vmf.pte = pte_offset_map_lock(vmf.vma->vm_mm, vmf.pmd, vmf.address, &vmf.ptl);
	if (vmf.pte == nullptr)
		return 0;
	pteval_t v = ptep_get(vmf.pte);
	if (!is_migration_entry(v)) {
		vmf.ptl->unlock();
		return 0;
	}
	folio* f = page_folio(k.phys().pfn_to_page(swp_offset_pfn(v)));
	// The entry is only valid while its folio is locked by the migration in progress.
	if (!f->lock.is_locked())
		sim::raise(sim::ViolationKind::invariant,
			   "migration entry for pfn " + std::to_string(f->pfn) +
				   " found while the page is not locked (kernel BUG in "
				   "pfn_swap_entry_folio)");
	vmf.ptl->unlock();
	f->lock.wait_unlocked();
	return 0;
}

// handle_pte_fault().
vm_fault_t handle_pte_fault(vm_fault& vmf)
{
	MM_FRAME("handle_pte_fault");
	mm_struct* mm = vmf.vma->vm_mm;
	if (pte_none(vmf.orig_pmd) && !pte_alloc(mm, vmf.pmd, vmf.address))
		return VM_FAULT_OOM;
	pte_t* pte = pte_offset_map(vmf.pmd, vmf.address);
	if (pte == nullptr)
		return 0; // the PTE table went away: retry
	vmf.orig_pte = ptep_get(pte);
	bool write = vmf.flags & FAULT_FLAG_WRITE;
	if (pte_none(vmf.orig_pte)) {
		if (vma_is_anonymous(vmf.vma))
			return do_anonymous_page(vmf);
		if (!write)
			return do_read_fault(vmf);
		if (vmf.vma->flags() & VM_SHARED)
			return do_shared_fault(vmf);
		return do_cow_fault(vmf);
	}
	if (!pte_present(vmf.orig_pte)) {
		if (is_migration_entry(vmf.orig_pte)) {
			vmf.pte = pte;
			return migration_entry_wait(vmf);
		}
		if (is_hwpoison_entry(vmf.orig_pte))
			return VM_FAULT_HWPOISON;
		return VM_FAULT_SIGBUS;
	}
	vmf.ptl = ptl_of(pte);
	ptl_lock(vmf.ptl, pte);
	vmf.pte = pte;
	if (ptep_get(pte) != vmf.orig_pte) {
		vmf.ptl->unlock(); // changed under us: let the access retry
		return 0;
	}
	if ((write || (vmf.flags & FAULT_FLAG_UNSHARE)) && !pte_write(vmf.orig_pte))
		return do_wp_page(vmf);
	vmf.ptl->unlock(); // spurious: another CPU already fixed it
	return 0;
}

} // namespace

folio* vm_normal_folio(Kernel& k, pteval_t v)
{
	return page_folio(k.phys().pfn_to_page(pte_pfn(v)));
}

bool vma_is_anonymous(const vm_area_struct* vma)
{
	return vma->vm_file == nullptr;
}

vm_fault_t handle_mm_fault(vm_area_struct* vma, unsigned long addr, unsigned flags)
{
	MM_FRAME("handle_mm_fault");
	mm_struct* mm = vma->vm_mm;
	if (is_vm_hugetlb_page(vma))
		return hugetlb_fault(mm, vma, addr, flags);
	vm_fault vmf{vma, addr & PAGE_MASK, flags, linear_page_index(vma, addr), nullptr};
	vmf.pmd = walk_to_pmd(mm, vmf.address, true);
	if (vmf.pmd == nullptr)
		return VM_FAULT_OOM;
	vmf.orig_pmd = ptep_get(vmf.pmd);
	if (vm_fault_t r = 0; handle_pmd_fault(vma, vmf.pmd, vmf.orig_pmd, vmf.address, flags, &r))
		return r; // a THP (issue #7)
	return handle_pte_fault(vmf);
}

} // namespace mm
