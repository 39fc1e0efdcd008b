// Anonymous THP: the huge-PMD fault, zap, fork copy, mprotect and split. Models
// mm/huge_memory.c (v6.10; the 2014 version in torvalds/linux 0013eec9 was read for the
// split's ordering) and the PMD level of __handle_mm_fault() in mm/memory.c.
//
// A PMD-mapped THP holds one reference and one entire mapcount per huge PMD, and its PTE
// table is deposited with the PMD (pgtable_trans_huge_deposit) so that a split never needs
// to allocate. Splitting the PMD keeps the folio large: its 512 pages become PTE-mapped
// (one reference and one page mapcount each), as __split_huge_pmd() does.
//
// Differences: anon private THPs only (no file, shmem, huge zero page, PUD THP, PMD
// migration entries, deferred split queue, mTHP orders, khugepaged registration,
// VM_HUGEPAGE/VM_NOHUGEPAGE); "enabled" is always or never; no move_huge_pmd (mremap
// splits); accessed/dirty bits are not maintained.
#include "mm/huge_mm.hpp"

#include "mm/gup.hpp"
#include "sim/engine.hpp"
#include "sim/frame.hpp"

#include <cstdarg>
#include <cstdio>

namespace mm {

void trace_notef(const char* fmt, ...)
{
	if (!sim::tracing())
		return;
	char buf[128];
	va_list ap;
	va_start(ap, fmt);
	std::vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	sim::trace_note(buf);
}

// Models pmd_lock() with split PMD ptlocks. Context: may spin.
sim::SpinLock* pmd_lock(pmd_t* pmd)
{
	sim::SpinLock* ptl = ptl_of(pmd);
	ptl_lock(ptl, pmd);
	return ptl;
}

// Models thp_vma_suitable_order(vma, addr, PMD_ORDER).
bool thp_vma_suitable(const vm_area_struct* vma, unsigned long addr)
{
	unsigned long haddr = addr & PMD_MASK;
	return haddr >= vma->start() && haddr + PMD_SIZE <= vma->end();
}

// Models thp_vma_allowable_order() for PMD_ORDER with TVA_ENFORCE_SYSFS.
// Differences: only anon private VMAs; no VM_HUGEPAGE/VM_NOHUGEPAGE, no prctl.
bool thp_vma_allowable(const vm_area_struct* vma, unsigned long addr)
{
	if (!vma_is_anonymous(vma) || (vma->flags() & (VM_SHARED | VM_HUGETLB)) ||
	    !thp_vma_suitable(vma, addr))
		return false;
	// hugepage_global_enabled(): sysfs may change it at any time; one read.
	return kernel_of(vma->vm_mm).thp_enabled().load();
}

// Models __pmd_trans_huge_lock(). Returns the held PMD lock, or nullptr.
sim::SpinLock* __pmd_trans_huge_lock(pmd_t* pmd)
{
	sim::SpinLock* ptl = pmd_lock(pmd);
	if (pmd_trans_huge(ptep_get(pmd)))
		return ptl;
	ptl->unlock();
	return nullptr;
}

namespace {

folio* pmd_folio(Kernel& k, pteval_t pmd)
{
	return page_folio(k.phys().pfn_to_page(pte_pfn(pmd)));
}

// Models do_huge_pmd_anonymous_page(). Context: mmap_lock held for read; takes the PMD lock.
// Returns: 0 (done or raced: retry), VM_FAULT_OOM, or VM_FAULT_FALLBACK (map small pages).
vm_fault_t do_huge_pmd_anonymous_page(vm_area_struct* vma, pmd_t* pmd, unsigned long address)
{
	MM_FRAME("do_huge_pmd_anonymous_page");
	mm_struct* mm = vma->vm_mm;
	Kernel& k = kernel_of(mm);
	unsigned long haddr = address & PMD_MASK;
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	folio* f = k.phys().alloc_pages(gfp_t(GFP_KERNEL | __GFP_ZERO), HPAGE_PMD_ORDER);
	if (f == nullptr)
		return VM_FAULT_FALLBACK;
	// pte_alloc_one(): the table a later split will use.
	ptdesc* pgtable = k.pgtables().alloc(GFP_KERNEL, PT_PTE, mm, haddr);
	if (pgtable == nullptr) {
		folio_put(f);
		return VM_FAULT_OOM;
	}
	sim::SpinLock* ptl = pmd_lock(pmd);
	if (!pte_none(ptep_get(pmd))) {
		ptl->unlock();
		k.pgtables().free(pgtable);
		folio_put(f);
		return 0;
	}
	folio_add_new_anon_rmap_pmd(f, vma, haddr);
	pgtable_trans_huge_deposit(pmd, pgtable);
	set_pte_at(pmd, pfn_pmd_huge(f->pfn, (vma->flags() & VM_WRITE) != 0));
	ptl->unlock();
	return 0;
}

// Models do_huge_pmd_wp_page(): a write (or unshare) fault on a read-only huge PMD.
// Context: mmap_lock held for read; takes the PMD lock.
// Returns: 0, or VM_FAULT_FALLBACK after splitting (the PTE level copies).
vm_fault_t do_huge_pmd_wp_page(vm_area_struct* vma, pmd_t* pmd, pteval_t orig_pmd,
			       unsigned long address, bool unshare)
{
	MM_FRAME("do_huge_pmd_wp_page");
	Kernel& k = kernel_of(vma->vm_mm);
	sim::SpinLock* ptl = pmd_lock(pmd);
	if (ptep_get(pmd) != orig_pmd) {
		ptl->unlock();
		return 0;
	}
	folio* f = pmd_folio(k, orig_pmd);
	bool exclusive = f->flags.load() & PG_anon_exclusive;
	// wp_can_reuse_anon_folio() for a PMD-mapped folio: we hold the only reference.
	if (!exclusive && folio_ref_count(f) == 1 && folio_trylock(f)) {
		exclusive = folio_ref_count(f) == 1;
		if (exclusive)
			folio_set_flag(f, PG_anon_exclusive);
		folio_unlock(f);
	}
	if (exclusive) {
		if (!unshare)
			set_pte_at(pmd, pte_mkwrite(orig_pmd));
		ptl->unlock();
		return 0;
	}
	ptl->unlock();
	// Shared with another mm (fork): split, and let the PTE level copy one page.
	__split_huge_pmd(vma, pmd, address);
	return VM_FAULT_FALLBACK;
}

} // namespace

// Models the PMD level of __handle_mm_fault() (mm/memory.c): create_huge_pmd(),
// wp_huge_pmd(), huge_pmd_set_accessed(). Context: mmap_lock held for read.
// Returns: true if the fault was handled here (*ret), false for the PTE level.
bool handle_pmd_fault(vm_area_struct* vma, pmd_t* pmd, pteval_t orig_pmd, unsigned long address,
		      unsigned flags, vm_fault_t* ret)
{
	vma->vm_mm->mmap_lock.assert_held();
	if (vma->flags() & VM_HUGETLB)
		return false;
	if (pte_none(orig_pmd)) {
		if (!thp_vma_allowable(vma, address))
			return false;
		// create_huge_pmd()
		*ret = do_huge_pmd_anonymous_page(vma, pmd, address);
		return *ret != VM_FAULT_FALLBACK;
	}
	if (!pmd_trans_huge(orig_pmd))
		return false;
	*ret = 0;
	if (!pte_present(orig_pmd)) {
		// Invalidated by a split in progress: wait for it under the PMD lock, then retry.
		pmd_lock(pmd)->unlock();
		return true;
	}
	bool unshare = flags & FAULT_FLAG_UNSHARE;
	if (((flags & FAULT_FLAG_WRITE) || unshare) && !pte_write(orig_pmd)) {
		// wp_huge_pmd()
		*ret = do_huge_pmd_wp_page(vma, pmd, orig_pmd, address, unshare);
		if (*ret == VM_FAULT_FALLBACK) {
			*ret = 0; // split: the access retries at the PTE level
		}
	}
	return true; // huge_pmd_set_accessed(): nothing to do without A/D bits
}

// Models zap_huge_pmd() with zap_deposited_table(). Context: mmap_lock held (or exit).
bool zap_huge_pmd(mmu_gather& tlb, vm_area_struct* vma, pmd_t* pmd, unsigned long addr)
{
	MM_FRAME("zap_huge_pmd");
	Kernel& k = kernel_of(vma->vm_mm);
	vma->vm_mm->mmap_lock.assert_held();
	sim::SpinLock* ptl = __pmd_trans_huge_lock(pmd);
	if (ptl == nullptr)
		return false;
	pteval_t orig = ptep_get_and_clear(pmd);
	tlb_flush_range_add(tlb, addr & PMD_MASK, PMD_SIZE);
	// zap_deposited_table(): pte_free() at once. Only a lockless walker that read the PMD
	// before it became huge can still hold this table (Fix::khugepaged_gup_fast_ipi).
	ptdesc* deposited = pgtable_trans_huge_withdraw(pmd);
	k.pgtables().free(deposited);
	trace_notef("deposited PTE table pfn %llu freed",
		    static_cast<unsigned long long>(deposited->frame->pfn));
	folio* f = pmd_folio(k, orig);
	folio_remove_rmap_pmd(f, vma);
	tlb_remove_page(tlb, f);
	ptl->unlock();
	return true;
}

// Models copy_huge_pmd(). Context: mmap_lock held for write on both mms, write_protect_seq
// of the source open (fork).
int copy_huge_pmd(vm_area_struct* dst_vma, vm_area_struct* src_vma, pmd_t* dst_pmd,
		  pmd_t* src_pmd, unsigned long addr)
{
	MM_FRAME("copy_huge_pmd");
	mm_struct* dst_mm = dst_vma->vm_mm;
	src_vma->vm_mm->mmap_lock.assert_write_held();
	Kernel& k = kernel_of(dst_mm);
	ptdesc* pgtable = k.pgtables().alloc(GFP_KERNEL, PT_PTE, dst_mm, addr & PMD_MASK);
	if (pgtable == nullptr)
		return -ENOMEM;
	sim::SpinLock* dst_ptl = pmd_lock(dst_pmd);
	sim::SpinLock* src_ptl = ptl_of(src_pmd);
	ptl_lock(src_ptl, src_pmd, 1); // spin_lock_nested(SINGLE_DEPTH_NESTING)
	pteval_t pmd = ptep_get(src_pmd);
	if (!pmd_trans_huge(pmd) || !pte_present(pmd)) {
		src_ptl->unlock();
		dst_ptl->unlock();
		k.pgtables().free(pgtable);
		return -EAGAIN;
	}
	folio* f = pmd_folio(k, pmd);
	folio_get(f);
	// folio_try_dup_anon_rmap_pmd(): an exclusive folio that may be pinned must not become
	// shared; split it and copy the pages one by one (copy_present_page).
	if ((f->flags.load() & PG_anon_exclusive) && folio_maybe_dma_pinned(f)) {
		folio_put(f);
		src_ptl->unlock();
		dst_ptl->unlock();
		k.pgtables().free(pgtable);
		__split_huge_pmd(src_vma, src_pmd, addr);
		return -EAGAIN;
	}
	folio_clear_flag(f, PG_anon_exclusive);
	folio_add_anon_rmap_pmd(f, dst_vma);
	pgtable_trans_huge_deposit(dst_pmd, pgtable);
	if (pte_write(pmd)) {
		// pmdp_set_wrprotect(): both sides COW; dup_mmap flushes the parent's TLBs.
		src_pmd->fetch_and(~_PAGE_RW);
		pmd = pte_wrprotect(pmd);
	}
	set_pte_at(dst_pmd, pmd);
	src_ptl->unlock();
	dst_ptl->unlock();
	return 0;
}

// Models change_huge_pmd(). Context: mmap_lock held for write.
bool change_huge_pmd(mmu_gather& tlb, vm_area_struct* vma, pmd_t* pmd, unsigned long addr,
		     unsigned long newflags)
{
	MM_FRAME("change_huge_pmd");
	Kernel& k = kernel_of(vma->vm_mm);
	vma->vm_mm->mmap_lock.assert_write_held();
	sim::SpinLock* ptl = __pmd_trans_huge_lock(pmd);
	if (ptl == nullptr)
		return false;
	pteval_t old = ptep_get_and_clear(pmd);
	pteval_t n = old;
	if (newflags & (VM_READ | VM_WRITE | VM_EXEC))
		n |= _PAGE_USER;
	else
		n &= ~_PAGE_USER;
	n = pte_wrprotect(n);
	if ((newflags & VM_WRITE) && (pmd_folio(k, old)->flags.load() & PG_anon_exclusive))
		n = pte_mkwrite(n); // can_change_pmd_writable()
	set_pte_at(pmd, n);
	if (n != old)
		tlb_flush_range_add(tlb, addr & PMD_MASK, PMD_SIZE);
	ptl->unlock();
	return true;
}

namespace {

// Models __split_huge_pmd_locked() for a present anon THP. Context: PMD lock held.
void __split_huge_pmd_locked(vm_area_struct* vma, pmd_t* pmd, unsigned long haddr)
{
	Kernel& k = kernel_of(vma->vm_mm);
	ptl_of(pmd)->assert_held();
	// Never small and huge TLB entries for one address at once: make the PMD non-present
	// (still huge, so walkers wait for our lock), flush, and only then install the table.
	pteval_t old_pmd = pmdp_invalidate(vma, haddr, pmd);
	folio* f = pmd_folio(k, old_pmd);
	bool write = pte_write(old_pmd);
	bool anon_exclusive = f->flags.load() & PG_anon_exclusive;
	// One reference and one page mapcount per PTE from now on.
	folio_ref_add(f, HPAGE_PMD_NR - 1);
	ptdesc* pgtable = pgtable_trans_huge_withdraw(pmd);
	pt_check_live(pgtable, "split of a huge PMD into its deposited PTE table");
	// folio_add_anon_rmap_ptes() for all 512 pages. Opt: one step for the batch: the only
	// other writers of these counters are zaps of the same pages in other mms, whose
	// decrements commute with our increments.
	sim::point(sim::Op::rmw, sim::WaitKind::none, &f->_mapcount);
	for (int i = 0; i < HPAGE_PMD_NR; ++i) {
		page* pg = f + i;
		pg->_mapcount.init(pg->_mapcount.peek() + 1);
		if (anon_exclusive)
			pg->flags.init(pg->flags.peek() | PG_anon_exclusive);
		// The withdrawn table is reachable by nobody until pmd_populate() below.
		pteval_t v = pfn_pte(pg->pfn, write);
		if (!(old_pmd & _PAGE_USER))
			v &= ~_PAGE_USER;
		pgtable->entries[static_cast<std::size_t>(i)].init(v);
	}
	folio_remove_rmap_pmd(f, vma);
	set_pte_at(pmd, pmd_table(pgtable)); // smp_wmb(); pmd_populate()
}

} // namespace

// Models __split_huge_pmd(). Context: mmap_lock held; takes the PMD lock.
void __split_huge_pmd(vm_area_struct* vma, pmd_t* pmd, unsigned long address)
{
	MM_FRAME("__split_huge_pmd");
	vma->vm_mm->mmap_lock.assert_held();
	unsigned long haddr = address & PMD_MASK;
	sim::SpinLock* ptl = pmd_lock(pmd);
	pteval_t v = ptep_get(pmd);
	if (pmd_trans_huge(v) && pte_present(v))
		__split_huge_pmd_locked(vma, pmd, haddr);
	ptl->unlock();
}

// Models vma_adjust_trans_huge() / split_huge_pmd_if_needed() for one new boundary.
// Context: mmap_lock held for write (__split_vma).
void vma_adjust_trans_huge(vm_area_struct* vma, unsigned long addr)
{
	// split_huge_pmd_if_needed(): a huge PMD that straddles the new VMA boundary.
	if (!(addr & ~PMD_MASK) || (vma->flags() & VM_HUGETLB) || !thp_vma_suitable(vma, addr))
		return;
	pmd_t* pmd = walk_to_pmd(vma->vm_mm, addr, false);
	if (pmd != nullptr && pmd_trans_huge(ptep_get(pmd)))
		__split_huge_pmd(vma, pmd, addr); // split_huge_pmd_address()
}

// Models follow_huge_pmd() (was follow_trans_huge_pmd). Context: PMD lock held.
page* follow_huge_pmd(vm_area_struct* vma, unsigned long address, pmd_t* pmd, unsigned flags,
		      bool* unshare)
{
	Kernel& k = kernel_of(vma->vm_mm);
	ptl_of(pmd)->assert_held();
	pteval_t pmdval = ptep_get(pmd);
	if (!pte_present(pmdval) || ((flags & FOLL_WRITE) && !pte_write(pmdval)))
		return nullptr;
	folio* f = pmd_folio(k, pmdval);
	if (!pte_write(pmdval) && gup_must_unshare(flags, f)) {
		*unshare = true;
		return nullptr;
	}
	page* pg = f + ((address & ~PMD_MASK) >> PAGE_SHIFT);
	try_grab_folio(pg, 1, flags);
	return pg;
}

} // namespace mm
