// Taking pages out of the hugetlb pool for memory failure (issue #8), and the pool side of
// hugetlb migration. Models mm/hugetlb.c as of v6.1 (torvalds/linux 0010b838db9f) and v5.18
// (get_hwpoison_huge_page, read in 003fa195911d's memory-failure.c callers):
// dissolve_free_huge_page (dissolve_free_hugetlb_folio today), alloc_and_dissolve_huge_page
// (alloc_and_dissolve_hugetlb_folio), get_hwpoison_huge_page, isolate_huge_page
// (isolate_hugetlb), putback_active_hugepage (folio_putback_active_hugetlb),
// alloc_huge_page_nodemask (the migration target), move_hugetlb_state.
//
// Differences: one node, no vmemmap optimisation (restoring the vmemmap never fails), no
// cgroups; the error is always on the head page (no raw-error-page list, no flag move to a
// tail page); the pool's active list is not kept (isolation is HPG_migratable plus a reference).
#include "mm/hugetlb.hpp"

#include "mm/internal.hpp"
#include "sim/frame.hpp"
#include "sim/irq.hpp"

namespace mm {

// Models dissolve_free_huge_page() (mm/hugetlb.c, v6.1; dissolve_free_hugetlb_folio() today):
// a free hugetlb folio leaves the pool and goes back to the page allocator.
// Context: may sleep; takes hugetlb_lock. The 2018 code (v4.17) had the same checks except the
// HPG_freed wait, which the model needs for both (a folio whose last reference just went is not
// on the free list yet).
// Returns: 0 if dissolved or not a hugetlb folio, -EBUSY if in use or if every free page is
// promised to a reservation (races.md §2.5: "free - resv == 0").
int dissolve_free_hugetlb_folio(Kernel& k, folio* f)
{
	MM_FRAME("dissolve_free_hugetlb_folio");
	hugetlb_globals& hg = hugetlb_of(k);
	hstate& h = hg.h;
	for (;;) {
		// Not to disturb the common path by taking hugetlb_lock in vain.
		if (!(f->flags.load() & PG_hugetlb))
			return 0;
		hg.hugetlb_lock.lock_irq();
		if (!folio_test(f, PG_hugetlb)) {
			hg.hugetlb_lock.unlock_irq();
			return 0;
		}
		if (f->_refcount.load() != 0 || available_huge_pages(h) == 0) {
			hg.hugetlb_lock.unlock_irq();
			return -EBUSY;
		}
		if (!folio_test(f, HPG_freed)) {
			// free_huge_folio() has dropped the last reference but not enqueued it yet.
			hg.hugetlb_lock.unlock_irq();
			sim::cpu_relax(); // cond_resched()
			continue;
		}
		remove_hugetlb_folio(h, f, false);
		--h.max_huge_pages;
		hg.hugetlb_lock.unlock_irq();
		update_and_free_hugetlb_folio(f);
		return 0;
	}
}

// Models alloc_and_dissolve_huge_page() (mm/hugetlb.c, v6.1; alloc_and_dissolve_hugetlb_folio()
// today): a fresh huge page takes the place of old_folio in the pool, so the free count, and
// with it every reservation, stays whole; then old_folio goes to the page allocator. Michal
// Hocko's suggestion on the 2018 thread ("hugetlb - allocate a new hugetlb page && remove from
// the pool"); the kernel wrote it in 2021 for alloc_contig_range(). Used by soft offline only
// under Proposal::soft_offline_replace_free_hugetlb.
// Context: may sleep (allocation); takes hugetlb_lock.
// Returns: 0 (replaced, or old_folio was freed from the pool meanwhile), -EBUSY (someone took
// it: the kernel then tries isolate_hugetlb() for alloc_contig_range; soft offline retries as
// an in-use page), -ENOMEM.
int alloc_and_dissolve_hugetlb_folio(Kernel& k, folio* old_folio)
{
	MM_FRAME("alloc_and_dissolve_hugetlb_folio");
	hugetlb_globals& hg = hugetlb_of(k);
	hstate& h = hg.h;
	// alloc_buddy_huge_page() + __prep_new_huge_page(): not counted in the pool until swapped in.
	folio* new_folio = k.phys().alloc_pages(GFP_KERNEL, HUGETLB_PAGE_ORDER);
	if (new_folio == nullptr)
		return -ENOMEM;
	new_folio->_refcount.init(0); // nobody can see it yet
	new_folio->flags.init(new_folio->flags.peek() | PG_hugetlb);
	int ret = 0;
	for (;;) {
		hg.hugetlb_lock.lock_irq();
		if (!folio_test(old_folio, PG_hugetlb)) {
			break; // freed from under us: drop the new page too
		} else if (old_folio->_refcount.load() != 0) {
			ret = -EBUSY;
			break;
		} else if (!folio_test(old_folio, HPG_freed)) {
			hg.hugetlb_lock.unlock_irq();
			sim::cpu_relax(); // cond_resched()
			continue;
		}
		// Under one hold of hugetlb_lock: the free count never dips.
		remove_hugetlb_folio(h, old_folio, false);
		++h.nr_huge_pages; // __prep_account_new_huge_page()
		enqueue_hugetlb_folio(k, h, new_folio);
		hg.hugetlb_lock.unlock_irq();
		update_and_free_hugetlb_folio(old_folio);
		return 0;
	}
	hg.hugetlb_lock.unlock_irq();
	new_folio->flags.init(new_folio->flags.peek() & ~PG_hugetlb);
	update_and_free_hugetlb_folio(new_folio);
	return ret;
}

// Models get_hwpoison_huge_page() (mm/hugetlb.c, v5.18): how memory failure may take a
// hugetlb folio. Context: takes hugetlb_lock.
// Returns: 0 = free (on the free list, no reference taken), 1 = in use (a reference taken),
// -EBUSY = in transit (being allocated, freed or isolated), and *hugetlb = whether f is one.
int get_hwpoison_hugetlb_folio(Kernel& k, folio* f, bool* hugetlb)
{
	hugetlb_globals& hg = hugetlb_of(k);
	int ret = 0;
	*hugetlb = false;
	hg.hugetlb_lock.lock_irq();
	if (folio_test(f, PG_hugetlb) && f->head == f) {
		*hugetlb = true;
		if (folio_test(f, HPG_freed))
			ret = 0;
		else if (folio_test(f, HPG_migratable))
			ret = folio_try_get(f) ? 1 : 0;
		else
			ret = -EBUSY;
	}
	hg.hugetlb_lock.unlock_irq();
	return ret;
}

// Models isolate_huge_page() (mm/hugetlb.c, v6.1; isolate_hugetlb() today).
// Context: takes hugetlb_lock. Returns: false if f is not an in-use, migratable hugetlb folio.
bool isolate_hugetlb(Kernel& k, folio* f)
{
	hugetlb_globals& hg = hugetlb_of(k);
	hg.hugetlb_lock.lock_irq();
	bool ok = folio_test(f, PG_hugetlb) && f->head == f && folio_test(f, HPG_migratable) &&
		  folio_try_get(f);
	if (ok)
		f->flags.init(f->flags.peek() & ~HPG_migratable); // under hugetlb_lock, as the kernel
	hg.hugetlb_lock.unlock_irq();
	return ok;
}

// Models putback_active_hugepage() (mm/hugetlb.c, v6.1; folio_putback_active_hugetlb() today).
// Context: takes hugetlb_lock; drops a reference (maybe the last: free_huge_folio()).
void folio_putback_active_hugetlb(Kernel& k, folio* f)
{
	hugetlb_globals& hg = hugetlb_of(k);
	hg.hugetlb_lock.lock_irq();
	f->flags.init(f->flags.peek() | HPG_migratable);
	hg.hugetlb_lock.unlock_irq();
	folio_put(f);
}

// Models alloc_huge_page_nodemask() (mm/hugetlb.c, v6.1; alloc_hugetlb_folio_nodemask()
// today) for alloc_migration_target(): a free pool page if one is not promised to a
// reservation, else a temporary page (alloc_migrate_huge_page(): not accounted as surplus, back
// to the page allocator at its last reference).
// Context: may sleep; takes hugetlb_lock. Returns: a folio with one reference, or nullptr.
folio* alloc_hugetlb_folio_nodemask(Kernel& k)
{
	MM_FRAME("alloc_hugetlb_folio_nodemask");
	hugetlb_globals& hg = hugetlb_of(k);
	hstate& h = hg.h;
	hg.hugetlb_lock.lock_irq();
	if (available_huge_pages(h) != 0) {
		if (folio* f = dequeue_hugetlb_folio_node_exact(h)) {
			hg.hugetlb_lock.unlock_irq();
			return f;
		}
	}
	hg.hugetlb_lock.unlock_irq();
	folio* f = alloc_fresh_hugetlb_folio(k);
	if (f == nullptr)
		return nullptr;
	// Nobody can see the new folio yet.
	f->flags.init(f->flags.peek() | HPG_temporary);
	f->_refcount.init(1);
	return f;
}

// Models move_hugetlb_state() (mm/hugetlb.c, v6.1): after a migration the temporary status
// moves to the old folio, so the pool keeps the new one and the old one leaves at its last put.
// Context: both folios locked by the migration.
void move_hugetlb_state(folio* old_folio, folio* new_folio)
{
	if (folio_test(new_folio, HPG_temporary)) {
		folio_set_flag(old_folio, HPG_temporary);
		folio_clear_flag(new_folio, HPG_temporary);
	}
}

} // namespace mm
