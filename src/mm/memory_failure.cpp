// Soft offline. Models mm/memory-failure.c (v5.18, torvalds/linux 003fa195911d; v6.x returns
// -EBUSY after the second failed attempt on a free page, as modelled): soft_offline_page,
// get_hwpoison_page, get_any_page, __get_hwpoison_page, soft_offline_in_use_page,
// __soft_offline_page, isolate_page, page_handle_poison, __page_handle_poison; and the v4.17
// code of the 2018 thread (seed 004) behind Fix::soft_offline_free_hugetlb: __get_any_page and
// soft_offline_free_page, which set PG_hwpoison before containment and ignore a failed
// dissolve.
//
// The two flows of the thread (Naoya Horiguchi, v2 1/2), with the fix off:
//
//   CPU0 (soft offline of H)     CPU1 (A)                      CPU2 (B)
//   get_any_page: H is free
//                                hugetlb_no_page:
//                                alloc_hugetlb_folio -> H
//   SetPageHWPoison(H)
//   dissolve: H in use, ignored
//                                                              hugetlb_no_page: H in the
//                                                              page cache, HWPoison -> SIGBUS
//
//   CPU0 (soft offline of H)     CPU1 (mmap reserved all free pages, no fault yet)
//   get_any_page: H is free
//   SetPageHWPoison(H)
//   dissolve: free - resv == 0,
//   ignored: H stays on the free
//   list, poisoned
//                                hugetlb_fault: dequeue skips H -> no page -> SIGBUS
//
// Today the flag is set only after dissolve_free_hugetlb_folio() and take_page_off_buddy()
// succeeded (page_handle_poison()), so a soft offline that loses a race just fails (-EBUSY).
#include "mm/memory_failure.hpp"

#include "mm/hugetlb.hpp"
#include "mm/internal.hpp"
#include "mm/migrate.hpp"
#include "sim/frame.hpp"

