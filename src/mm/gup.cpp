// get_user_pages, the slow path: under mmap_lock for read, follow the page tables under the
// ptl and fault in what is missing. Models mm/gup.c (v6.10 shape; the v4.x code in
// torvalds/linux and v6.0 in CachyOS/linux 055d1afd were read): try_grab_folio,
// gup_put_folio, follow_page_pte, follow_pmd_mask, faultin_page, check_vma_flags,
// __get_user_pages, get_user_pages_unlocked; the Kernel's GUP entry points and DMA.
//
// Differences: one page per step of __get_user_pages (no page_mask batching for THPs); no
// FOLL_FORCE, FOLL_LONGTERM, FOLL_NOWAIT or VM_FAULT_RETRY; no hugetlb, device or special
// mappings; the pin bias is used for large folios too (gup.hpp).
#include "mm/gup.hpp"

#include "mm/huge_mm.hpp"
#include "sim/frame.hpp"

namespace mm {

// Models folio_maybe_dma_pinned() for small folios (see gup.hpp).
bool folio_maybe_dma_pinned(folio* f)
{
	return folio_ref_count(f) >= GUP_PIN_COUNTING_BIAS;
}

// Models try_grab_folio() (was try_grab_page). Context: the page's ptl held.
folio* try_grab_folio(page* pg, int refs, unsigned flags)
{
	folio* f = page_folio(pg);
	folio_ref_add(f, (flags & FOLL_PIN) ? refs * GUP_PIN_COUNTING_BIAS : refs);
	return f;
}

// Models gup_put_folio().
void gup_put_folio(folio* f, int refs, unsigned flags)
{
	folio_put_refs(f, (flags & FOLL_PIN) ? refs * GUP_PIN_COUNTING_BIAS : refs);
}

// Models gup_must_unshare() without the vma (as GUP-fast calls it).
bool gup_must_unshare(unsigned flags, page* pg)
{
	if ((flags & (FOLL_WRITE | FOLL_PIN)) != FOLL_PIN)
		return false;
	// File pages have no anon-exclusive state: a private file page pinned read-only stays
	// the page-cache page, as in the kernel.
	if (!PageAnon(pg))
		return false;
	// Paired with fork's clearing of the flag (folio_try_share_anon_rmap_pte): one read.
	return !(pg->flags.load() & PG_anon_exclusive);
}

namespace {

// Models follow_page_pte(). Context: mmap_lock held; takes the PTE table's ptl.
// Returns: the page with the reference `flags` asks for, or nullptr when a fault must make
// it present, writable (FOLL_WRITE) or exclusive (*unshare).
page* follow_page_pte(vm_area_struct* vma, unsigned long address, pmd_t* pmd, unsigned flags,
		      bool* unshare)
{
	MM_FRAME("follow_page_pte");
	mm_struct* mm = vma->vm_mm;
	sim::SpinLock* ptl = nullptr;
	pte_t* ptep = pte_offset_map_lock(mm, pmd, address, &ptl);
	if (ptep == nullptr)
		return nullptr; // no_page_table()
	pteval_t pte = ptep_get(ptep);
	page* pg = nullptr;
	if (!pte_present(pte) || ((flags & FOLL_WRITE) && !pte_write(pte))) {
		// Not present (none, migration: the fault waits), or a COW still to break.
	} else {
		pg = kernel_of(mm).phys().pfn_to_page(pte_pfn(pte));
		if (!pte_write(pte) && gup_must_unshare(flags, pg)) {
			*unshare = true;
			pg = nullptr;
		} else {
			try_grab_folio(pg, 1, flags);
		}
	}
	ptl->unlock();
	return pg;
}

// Models follow_page_mask() / follow_pmd_mask(). Context: mmap_lock held.
page* follow_page_mask(vm_area_struct* vma, unsigned long address, unsigned flags,
		       bool* unshare)
{
	MM_FRAME("follow_page_mask");
	pmd_t* pmd = walk_to_pmd(vma->vm_mm, address, false);
	if (pmd == nullptr)
		return nullptr;
	pteval_t pmdval = ptep_get(pmd); // pmdp_get_lockless()
	if (pte_none(pmdval))
		return nullptr;
	if (!pmd_trans_huge(pmdval)) // hugetlb VMAs never get here: check_vma_flags() refuses them
		return follow_page_pte(vma, address, pmd, flags, unshare);
	sim::SpinLock* ptl = pmd_lock(pmd);
	pmdval = ptep_get(pmd);
	if (!pmd_trans_huge(pmdval)) {
		// Split while we waited for the lock.
		ptl->unlock();
		return follow_page_pte(vma, address, pmd, flags, unshare);
	}
	page* pg = follow_huge_pmd(vma, address, pmd, flags, unshare);
	ptl->unlock();
	return pg;
}

// Models faultin_page(). Context: mmap_lock held for read.
// Returns: 0 (retry the lookup), -EFAULT or -ENOMEM.
int faultin_page(vm_area_struct* vma, unsigned long address, unsigned flags, bool unshare)
{
	MM_FRAME("faultin_page");
	unsigned fault_flags = 0;
	if (flags & FOLL_WRITE)
		fault_flags |= FAULT_FLAG_WRITE;
	if (unshare)
		fault_flags |= FAULT_FLAG_UNSHARE;
	vm_fault_t ret = handle_mm_fault(vma, address, fault_flags);
	if (ret & VM_FAULT_OOM)
		return -ENOMEM;
	if (ret & VM_FAULT_ERROR)
		return -EFAULT;
	return 0;
}

// Models check_vma_flags() without FOLL_FORCE.
// Differences: refuses hugetlb VMAs (-EFAULT); GUP of hugetlb pages is not modelled.
int check_vma_flags(const vm_area_struct* vma, unsigned flags)
{
	unsigned long vm_flags = vma->flags();
	if (vm_flags & VM_HUGETLB)
		return -EFAULT;
	if (flags & FOLL_WRITE)
		return (vm_flags & VM_WRITE) ? 0 : -EFAULT;
	return (vm_flags & VM_READ) ? 0 : -EFAULT;
}

} // namespace

// Models __get_user_pages(). Context: mmap_lock held for read; may sleep (faults).
long __get_user_pages(mm_struct* mm, unsigned long start, long nr_pages, unsigned gup_flags,
		      page** pages)
{
	MM_FRAME("__get_user_pages");
	mm->mmap_lock.assert_held();
	long i = 0;
	int ret = 0;
	vm_area_struct* vma = nullptr;
	while (nr_pages > 0) {
		if (vma == nullptr || start >= vma->end()) {
			vma = vma_lookup(mm, start);
			ret = vma ? check_vma_flags(vma, gup_flags) : -EFAULT;
			if (ret)
				break;
		}
		bool unshare = false;
		page* pg = follow_page_mask(vma, start, gup_flags, &unshare);
		if (pg == nullptr) {
			ret = faultin_page(vma, start, gup_flags, unshare);
			if (ret)
				break;
			continue; // retry the lookup
		}
		pages[i++] = pg;
		start += PAGE_SIZE;
		--nr_pages;
	}
	return i ? i : ret;
}

// Models get_user_pages_unlocked(). Context: may sleep; takes mmap_lock for read.
long get_user_pages_unlocked(mm_struct* mm, unsigned long start, long nr_pages,
			     unsigned gup_flags, page** pages)
{
	MM_FRAME("get_user_pages_unlocked");
	mm->mmap_lock.down_read();
	long ret = __get_user_pages(mm, start, nr_pages, gup_flags, pages);
	mm->mmap_lock.up_read();
	return ret;
}

namespace {

// A thread of p calls GUP on its own mm: the mm lives while the thread runs in it.
template <class F> long with_mm(process& p, unsigned long start, int nr_pages, unsigned flags,
				F&& body)
{
	// Exactly one of FOLL_GET and FOLL_PIN.
	if (nr_pages <= 0 || ((flags & FOLL_GET) != 0) == ((flags & FOLL_PIN) != 0))
		return -EINVAL;
	if (start & ~PAGE_MASK || start >= TASK_SIZE ||
	    static_cast<unsigned long>(nr_pages) > (TASK_SIZE - start) >> PAGE_SHIFT)
		return -EFAULT; // access_ok()
	if (p.exited || !mmget_not_zero(p.mm))
		return -EFAULT;
	long r = body(p.mm);
	mmput(p.mm);
	return r;
}

} // namespace

long Kernel::get_user_pages_fast(process& p, unsigned long start, int nr_pages,
				 unsigned gup_flags, page** pages)
{
	MM_FRAME((gup_flags & FOLL_PIN) ? "pin_user_pages_fast" : "get_user_pages_fast");
	return with_mm(p, start, nr_pages, gup_flags, [&](mm_struct* mm) {
		return gup_fast_fallback(mm, start, nr_pages, gup_flags, pages);
	});
}

long Kernel::get_user_pages(process& p, unsigned long start, int nr_pages, unsigned gup_flags,
			    page** pages)
{
	MM_FRAME((gup_flags & FOLL_PIN) ? "pin_user_pages_unlocked" : "get_user_pages_unlocked");
	return with_mm(p, start, nr_pages, gup_flags, [&](mm_struct* mm) {
		return get_user_pages_unlocked(mm, start, nr_pages, gup_flags, pages);
	});
}

void Kernel::unpin_user_page(page* pg, unsigned gup_flags)
{
	MM_FRAME((gup_flags & FOLL_PIN) ? "unpin_user_page" : "put_page");
	gup_put_folio(page_folio(pg), 1, gup_flags);
}

namespace {
void dma_check(page* pg, const char* what)
{
	// A pin keeps its page allocated: DMA into a freed page is a refcount bug.
	if (!pg->head->lt.live())
		sim::lifetime_check(pg->head->lt, pg->head, what);
}
} // namespace

std::uint64_t Kernel::dma_read(page* pg)
{
	MM_FRAME("DMA read");
	std::uint64_t v = pg->data.load();
	trace_notef("%llu from pfn %llu", static_cast<unsigned long long>(v),
		    static_cast<unsigned long long>(pg->pfn));
	dma_check(pg, "DMA read through a GUP pin");
	return v;
}

void Kernel::dma_write(page* pg, std::uint64_t value)
{
	MM_FRAME("DMA write");
	pg->data.store(value);
	trace_notef("%llu into pfn %llu", static_cast<unsigned long long>(value),
		    static_cast<unsigned long long>(pg->pfn));
	dma_check(pg, "DMA write through a GUP pin");
}

} // namespace mm
