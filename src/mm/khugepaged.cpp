// khugepaged: collapsing 512 small anon pages into one THP. Models mm/khugepaged.c
// (torvalds/linux 00f58104, v6.10: hpage_collapse_scan_pmd, collapse_huge_page,
// __collapse_huge_page_isolate, __collapse_huge_page_copy and its _succeeded/_failed
// halves), and Andrea Arcangeli's two 2014 proposals against the GUP-fast race (seed 001,
// <20141027001842.GU6911@redhat.com>) on the 2014 shape of __collapse_huge_page_copy
// (torvalds/linux 0013eec9).
//
// The PTE table being collapsed is first unhooked (pmdp_collapse_flush), then its pages are
// checked for pins (refcount == mapcount), copied, and the table is deposited with the new
// huge PMD. Once the PMD is none and mmap_lock and the anon_vma lock are held for write,
// nobody writes the table's entries but us: faults need mmap_lock, rmap walkers the anon_vma
// lock, and the only lockless walker, GUP-fast, only reads. So the entries are read with
// peek() under that exclusion (Opt: no scheduling point for a read nobody can race with; the
// table's use-after-free check stays); every write is a scheduling point.
//
// Differences: one PMD range per call (no mm_slot list, no scan cursor); no swap-in, no
// PTE-mapped large folios (SCAN_PAGE_COMPOUND), no mmu notifiers, no memcg charge, no NUMA
// node choice; every present PTE counts as young; khugepaged_max_ptes_none = 511 and
// max_ptes_shared = 256 (the defaults); copy_mc fails only on an hwpoisoned source page.
#include "mm/gup.hpp"
#include "mm/huge_mm.hpp"

#include "sim/frame.hpp"
#include "sim/irq.hpp"

#include <array>