namespace mm {
namespace {

bool PageHuge(const page* p)
{
	return (p->head->flags.load() & PG_hugetlb) != 0;
}

// A frame the allocator holds (never handed out, or freed).
bool is_free_buddy_page(Kernel& k, pfn_t pfn)
{
	sim::point(sim::Op::load, sim::WaitKind::none, &k.phys());
	return k.phys().is_free(pfn);
}

// HWPoisonHandlable(): on the LRU (a user page: anon or page cache, not a page table) or free.
bool HWPoisonHandlable(Kernel& k, page* p)
{
	folio* f = p->head;
	if (is_free_buddy_page(k, p->pfn))
		return true;
	return !folio_test(f, PG_table) && (f->anon != nullptr || f->mapping != nullptr);
}

// Models __get_hwpoison_page() (v5.18). Returns: 1 with a reference, 0 free, -EBUSY in transit.
int __get_hwpoison_page(Kernel& k, page* p)
{
	folio* head = p->head;
	bool hugetlb = false;
	int ret = get_hwpoison_hugetlb_folio(k, head, &hugetlb);
	if (hugetlb)
		return ret;
	if (!HWPoisonHandlable(k, p))
		return -EBUSY;
	return folio_try_get(head) ? 1 : 0;
}

// Models get_any_page() (v5.18): classify, retrying a few times while the page changes state.
// Returns: 1 in use (a reference held), 0 free, -EBUSY or -EIO.
int get_any_page(Kernel& k, page* p, int flags)
{
	MM_FRAME("get_any_page");
	bool count_increased = flags & MF_COUNT_INCREASED;
	int ret = 0;
	for (int pass = 0;; ++pass) {
		if (!count_increased) {
			ret = __get_hwpoison_page(k, p);
			if (ret == 0) {
				if (p->head->_refcount.load() != 0) {
					if (pass < 3)
						continue; // raced with an allocation
					return -EBUSY;
				}
				if (!PageHuge(p) && !is_free_buddy_page(k, p->pfn)) {
					if (pass < 3)
						continue; // raced with put_page()
					return -EIO;
				}
				return 0;
			}
			if (ret == -EBUSY) {
				if (pass < 3)
					continue; // shake_page() does nothing for hugetlb
				return -EIO;
			}
		}
		if (PageHuge(p) || HWPoisonHandlable(k, p))
			return 1;
		folio_put(p->head);
		if (pass >= 3)
			return -EIO;
		count_increased = false;
	}
}

// Models get_hwpoison_page() (v5.18; zone_pcp_disable() is not modelled) and, for the 2018 code,
// __get_any_page() (v4.17): a free huge page is one whose refcount get_page_unless_zero() finds
// zero, with no lock held.
int get_hwpoison_page(Kernel& k, page* p, int flags)
{
	if (k.fixed(Fix::soft_offline_free_hugetlb) || k.proposal(Proposal::soft_offline_replace_hugetlb)) {
		return get_any_page(k, p, flags);
	}
	MM_FRAME("get_any_page");
	if (flags & MF_COUNT_INCREASED)
		return 1;
	if (folio_try_get(p->head))
		return 1;
	return PageHuge(p) || is_free_buddy_page(k, p->pfn) ? 0 : -EIO;
}

} // namespace

// Models __page_handle_poison() (v5.18): take the page out of the pool and the allocator.
// Michal Hocko's variant replaces a free huge page by a new one instead of shrinking the pool.
// Returns: whether the page is now ours alone (off the allocator, refcount 0).
bool __page_handle_poison(Kernel& k, page* p)
{
	int ret = k.proposal(Proposal::soft_offline_replace_hugetlb) && PageHuge(p)
			  ? alloc_and_dissolve_hugetlb_folio(k, p->head)
			  : dissolve_free_hugetlb_folio(k, p->head);
	return ret == 0 && k.phys().take_page_off_buddy(p->pfn);
}

// Models page_handle_poison() (mm/memory-failure.c, v5.18): contain, then mark. Returns false
// (the page is left as it was) if the page could not be taken out.
bool page_handle_poison(Kernel& k, page* p, bool hugepage_or_freepage, bool release)
{
	MM_FRAME("page_handle_poison");
	if (hugepage_or_freepage && !__page_handle_poison(k, p))
		return false;
	folio_set_flag(p, PG_hwpoison); // SetPageHWPoison()
	if (release)
		folio_put(p);
	p->_refcount.fetch_add(1); // page_ref_inc(): the page is never freed again
	k.mf().poison_refs.push_back(p->pfn);
	++k.mf().num_poisoned_pages;
	return true;
}

namespace {

// Models soft_offline_free_page() of v4.17 (the 2018 code): mark first, then try to dissolve;
// a failed dissolve leaves the mark on a page that someone else now uses or that still sits on
// the free list. With the dissolve done, the poisoned frame never leaves the allocator again
// (check_new_page() skips PageHWPoison frames), modelled as taking it off for good.
void soft_offline_free_page_v4_17(Kernel& k, page* p)
{
	MM_FRAME("soft_offline_free_page");
	folio* head = p->head;
	if (folio_test_set_flag(head, PG_hwpoison))
		return;
	++k.mf().num_poisoned_pages;
	if (PageHuge(head) && dissolve_free_hugetlb_folio(k, head) != 0)
		return; // the page stays as it is, marked
	if (k.phys().take_page_off_buddy(p->pfn))
		folio_set_flag(p, PG_hwpoison); // the frame was re-initialised off the allocator
}

// Models __soft_offline_page() for a hugetlb page (v5.18): migrate the contents to a new huge
// page, then take the old one out (page_handle_poison()).
// Context: may sleep; holds the reference get_any_page() took, which it gives up.
int soft_offline_in_use_hugetlb(Kernel& k, page* p)
{
	MM_FRAME("__soft_offline_page");
	folio* hpage = p->head;
	folio_lock(hpage);
	// Check again under the page lock: memory_failure() marks pages outside it.
	if (folio_test(hpage, PG_hwpoison)) {
		folio_unlock(hpage);
		folio_put(hpage);
		return 0;
	}
	folio_unlock(hpage);
	// isolate_page(): the isolation holds its own reference; ours goes either way.
	bool isolated = isolate_hugetlb(k, hpage);
	folio_put(hpage);
	if (!isolated)
		return -EBUSY;
	int ret = migrate_hugetlb_folio(k, hpage);
	if (ret != 0)
		return ret == -EAGAIN ? -EBUSY : ret;
	// The old folio went back to the pool (or, temporary, to the allocator): now dissolve it.
	if (!page_handle_poison(k, hpage, true, false))
		return -EBUSY;
	return 0;
}

// Models __soft_offline_page() for a small page (v5.18): migrate it, then take the old frame.
// Context: may sleep; holds the reference get_any_page() took, which it gives up.
// Differences: no invalidate_inode_page() shortcut; migrate_folio_one() (migrate.cpp) frees the
// old page at the end of a successful migration, where the kernel keeps its isolation reference
// for page_handle_poison(): the model takes the frame back off the allocator instead, and
// returns -EBUSY if someone allocated it in between. Order-0 anon and page-cache pages only.
int soft_offline_in_use_small(Kernel& k, page* p)
{
	MM_FRAME("__soft_offline_page");
	folio* f = p->head;
	bool movable = f->order == 0 && !folio_test(f, PG_table) &&
		       (f->anon != nullptr || f->mapping != nullptr);
	bool isolated = movable && folio_isolate_lru(f);
	folio_put(f); // isolate_page(): the isolation holds its own reference
	if (!isolated)
		return -EBUSY;
	int ret = migrate_folio_one(k, f);
	if (ret != 0)
		return ret == -EAGAIN ? -EBUSY : ret;
	return page_handle_poison(k, p, true, false) ? 0 : -EBUSY;
}

// Models soft_offline_in_use_page() (v5.18): no THP split (a THP is not offlined here).
int soft_offline_in_use_page(Kernel& k, page* p)
{
	if (PageHuge(p))
		return soft_offline_in_use_hugetlb(k, p);
	return soft_offline_in_use_small(k, p);
}

} // namespace

// Models soft_offline_page() (mm/memory-failure.c, v5.18 with the v6.x -EBUSY; v4.17 behind
// the fix). Context: may sleep; takes mf_mutex. flags: MF_COUNT_INCREASED when the caller
// (madvise) holds a reference on the page, which this consumes.
// Returns: 0, or -EBUSY / -EIO / -ENOMEM / -ENXIO (the page is then as it was).
int soft_offline_page(Kernel& k, pfn_t pfn, int flags)
{
	MM_FRAME("soft_offline_page");
	if (!k.phys().pfn_valid(pfn))
		return -ENXIO;
	page* p = k.phys().pfn_to_page(pfn);
	memory_failure_state& mf = k.mf();
	mf.mf_mutex.lock();
	if (pfn >= k.phys().high_water() || p->flags.load() & PG_hwpoison) {
		// Already poisoned (or a frame never handed out: not modelled, nothing to do).
		if (flags & MF_COUNT_INCREASED)
			folio_put(p->head);
		mf.mf_mutex.unlock();
		return 0;
	}
	bool fixed = k.fixed(Fix::soft_offline_free_hugetlb) ||
		     k.proposal(Proposal::soft_offline_replace_hugetlb);
	bool try_again = true;
	int ret = 0;
	for (;;) {
		ret = get_hwpoison_page(k, p, flags);
		if (ret > 0) {
			ret = soft_offline_in_use_page(k, p);
		} else if (ret == 0) {
			if (!fixed) {
				soft_offline_free_page_v4_17(k, p); // failure ignored: returns 0
			} else if (!page_handle_poison(k, p, true, false)) {
				if (try_again) {
					try_again = false;
					flags &= ~MF_COUNT_INCREASED;
					continue;
				}
				ret = -EBUSY;
			}
		}
		break;
	}
	mf.mf_mutex.unlock();
	return ret;
}

// Models madvise_inject_error() (mm/madvise.c, v6.1): each page of the range is found and
// held as get_user_pages_fast() would (faulting it in), then soft offlined or hard poisoned
// by pfn with MF_COUNT_INCREASED. Context: no locks held.
// Differences: the hugetlb lookup is follow_hugetlb_page()'s (the GUP model has no hugetlb).
int madvise_inject_error(Kernel& k, process& p, int behavior, unsigned long start,
			 unsigned long end)
{
	MM_FRAME("madvise_inject_error");
	for (unsigned long size = PAGE_SIZE; start < end; start += size) {
		page* pg = nullptr;
		long got = hugetlb_get_user_page(k, p, start, &pg);
		if (got != 1)
			return got < 0 ? static_cast<int>(got) : -EFAULT;
		size = static_cast<unsigned long>(folio_nr_pages(pg->head)) << PAGE_SHIFT;
		start &= ~(size - 1);
		int ret = behavior == MADV_SOFT_OFFLINE
				  ? soft_offline_page(k, pg->pfn, MF_COUNT_INCREASED)
				  : memory_failure(k, pg->pfn, MF_COUNT_INCREASED | MF_SW_SIMULATED);
		if (ret != 0)
			return ret;
	}
	return 0;
}

void memory_failure_state::reset()
{
	mf_mutex.owner = -1;
	mf_mutex.readers = 0;
	num_poisoned_pages = 0;
	early_kill = false;
	hard_errors.clear();
	poison_refs.clear();
}

int Kernel::sys_soft_offline_page(pfn_t pfn)
{
	return soft_offline_page(*this, pfn, 0);
}

int Kernel::sys_memory_failure(pfn_t pfn)
{
	return memory_failure(*this, pfn, 0);
}

} // namespace mm
