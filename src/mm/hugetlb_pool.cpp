// The hstate pool: free list, counters, surplus pages, nr_hugepages changes, the accounting of
// reservations against the pool, and the allocation a fault makes. Models mm/hugetlb.c (v6.1,
// torvalds/linux 0010b838db9f): enqueue_huge_page, dequeue_huge_page_{node_exact,vma},
// alloc_fresh_huge_page, alloc_surplus_huge_page, free_huge_page (free_huge_folio today),
// remove_hugetlb_page, update_and_free_page, set_max_huge_pages, gather_surplus_pages,
// return_unused_surplus_pages, hugetlb_acct_memory, alloc_huge_page (alloc_hugetlb_folio).
//
// Differences: one node, no cgroup charging, no subpools (hugepage_subpool_get_pages() with no
// subpool returns its argument), no vmemmap optimisation. A page on the free list counts as freed
// for sim's use-after-free detection (its Lifetime is freed at enqueue and revived at dequeue,
// with a new allocation generation), so a stale TLB entry or table entry into a pool page is
// caught like one into the page allocator.
#include "mm/hugetlb.hpp"

#include "mm/internal.hpp"
#include "sim/frame.hpp"
#include "sim/irq.hpp"

#include <algorithm>

namespace mm {
namespace {

// spin_lock_irqsave(&hugetlb_lock): callers may or may not have IRQs off already.
struct hugetlb_lock_irqsave {
	hugetlb_globals& hg;
	unsigned long flags;
	explicit hugetlb_lock_irqsave(hugetlb_globals& g) : hg(g), flags(sim::local_irq_save())
	{
		hg.hugetlb_lock.lock();
	}
	~hugetlb_lock_irqsave()
	{
		hg.hugetlb_lock.unlock();
		sim::local_irq_restore(flags);
	}
	hugetlb_lock_irqsave(const hugetlb_lock_irqsave&) = delete;
	hugetlb_lock_irqsave& operator=(const hugetlb_lock_irqsave&) = delete;
};

// The folio leaves the free list: it is a live object again, with a new generation so that any
// TLB entry filled before it was freed is recognised as stale. (The head's Lifetime stands for
// the folio: user accesses and checks look at the head.)
void revive(folio* f)
{
	f->lt.revive();
	++f->gen;
}

} // namespace

// The pool internals below are shared with hugetlb_dissolve.cpp (issue #8: dissolve, the
// migration target, Michal Hocko's replacement), so they are not file-local.

// enqueue_huge_page(). Context: hugetlb_lock held; the folio has refcount 0.
void enqueue_hugetlb_folio(Kernel& k, hstate& h, folio* f)
{
	MM_FRAME("enqueue_hugetlb_folio");
	if (f->_refcount.peek() != 0)
		sim::raise(sim::ViolationKind::invariant,
			   "enqueue_hugetlb_folio: pfn " + std::to_string(f->pfn) + " has refcount " +
				   std::to_string(f->_refcount.peek()) + " (VM_BUG_ON_PAGE(page_count(page)))");
	sim::lifetime_free(f->lt, f);
	h.hugepage_freelist.push_back(f);
	if (!k.mutant(Mutant::hugetlb_enqueue_uncounted))
		++h.free_huge_pages;
	f->flags.init(f->flags.peek() | HPG_freed);
}

// dequeue_huge_page_node_exact(). Context: hugetlb_lock held. Skips poisoned pages.
folio* dequeue_hugetlb_folio_node_exact(hstate& h)
{
	for (auto it = h.hugepage_freelist.rbegin(); it != h.hugepage_freelist.rend(); ++it) {
		folio* f = *it;
		if (folio_test(f, PG_hwpoison))
			continue;
		h.hugepage_freelist.erase(std::next(it).base());
		revive(f);
		f->_refcount.init(1); // set_page_refcounted(): nobody can reach a free page
		f->flags.init(f->flags.peek() & ~HPG_freed);
		--h.free_huge_pages;
		return f;
	}
	return nullptr;
}

// remove_hugetlb_page(). Context: hugetlb_lock held. The folio stops being a hugetlb page.
void remove_hugetlb_folio(hstate& h, folio* f, bool adjust_surplus)
{
	if (folio_test(f, HPG_freed)) {
		auto& l = h.hugepage_freelist;
		l.erase(std::find(l.begin(), l.end(), f));
		revive(f);
		--h.free_huge_pages;
	}
	if (adjust_surplus)
		--h.surplus_huge_pages;
	f->flags.init(f->flags.peek() & ~(PG_hugetlb | HPG_freed | HPG_temporary | HPG_migratable |
					   HPG_restore_reserve));
	--h.nr_huge_pages;
}

// update_and_free_page(): back to the page allocator. Context: no spinlock held.
void update_and_free_hugetlb_folio(folio* f)
{
	MM_FRAME("update_and_free_hugetlb_folio");
	f->_refcount.init(0);
	f->phys->free_folio(f);
}

// alloc_fresh_huge_page() + prep_new_huge_page(): a new, frozen (refcount 0) hugetlb folio
// counted in nr_huge_pages, or nullptr. Context: may sleep.
folio* alloc_fresh_hugetlb_folio(Kernel& k)
{
	MM_FRAME("alloc_fresh_hugetlb_folio");
	hugetlb_globals& hg = hugetlb_of(k);
	folio* f = k.phys().alloc_pages(GFP_KERNEL, HUGETLB_PAGE_ORDER);
	if (f == nullptr)
		return nullptr;
	// Nobody can see the new folio yet.
	f->_refcount.init(0);
	f->flags.init(f->flags.peek() | PG_hugetlb);
	hg.hugetlb_lock.lock_irq();
	++hg.h.nr_huge_pages;
	hg.hugetlb_lock.unlock_irq();
	return f;
}

namespace {

// alloc_pool_huge_page(): one more persistent page. Returns false if memory is short.
bool alloc_pool_huge_folio(Kernel& k)
{
	folio* f = alloc_fresh_hugetlb_folio(k);
	if (f == nullptr)
		return false;
	free_huge_folio(k, f); // into the pool
	return true;
}

// alloc_surplus_huge_page(): a page beyond the persistent pool, within nr_overcommit_hugepages.
// Returns a frozen folio counted as surplus, or nullptr. Context: may sleep.
folio* alloc_surplus_hugetlb_folio(Kernel& k)
{
	MM_FRAME("alloc_surplus_hugetlb_folio");
	hugetlb_globals& hg = hugetlb_of(k);
	hstate& h = hg.h;
	hg.hugetlb_lock.lock_irq();
	bool full = h.surplus_huge_pages >= h.nr_overcommit_huge_pages;
	hg.hugetlb_lock.unlock_irq();
	if (full)
		return nullptr;
	folio* f = alloc_fresh_hugetlb_folio(k);
	if (f == nullptr)
		return nullptr;
	hg.hugetlb_lock.lock_irq();
	// The pool may have changed while we allocated: never overcommit past the limit (races.md
	// §3 item 16). The temporary flag sends the page straight back to the allocator.
	if (h.surplus_huge_pages >= h.nr_overcommit_huge_pages) {
		f->flags.init(f->flags.peek() | HPG_temporary);
		hg.hugetlb_lock.unlock_irq();
		free_huge_folio(k, f);
		return nullptr;
	}
	++h.surplus_huge_pages;
	hg.hugetlb_lock.unlock_irq();
	return f;
}

// remove_pool_huge_page(): a free page to give back, taking it out of the counters.
// Context: hugetlb_lock held.
folio* remove_pool_huge_folio(hstate& h, bool acct_surplus)
{
	if ((acct_surplus && h.surplus_huge_pages == 0) || h.hugepage_freelist.empty())
		return nullptr;
	folio* f = h.hugepage_freelist.back();
	remove_hugetlb_folio(h, f, acct_surplus);
	return f;
}

// gather_surplus_pages(): grow the pool with surplus pages so that `delta` more pages can be
// reserved, then reserve them. Context: hugetlb_lock held on entry and exit, dropped while
// allocating. Returns 0 or -ENOMEM.
int gather_surplus_pages(Kernel& k, long delta)
{
	MM_FRAME("gather_surplus_pages");
	hugetlb_globals& hg = hugetlb_of(k);
	hstate& h = hg.h;
	long needed = static_cast<long>(h.resv_huge_pages) + delta - static_cast<long>(h.free_huge_pages);
	if (needed <= 0) {
		h.resv_huge_pages += static_cast<unsigned long>(delta);
		return 0;
	}
	std::vector<folio*> surplus_list;
	long allocated = 0;
	bool alloc_ok = true;
	int ret = -ENOMEM;
	for (;;) {
		hg.hugetlb_lock.unlock_irq();
		long i = 0;
		for (; i < needed; ++i) {
			folio* f = alloc_surplus_hugetlb_folio(k);
			if (f == nullptr) {
				alloc_ok = false;
				break;
			}
			surplus_list.push_back(f);
		}
		allocated += i;
		// resv or free may have changed while the lock was dropped.
		hg.hugetlb_lock.lock_irq();
		needed = static_cast<long>(h.resv_huge_pages) + delta -
			 (static_cast<long>(h.free_huge_pages) + allocated);
		if (needed > 0 && alloc_ok)
			continue;
		break;
	}
	std::size_t used = 0;
	if (needed <= 0) {
		// Commit the whole reservation before the pages are visible, so nobody steals them.
		needed += allocated;
		h.resv_huge_pages += static_cast<unsigned long>(delta);
		ret = 0;
		for (; used < surplus_list.size() && static_cast<long>(used) < needed; ++used)
			enqueue_hugetlb_folio(k, h, surplus_list[used]);
	}
	hg.hugetlb_lock.unlock_irq();
	// The extra pages have no references: free_huge_folio() returns them (they are surplus).
	for (std::size_t i = used; i < surplus_list.size(); ++i)
		free_huge_folio(k, surplus_list[i]);
	hg.hugetlb_lock.lock_irq();
	return ret;
}

// Up to nr_pages free pool pages out of the pool (remove_pool_huge_folio()), then back to the
// page allocator (update_and_free_pages_bulk()) with hugetlb_lock dropped, as the kernel frees.
// Context: hugetlb_lock held on entry and exit.
void free_pool_huge_folios(hugetlb_globals& hg, unsigned long nr_pages, bool acct_surplus)
{
	std::vector<folio*> page_list;
	while (nr_pages--) {
		folio* f = remove_pool_huge_folio(hg.h, acct_surplus);
		if (f == nullptr)
			break;
		page_list.push_back(f);
	}
	hg.hugetlb_lock.unlock_irq();
	for (folio* f : page_list)
		update_and_free_hugetlb_folio(f);
	hg.hugetlb_lock.lock_irq();
}

// return_unused_surplus_pages(): drop `unused` reservations and free as many surplus pages.
// Context: hugetlb_lock held on entry and exit, dropped while freeing.
void return_unused_surplus_pages(Kernel& k, unsigned long unused)
{
	MM_FRAME("return_unused_surplus_pages");
	hugetlb_globals& hg = hugetlb_of(k);
	hstate& h = hg.h;
	h.resv_huge_pages -= unused;
	free_pool_huge_folios(hg, std::min(unused, h.surplus_huge_pages), true);
}

// dequeue_huge_page_vma(). Context: hugetlb_lock held.
folio* dequeue_hugetlb_folio_vma(Kernel& k, hstate& h, vm_area_struct* vma, bool avoid_reserve,
				 long chg)
{
	// A fork child or a NORESERVE mapping must not take a page a reservation is counting on.
	if (!k.mutant(Mutant::hugetlb_steal_reserved) && !vma_has_reserves(vma, chg) &&
	    available_huge_pages(h) == 0)
		return nullptr;
	if (avoid_reserve && available_huge_pages(h) == 0)
		return nullptr;
	folio* f = dequeue_hugetlb_folio_node_exact(h);
	if (f != nullptr && !avoid_reserve && vma_has_reserves(vma, chg)) {
		f->flags.init(f->flags.peek() | HPG_restore_reserve);
		if (!k.mutant(Mutant::hugetlb_resv_not_consumed))
			--h.resv_huge_pages;
	}
	return f;
}

} // namespace

unsigned long available_huge_pages(const hstate& h)
{
	return h.free_huge_pages - h.resv_huge_pages;
}

// Models free_huge_page() (mm/hugetlb.c, v6.1; free_huge_folio() today): the destructor of a
// hugetlb folio whose refcount dropped to zero.
// Context: any; takes hugetlb_lock with IRQs saved. May free to the page allocator.
// Differences: no subpool (a reservation is restored exactly when HPG_restore_reserve is set).
void free_huge_folio(Kernel& k, folio* f)
{
	MM_FRAME("free_huge_folio");
	hugetlb_globals& hg = hugetlb_of(k);
	hstate& h = hg.h;
	if (f->_refcount.peek() != 0 || f->_entire_mapcount.peek() != -1)
		sim::raise(sim::ViolationKind::invariant,
			   "free_huge_folio: pfn " + std::to_string(f->pfn) +
				   " freed while referenced or mapped (VM_BUG_ON_FOLIO)");
	if (f->mapping != nullptr)
		sim::raise(sim::ViolationKind::invariant,
			   "free_huge_folio: pfn " + std::to_string(f->pfn) + " freed while in the page cache");
	// Nobody can reach a folio whose refcount is zero: plain updates.
	f->anon = nullptr;
	bool restore_reserve = folio_test(f, HPG_restore_reserve);
	f->flags.init(f->flags.peek() & ~(HPG_restore_reserve | PG_anon_exclusive));
	bool to_buddy = false;
	{
		hugetlb_lock_irqsave guard(hg);
		f->flags.init(f->flags.peek() & ~HPG_migratable);
		if (restore_reserve)
			++h.resv_huge_pages;
		if (folio_test(f, HPG_temporary)) {
			remove_hugetlb_folio(h, f, false);
			to_buddy = true;
		} else if (h.surplus_huge_pages > 0) {
			remove_hugetlb_folio(h, f, true);
			to_buddy = true;
		} else {
			enqueue_hugetlb_folio(k, h, f);
		}
	}
	if (to_buddy)
		update_and_free_hugetlb_folio(f);
}

// Models set_max_huge_pages() (mm/hugetlb.c, v6.1): write to nr_hugepages.
// Context: may sleep; takes h->resize_lock, then hugetlb_lock (dropped to allocate and free).
// Returns: 0. The pool may end up smaller than asked when memory is short or pages are in use
// (they become surplus and leave the pool when freed), as in the kernel.
int set_max_huge_pages(Kernel& k, unsigned long count)
{
	MM_FRAME("set_max_huge_pages");
	hugetlb_globals& hg = hugetlb_of(k);
	hstate& h = hg.h;
	auto persistent = [&h] { return h.nr_huge_pages - h.surplus_huge_pages; };
	h.resize_lock.lock();
	hg.hugetlb_lock.lock_irq();
	// Increase: first take pages out of surplus state, then allocate fresh ones.
	while (h.surplus_huge_pages > 0 && count > persistent())
		--h.surplus_huge_pages; // adjust_pool_surplus(h, nodes_allowed, -1)
	bool out = false;
	while (count > persistent()) {
		hg.hugetlb_lock.unlock_irq();
		bool ok = alloc_pool_huge_folio(k);
		hg.hugetlb_lock.lock_irq();
		if (!ok) {
			out = true;
			break;
		}
	}
	if (!out) {
		// Decrease: free pages beyond what reservations and pages in use need, then turn the
		// rest into surplus, which leaves the pool as it is freed.
		unsigned long min_count = h.resv_huge_pages + h.nr_huge_pages - h.free_huge_pages;
		min_count = std::max(count, min_count);
		if (min_count < persistent())
			free_pool_huge_folios(hg, persistent() - min_count, false);
		while (count < persistent() && h.surplus_huge_pages < h.nr_huge_pages)
			++h.surplus_huge_pages; // adjust_pool_surplus(h, nodes_allowed, 1)
	}
	h.max_huge_pages = persistent();
	hg.hugetlb_lock.unlock_irq();
	h.resize_lock.unlock();
	return 0;
}

// Models hugetlb_acct_memory() (mm/hugetlb.c, v6.1): account `delta` reservations against the
// pool, gathering surplus pages when growing and returning them when shrinking.
// Context: may sleep; takes hugetlb_lock. Returns: 0 or -ENOMEM.
int hugetlb_acct_memory(Kernel& k, long delta)
{
	if (delta == 0)
		return 0;
	MM_FRAME("hugetlb_acct_memory");
	hugetlb_globals& hg = hugetlb_of(k);
	int ret = -ENOMEM;
	hg.hugetlb_lock.lock_irq();
	if (delta > 0) {
		if (gather_surplus_pages(k, delta) < 0)
			goto out;
		// allowed_mems_nr(): the free pages of the nodes the task may use (one node here).
		if (delta > static_cast<long>(hg.h.free_huge_pages)) {
			return_unused_surplus_pages(k, static_cast<unsigned long>(delta));
			goto out;
		}
	}
	ret = 0;
	if (delta < 0)
		return_unused_surplus_pages(k, static_cast<unsigned long>(-delta));
out:
	hg.hugetlb_lock.unlock_irq();
	return ret;
}

// Models alloc_huge_page() (mm/hugetlb.c, v6.1; alloc_hugetlb_folio() today): a huge page for
// `vma` at `addr`, using its reservation when it has one.
// Context: may sleep (surplus allocation); no spinlock held; the caller holds the hugetlb fault
// mutex of the page (or is fallocate, which holds it too).
// Returns: the folio with one reference, or nullptr with *err = -ENOMEM (reserve map) or
// -ENOSPC (no page: the fault turns it into SIGBUS).
// Differences: no subpool (gbl_chg is map_chg or avoid_reserve), no cgroup charge.
folio* alloc_hugetlb_folio(vm_area_struct* vma, unsigned long addr, bool avoid_reserve, int* err)
{
	MM_FRAME("alloc_hugetlb_folio");
	Kernel& k = *vma->vm_file->f_inode->k;
	hugetlb_globals& hg = hugetlb_of(k);
	hstate& h = hg.h;
	long map_chg = vma_needs_reservation(vma, addr);
	if (map_chg < 0) {
		if (err)
			*err = -ENOMEM;
		return nullptr;
	}
	// hugepage_subpool_get_pages(NULL, 1) == 1: without a reservation the page comes from the
	// global pool.
	long gbl_chg = (map_chg || avoid_reserve) ? 1 : 0;
	hg.hugetlb_lock.lock_irq();
	folio* f = dequeue_hugetlb_folio_vma(k, h, vma, avoid_reserve, gbl_chg);
	if (f == nullptr) {
		hg.hugetlb_lock.unlock_irq();
		f = alloc_surplus_hugetlb_folio(k); // alloc_buddy_huge_page_with_mpol()
		if (f == nullptr) {
			vma_end_reservation(vma, addr);
			if (err)
				*err = -ENOSPC;
			return nullptr;
		}
		hg.hugetlb_lock.lock_irq();
		if (!avoid_reserve && vma_has_reserves(vma, gbl_chg)) {
			f->flags.init(f->flags.peek() | HPG_restore_reserve);
			--h.resv_huge_pages;
		}
		f->_refcount.init(1);
	}
	hg.hugetlb_lock.unlock_irq();
	long map_commit = vma_commit_reservation(vma, addr);
	if (map_chg > map_commit) {
		// The index joined the reserve map between needs and commit (a racing
		// hugetlb_reserve_pages()): that reservation no longer applies.
		hugetlb_acct_memory(k, -1);
	}
	return f;
}

void hugetlb_globals::reset(Kernel& kernel)
{
	k = &kernel;
	h.max_huge_pages = 0;
	h.nr_huge_pages = 0;
	h.free_huge_pages = 0;
	h.resv_huge_pages = 0;
	h.surplus_huge_pages = 0;
	h.nr_overcommit_huge_pages = 0;
	h.hugepage_freelist.clear();
	h.resize_lock.owner = -1;
	h.resize_lock.readers = 0;
	hugetlb_lock.owner = -1;
	hugetlb_lock.readers = 0;
	for (fault_mutex& m : hugetlb_fault_mutex_table) {
		m.m.owner = -1;
		m.m.readers = 0;
	}
	shm_ids_rwsem.owner = -1;
	shm_ids_rwsem.readers = 0;
	shm_ids.clear();
	inodes.clear();
	next_ino = 1;
	next_shmid = 0;
	resv_maps.clear();
	vma_locks.clear();
	inode_infos.clear();
	shms.clear();
	dying.clear();
	shared_with_dying.clear();
	for (auto& l : task_work)
		l.clear();
	kernel.phys().set_hugetlb_dtor(
		[](void* ctx, folio* f) { free_huge_folio(*static_cast<Kernel*>(ctx), f); }, &kernel);
}

} // namespace mm