namespace mm {
namespace {

constexpr int khugepaged_max_ptes_none = HPAGE_PMD_NR - 1;
constexpr int khugepaged_max_ptes_shared = HPAGE_PMD_NR / 2;

// An entry of the unhooked table we own (see the file comment), or read under its ptl.
pteval_t owned_pte(const pte_t* pte)
{
	pt_check_live(ptdesc_of(pte), "read of a page-table entry");
	return pte->peek();
}

// Models is_refcount_suitable(): every reference is a mapping; no GUP pin, no isolation,
// no temporary get. The kernel's own check against pins.
bool is_refcount_suitable(folio* f)
{
	int expected = folio_mapcount(f);
	return folio_ref_count(f) == expected;
}

// Models folio_isolate_lru(): off the LRU (PG_isolated), so reclaim and migration leave it.
bool folio_isolate_lru(folio* f)
{
	return !folio_test_set_flag(f, PG_isolated);
}

// Models release_pte_folio(): unlock, back on the LRU.
void release_pte_folio(folio* f)
{
	folio_unlock(f);
	folio_clear_flag(f, PG_isolated);
}

// Models release_pte_pages(): undo the isolation of the pages of [pte, _pte).
void release_pte_pages(Kernel& k, pte_t* pte, pte_t* _pte)
{
	while (--_pte >= pte) {
		pteval_t v = owned_pte(_pte);
		if (!pte_none(v))
			release_pte_folio(page_folio(k.phys().pfn_to_page(pte_pfn(v))));
	}
}

// Models find_pmd_or_thp_or_none(). Context: mmap_lock held.
int find_pmd_or_thp_or_none(mm_struct* mm, unsigned long address, pmd_t** pmd)
{
	*pmd = walk_to_pmd(mm, address, false);
	if (*pmd == nullptr)
		return SCAN_PMD_NULL;
	pteval_t pmde = ptep_get(*pmd); // pmdp_get_lockless()
	if (pte_none(pmde))
		return SCAN_PMD_NONE;
	if (pmd_trans_huge(pmde))
		return SCAN_PMD_MAPPED;
	if (!pte_present(pmde))
		return SCAN_PMD_NULL;
	return SCAN_SUCCEED;
}

// Models hugepage_vma_revalidate() for an anon VMA. Context: mmap_lock held.
int hugepage_vma_revalidate(mm_struct* mm, unsigned long address, vm_area_struct** vmap)
{
	if (mm->mm_users.load() == 0) // hpage_collapse_test_exit()
		return SCAN_ANY_PROCESS;
	vm_area_struct* vma = find_vma(mm, address);
	*vmap = vma;
	if (vma == nullptr || vma->start() > address)
		return SCAN_VMA_NULL;
	if (!thp_vma_suitable(vma, address))
		return SCAN_ADDRESS_RANGE;
	if (!thp_vma_allowable(vma, address))
		return SCAN_VMA_CHECK;
	if (vma->anon.peek() == nullptr)
		return SCAN_PAGE_ANON;
	return SCAN_SUCCEED;
}

// Models __collapse_huge_page_isolate(). Context: the PMD is none; the PTE table's ptl,
// mmap_lock and the anon_vma lock held for write. Returns SCAN_SUCCEED with every page
// locked and isolated, or releases what it took.
int __collapse_huge_page_isolate(vm_area_struct* vma, unsigned long address, pte_t* pte)
{
	MM_FRAME("__collapse_huge_page_isolate");
	Kernel& k = kernel_of(vma->vm_mm);
	vma->vm_mm->mmap_lock.assert_write_held();
	ptl_of(pte)->assert_held();
	int none_or_zero = 0, shared = 0, referenced = 0, result = SCAN_FAIL;
	bool writable = false;
	pte_t* _pte = pte;
	for (; _pte < pte + HPAGE_PMD_NR; ++_pte, address += PAGE_SIZE) {
		pteval_t pteval = owned_pte(_pte);
		if (pte_none(pteval)) {
			if (++none_or_zero <= khugepaged_max_ptes_none)
				continue;
			result = SCAN_EXCEED_NONE_PTE;
			goto out;
		}
		if (!pte_present(pteval)) {
			result = SCAN_PTE_NON_PRESENT;
			goto out;
		}
		{
			folio* f = page_folio(k.phys().pfn_to_page(pte_pfn(pteval)));
			if (!PageAnon(f))
				sim::raise(sim::ViolationKind::invariant,
					   "__collapse_huge_page_isolate: a non-anon page in an anon VMA "
					   "(VM_BUG_ON_FOLIO)");
			if (folio_mapcount(f) > 1 && ++shared > khugepaged_max_ptes_shared) {
				result = SCAN_EXCEED_SHARED_PTE;
				goto out;
			}
			if (folio_nr_pages(f) > 1) {
				result = SCAN_PAGE_COMPOUND;
				goto out;
			}
			if (!folio_trylock(f)) {
				result = SCAN_PAGE_LOCK;
				goto out;
			}
			// Check if the page has any GUP (or other external) pins. The PTE table is
			// unhooked from the page tables, so this process can take no new pin...
			// unless a GUP-fast walker read the PMD before pmdp_collapse_flush() and is
			// still in the table (seed 001): the PMD recheck in gup_fast_pte_range() or an
			// IPI that waits for it is what makes this check final.
			if (!is_refcount_suitable(f)) {
				trace_notef("pfn %llu has an extra reference: SCAN_PAGE_COUNT",
					    static_cast<unsigned long long>(f->pfn));
				folio_unlock(f);
				result = SCAN_PAGE_COUNT;
				goto out;
			}
			trace_notef("pfn %llu: refcount == mapcount, no pin",
				    static_cast<unsigned long long>(f->pfn));
			if (!folio_isolate_lru(f)) {
				folio_unlock(f);
				result = SCAN_DEL_PAGE_LRU;
				goto out;
			}
			if (pte_young(pteval))
				++referenced;
			writable = writable || pte_write(pteval);
		}
	}
	if (!writable)
		result = SCAN_PAGE_RO;
	else if (!referenced)
		result = SCAN_LACK_REFERENCED_PAGE;
	else
		return SCAN_SUCCEED;
out:
	release_pte_pages(k, pte, _pte);
	return result;
}

// Models __collapse_huge_page_copy_succeeded(): the small pages go. Context: mmap_lock held
// for write; takes the PTE table's ptl for each entry.
void __collapse_huge_page_copy_succeeded(vm_area_struct* vma, pte_t* pte, sim::SpinLock* ptl)
{
	MM_FRAME("__collapse_huge_page_copy_succeeded");
	Kernel& k = kernel_of(vma->vm_mm);
	for (pte_t* _pte = pte; _pte < pte + HPAGE_PMD_NR; ++_pte) {
		pteval_t pteval = owned_pte(_pte);
		if (pte_none(pteval))
			continue;
		page* src_page = k.phys().pfn_to_page(pte_pfn(pteval));
		folio* src = page_folio(src_page);
		release_pte_folio(src);
		ptl_lock(ptl, _pte);
		ptep_get_and_clear(_pte); // ptep_clear()
		trace_notef("small pfn %llu unmapped", static_cast<unsigned long long>(src_page->pfn));
		folio_remove_rmap_pte(src_page, vma);
		ptl->unlock();
		folio_put(src); // free_page_and_swap_cache()
	}
}

// Models __collapse_huge_page_copy_failed(): hook the table back and release the pages.
// Context: mmap_lock held for write; the pages are still isolated and locked, so the
// anon_vma lock is not needed.
void __collapse_huge_page_copy_failed(vm_area_struct* vma, pte_t* pte, pmd_t* pmd,
				      pteval_t orig_pmd)
{
	MM_FRAME("__collapse_huge_page_copy_failed");
	sim::SpinLock* pmd_ptl = pmd_lock(pmd);
	set_pte_at(pmd, orig_pmd); // pmd_populate()
	pmd_ptl->unlock();
	release_pte_pages(kernel_of(vma->vm_mm), pte, pte + HPAGE_PMD_NR);
}

// Models __collapse_huge_page_copy(): copy first, then drop the small pages.
int __collapse_huge_page_copy(pte_t* pte, folio* hpage, pmd_t* pmd, pteval_t orig_pmd,
			      vm_area_struct* vma, sim::SpinLock* ptl)
{
	MM_FRAME("__collapse_huge_page_copy");
	Kernel& k = kernel_of(vma->vm_mm);
	int result = SCAN_SUCCEED;
	for (int i = 0; i < HPAGE_PMD_NR; ++i) {
		pteval_t pteval = owned_pte(pte + i);
		if (pte_none(pteval))
			continue; // clear_user_highpage(): the new folio is zeroed already
		page* src = k.phys().pfn_to_page(pte_pfn(pteval));
		if (src->flags.load() & PG_hwpoison) { // copy_mc_user_highpage() > 0
			result = SCAN_COPY_MC;
			break;
		}
		// hpage is ours alone until the PMD points to it; the source may be written by
		// whoever still holds a reference (a GUP pin: the race).
		(hpage + i)->data.init(src->data.load());
		trace_notef("copy pfn %llu -> THP pfn %llu", static_cast<unsigned long long>(src->pfn),
			    static_cast<unsigned long long>(hpage->pfn + static_cast<pfn_t>(i)));
	}
	if (result == SCAN_SUCCEED)
		__collapse_huge_page_copy_succeeded(vma, pte, ptl);
	else
		__collapse_huge_page_copy_failed(vma, pte, pmd, orig_pmd);
	return result;
}

// Proposal::collapse_recheck_refcount, on the 2014 shape of __collapse_huge_page_copy
// (copy, then clear each PTE): after clearing a PTE, a full barrier, then the pin check
// again; on a new reference, put every cleared PTE back (from the saved values: "store the
// 512 pte pointers in a temporary page to roll all of them back") and fail the collapse.
//
//   CPU0 (GUP-fast)                        CPU1 (collapse)
//   pte = READ_ONCE(*ptep)                 copy; pte_clear(ptep); smp_mb()
//   get_page_unless_zero(); smp_mb()       page_count(page) != 1 ? -> roll back
//   recheck pte: changed ? -> put, bail
// Either CPU0's recheck sees the clear, or CPU1's check sees the reference.
int __collapse_huge_page_copy_recheck(pte_t* pte, folio* hpage, pmd_t* pmd, pteval_t orig_pmd,
				      vm_area_struct* vma, sim::SpinLock* ptl)
{
	MM_FRAME("__collapse_huge_page_copy");
	Kernel& k = kernel_of(vma->vm_mm);
	std::array<pteval_t, HPAGE_PMD_NR> saved{};
	int i = 0;
	bool raced = false;
	for (; i < HPAGE_PMD_NR && !raced; ++i) {
		saved[static_cast<std::size_t>(i)] = owned_pte(pte + i);
		pteval_t pteval = saved[static_cast<std::size_t>(i)];
		if (pte_none(pteval))
			continue;
		page* src = k.phys().pfn_to_page(pte_pfn(pteval));
		(hpage + i)->data.init(src->data.load()); // copy_user_highpage()
		ptl_lock(ptl, pte + i);
		ptep_get_and_clear(pte + i);
		ptl->unlock();
		raced = !is_refcount_suitable(page_folio(src));
	}
	if (raced) {
		for (int j = 0; j < i; ++j) {
			if (pte_none(saved[static_cast<std::size_t>(j)]))
				continue;
			ptl_lock(ptl, pte + j);
			set_pte_at(pte + j, saved[static_cast<std::size_t>(j)]);
			ptl->unlock();
		}
		__collapse_huge_page_copy_failed(vma, pte, pmd, orig_pmd);
		return SCAN_PAGE_COUNT;
	}
	for (int j = 0; j < HPAGE_PMD_NR; ++j) {
		pteval_t pteval = saved[static_cast<std::size_t>(j)];
		if (pte_none(pteval))
			continue;
		page* src_page = k.phys().pfn_to_page(pte_pfn(pteval));
		release_pte_folio(page_folio(src_page));
		ptl_lock(ptl, pte + j);
		folio_remove_rmap_pte(src_page, vma);
		ptl->unlock();
		folio_put(page_folio(src_page));
	}
	return SCAN_SUCCEED;
}

// kick_all_cpus_sync() (Proposal::collapse_ipi_after_pmd_clear): an IPI every CPU must
// take, which an IRQ-off GUP-fast walker holds off until it is done.
void kick_all_cpus_sync()
{
	MM_FRAME("kick_all_cpus_sync");
	sim::smp_call_function([](void*, int) {}, nullptr);
}

// Models collapse_huge_page(). Context: mmap_lock held for read on entry, released on
// return. May sleep.
int collapse_huge_page(mm_struct* mm, unsigned long address)
{
	MM_FRAME("collapse_huge_page");
	Kernel& k = kernel_of(mm);
	mm->mmap_lock.assert_held();
	vm_area_struct* vma = nullptr;
	pmd_t* pmd = nullptr;
	// Allocate without mmap_lock: it may take long (compaction).
	mm->mmap_lock.up_read();
	folio* hpage = k.phys().alloc_pages(gfp_t(GFP_KERNEL | __GFP_ZERO), HPAGE_PMD_ORDER);
	if (hpage == nullptr)
		return SCAN_ALLOC_HUGE_PAGE_FAIL;
	mm->mmap_lock.down_read();
	int result = hugepage_vma_revalidate(mm, address, &vma);
	if (result == SCAN_SUCCEED)
		result = find_pmd_or_thp_or_none(mm, address, &pmd);
	mm->mmap_lock.up_read();
	if (result != SCAN_SUCCEED) {
		folio_put(hpage);
		return result;
	}
	// Prevent all access to the page tables but GUP-fast's: mmap_lock for write keeps
	// faults and GUP's slow path out, the anon_vma lock and PG_locked the rmap walkers.
	mm->mmap_lock.down_write();
	result = hugepage_vma_revalidate(mm, address, &vma);
	pmd_t* again = nullptr;
	if (result == SCAN_SUCCEED) {
		result = find_pmd_or_thp_or_none(mm, address, &again); // check_pmd_still_valid()
		if (result == SCAN_SUCCEED && again != pmd)
			result = SCAN_FAIL;
	}
	if (result != SCAN_SUCCEED) {
		mm->mmap_lock.up_write();
		folio_put(hpage);
		return result;
	}
	anon_vma* av = vma->anon.peek()->root;
	av->rwsem.down_write(); // anon_vma_lock_write()

	sim::SpinLock* pmd_ptl = pmd_lock(pmd);
	// 2014: "After this gup_fast can't run anymore." True only while the flush IPIs every
	// CPU and waits for those with IRQs off; a broadcast flush waits for nobody.
	pteval_t _pmd = pmdp_collapse_flush(vma, address, pmd);
	pmd_ptl->unlock();
	if (k.proposal(Proposal::collapse_ipi_after_pmd_clear))
		kick_all_cpus_sync();
	// Jann Horn 2022: GUP-fast may still walk the old table; wait for it before the table
	// can be deposited, reused or freed. tlb_remove_table_sync_one() is empty without
	// MMU_GATHER_RCU_TABLE_FREE, where the flush's own IPI is what frees tables safely.
	if (k.fixed(Fix::khugepaged_gup_fast_ipi) && k.config().table_free != TableFreeMode::immediate)
		tlb_remove_table_sync_one();

	ptdesc* table = entry_table(k.pgtables(), _pmd);
	pte_t* pte = &table->entries[0];
	sim::SpinLock* pte_ptl = &table->ptl;
	ptl_lock(pte_ptl, pte);
	result = __collapse_huge_page_isolate(vma, address, pte);
	pte_ptl->unlock();
	if (result != SCAN_SUCCEED) {
		ptl_lock(pmd_ptl, pmd);
		if (!pte_none(ptep_get(pmd)))
			sim::raise(sim::ViolationKind::invariant,
				   "collapse_huge_page: the PMD was repopulated under us (BUG_ON)");
		set_pte_at(pmd, _pmd); // pmd_populate(): the old table goes back
		pmd_ptl->unlock();
		av->rwsem.up_write();
		mm->mmap_lock.up_write();
		folio_put(hpage);
		return result;
	}
	// All pages are isolated and locked, so anon_vma rmap can't run any more.
	av->rwsem.up_write();

	result = k.proposal(Proposal::collapse_recheck_refcount)
			 ? __collapse_huge_page_copy_recheck(pte, hpage, pmd, _pmd, vma, pte_ptl)
			 : __collapse_huge_page_copy(pte, hpage, pmd, _pmd, vma, pte_ptl);
	if (result != SCAN_SUCCEED) {
		mm->mmap_lock.up_write();
		folio_put(hpage);
		return result;
	}
	pteval_t huge = pfn_pmd_huge(hpage->pfn, (vma->flags() & VM_WRITE) != 0);
	ptl_lock(pmd_ptl, pmd);
	if (!pte_none(ptep_get(pmd)))
		sim::raise(sim::ViolationKind::invariant,
			   "collapse_huge_page: the PMD was repopulated under us (BUG_ON)");
	folio_add_new_anon_rmap_pmd(hpage, vma, address);
	pgtable_trans_huge_deposit(pmd, table);
	set_pte_at(pmd, huge);
	trace_notef("huge PMD -> THP pfn %llu, PTE table deposited",
		    static_cast<unsigned long long>(hpage->pfn));
	pmd_ptl->unlock();
	mm->mmap_lock.up_write();
	return SCAN_SUCCEED;
}

} // namespace

// Models hpage_collapse_scan_pmd(): is this PMD range worth collapsing? Context: mmap_lock
// held for read; takes the PTE table's ptl for the scan.
int hpage_collapse_scan_pmd(mm_struct* mm, unsigned long haddr, bool* mmap_locked)
{
	MM_FRAME("hpage_collapse_scan_pmd");
	Kernel& k = kernel_of(mm);
	mm->mmap_lock.assert_held();
	pmd_t* pmd = nullptr;
	int result = find_pmd_or_thp_or_none(mm, haddr, &pmd);
	if (result != SCAN_SUCCEED)
		return result;
	sim::SpinLock* ptl = nullptr;
	pte_t* pte = pte_offset_map_lock(mm, pmd, haddr, &ptl);
	if (pte == nullptr)
		return SCAN_PMD_NULL;
	int none_or_zero = 0, shared = 0, referenced = 0;
	bool writable = false;
	result = SCAN_SUCCEED;
	for (int i = 0; i < HPAGE_PMD_NR && result == SCAN_SUCCEED; ++i) {
		// Opt: under the ptl, which every writer of these entries holds, a read is not a
		// race; one scheduling point (the lock) covers the scan.
		pteval_t pteval = owned_pte(pte + i);
		if (pte_none(pteval)) {
			if (++none_or_zero > khugepaged_max_ptes_none)
				result = SCAN_EXCEED_NONE_PTE;
			continue;
		}
		if (!pte_present(pteval)) {
			result = SCAN_PTE_NON_PRESENT;
			continue;
		}
		writable = writable || pte_write(pteval);
		folio* f = page_folio(k.phys().pfn_to_page(pte_pfn(pteval)));
		if (!PageAnon(f))
			result = SCAN_PAGE_ANON;
		else if (folio_mapcount(f) > 1 && ++shared > khugepaged_max_ptes_shared)
			result = SCAN_EXCEED_SHARED_PTE;
		else if (folio_nr_pages(f) > 1)
			result = SCAN_PAGE_COMPOUND;
		else if (folio_test(f, PG_isolated))
			result = SCAN_PAGE_LRU;
		else if (f->lock.is_locked())
			result = SCAN_PAGE_LOCK;
		else if (!is_refcount_suitable(f)) // racy here; done again, for real, in isolate
			result = SCAN_PAGE_COUNT;
		else if (pte_young(pteval))
			++referenced;
	}
	if (result == SCAN_SUCCEED)
		result = !writable ? SCAN_PAGE_RO : !referenced ? SCAN_LACK_REFERENCED_PAGE
							       : SCAN_SUCCEED;
	ptl->unlock();
	if (result == SCAN_SUCCEED) {
		// collapse_huge_page() returns with mmap_lock released.
		result = collapse_huge_page(mm, haddr);
		*mmap_locked = false;
	}
	return result;
}

// Models khugepaged_scan_mm_slot() for the one PMD range of p around addr. Context: may
// sleep; takes mmap_lock for read (collapse_huge_page() upgrades to write).
int Kernel::khugepaged_scan_pmd(process& p, unsigned long addr)
{
	MM_FRAME("khugepaged_scan_mm_slot");
	mm_struct* mm = p.mm;
	// khugepaged holds mm_count and bails out once mm_users is zero; holding a user
	// reference for the scan is the same for the model.
	if (p.exited || !mmget_not_zero(mm))
		return SCAN_ANY_PROCESS;
	unsigned long haddr = addr & PMD_MASK;
	mm->mmap_lock.down_read();
	vm_area_struct* vma = nullptr;
	int result = hugepage_vma_revalidate(mm, haddr, &vma);
	bool mmap_locked = true;
	if (result == SCAN_SUCCEED)
		result = hpage_collapse_scan_pmd(mm, haddr, &mmap_locked);
	if (mmap_locked)
		mm->mmap_lock.up_read();
	mmput(mm);
	return result;
}

// Models enabled_store() (mm/huge_memory.c) for "always" and "never".
void Kernel::set_transparent_hugepage(bool enabled)
{
	MM_FRAME("enabled_store");
	thp_enabled_.store(enabled);
}

} // namespace mm
