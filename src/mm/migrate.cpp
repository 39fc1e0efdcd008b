// Page migration of order-0 anon and file pages. Models mm/migrate.c (v6.x): migrate_pages ->
// migrate_pages_batch -> migrate_folio_unmap / migrate_folio_move (MIGRATE_SYNC),
// move_to_new_folio, __folio_migrate_mapping, folio_migrate_copy, remove_migration_pte(s);
// mm/migrate.c do_pages_move / add_folio_for_migration (move_pages(2)); and
// mm/memory_hotplug.c do_migrate_range (migration by pfn with no mmap_lock, as compaction
// and hot-remove do; thread 003's crashes came from those).
//
//   CPU (migration of P)                     invariant while P is locked
//   isolate P (+1 ref); lock P, lock N
//   try_to_migrate(P): PTE -> Migration(P)   every Migration(P) must stay findable by rmap
//   refcount(P) == expected? move + copy
//   remove_migration_ptes(P, N or P)         ... until this walk has restored them all
//   unlock N, P; free P (or put it back)     no Migration(P) may exist from here on
//
// Differences: one NUMA node, so "another node" is just a fresh frame; no LRU lists (the
// isolation is PG_isolated plus a reference); no large folios, no device or movable_ops
// pages, no batching, no retries (one pass: -EAGAIN is returned to the caller).
#include "mm/migrate.hpp"

#include "mm/internal.hpp"
#include "mm/rmap.hpp"

#include "sim/frame.hpp"

#include <algorithm>

namespace mm {
namespace {

struct remove_args {
	folio* src;
	folio* dst;
};

bool remove_migration_pte_one(Kernel& k, folio* walked, vm_area_struct* vma, unsigned long address,
			      void* arg)
{
	auto* a = static_cast<remove_args*>(arg);
	return remove_migration_pte(k, vma, address, a->src, a->dst, walked);
}

// __folio_migrate_mapping() for a page-cache folio: under the i_pages lock, freeze the
// refcount at the expected value (isolation + cache), put dst in src's slot, unfreeze.
// Returns: false if someone else holds a reference (-EAGAIN).
bool replace_page_cache_folio(folio* dst, folio* src)
{
	address_space* mapping = src->mapping;
	mapping->i_pages_lock.lock();
	if (src->_refcount.cmpxchg(2, 0) != 2) {
		mapping->i_pages_lock.unlock();
		return false;
	}
	// dst is locked and in nobody's page tables: plain initialisation.
	dst->mapping = mapping;
	dst->index = src->index;
	folio_get(dst); // the cache's reference moves to dst
	auto& v = mapping->i_pages;
	auto it = std::find_if(v.begin(), v.end(), [src](const auto& e) { return e.second == src; });
	it->second = dst;
	// src leaves the cache: free_frozen_pages() would call a page with a mapping a bad page.
	src->mapping = nullptr;
	src->_refcount.store(1); // folio_ref_unfreeze(): the isolation reference is left
	mapping->i_pages_lock.unlock();
	return true;
}

// Models move_to_new_folio() -> migrate_folio() (mm/migrate.c, v6.x).
// Context: src and dst locked, src unmapped.
// Returns: 0, or -EAGAIN if src has references beyond the expected ones (a GUP pin, a
// concurrent fault waiting on a migration entry, a page-cache lookup).
int move_to_new_folio(Kernel& k, folio* dst, folio* src)
{
	MM_FRAME("move_to_new_folio");
	if (PageAnon(src)) {
		// folio_expected_refs() of an anon folio off the swap cache: the isolation one.
		if (folio_ref_count(src) != 1)
			return -EAGAIN;
		dst->anon = src->anon;
		dst->index = src->index;
	} else if (!replace_page_cache_folio(dst, src)) {
		return -EAGAIN;
	}
	// folio_migrate_copy(): contents, then state.
	if (!k.mutant(Mutant::migrate_skips_copy))
		dst->data.store(src->data.load());
	folio_set_flag(dst, src->flags.load() & (PG_uptodate | PG_swapbacked));
	return 0;
}

} // namespace

bool folio_isolate_lru(folio* f)
{
	if (folio_test_set_flag(f, PG_isolated))
		return false;
	folio_get(f);
	return true;
}

void folio_putback_lru(folio* f)
{
	folio_clear_flag(f, PG_isolated);
	folio_put(f);
}

// Models remove_migration_pte() (mm/migrate.c, v6.x). Context: the walk's rmap lock (or, from
// Mel's patch 3/3, src's folio lock only); takes the PTE's ptl. Returns: true (go on).
// Differences: order-0 folios; no soft-dirty/uffd bits, no device-private entries.
bool remove_migration_pte(Kernel& k, vm_area_struct* vma, unsigned long addr, folio* src,
			  folio* dst, folio* walked)
{
	MM_FRAME("remove_migration_pte");
	mm_struct* mm = vma->vm_mm;
	AccessObserver* o = walked != nullptr ? k.observer() : nullptr;
	pmd_t* pmd = walk_to_pmd(mm, addr, false);
	if (pmd == nullptr || pte_none(ptep_get(pmd))) {
		if (o != nullptr)
			o->on_rmap_miss(*walked, *src, *vma, addr);
		return true;
	}
	sim::SpinLock* ptl = nullptr;
	pte_t* pte = pte_offset_map_lock(mm, pmd, addr, &ptl);
	if (pte == nullptr)
		return true;
	pteval_t v = ptep_get(pte);
	if (!is_migration_entry(v) || swp_offset_pfn(v) != src->pfn) {
		if (o != nullptr)
			o->on_rmap_miss(*walked, *src, *vma, addr);
		ptl->unlock();
		return true;
	}
	bool writable = is_writable_migration_entry(v) && (vma->flags() & VM_WRITE);
	folio_get(dst);
	if (PageAnon(dst)) {
		folio_add_anon_rmap_pte(dst, vma, addr);
		// RMAP_EXCLUSIVE: the entry says the page was mapped by this mm only.
		if (swp_type_of(v) != SWP_MIGRATION_READ)
			folio_set_flag(dst, PG_anon_exclusive);
	} else {
		folio_add_file_rmap_pte(dst, vma);
	}
	set_pte_at(pte, pfn_pte(dst->pfn, writable));
	ptl->unlock();
	return true;
}

// Models remove_migration_ptes() (mm/migrate.c, v6.x). Context: src and dst locked; may sleep.
void remove_migration_ptes(Kernel& k, folio* src, folio* dst)
{
	MM_FRAME("remove_migration_ptes");
	remove_args a{src, dst};
	rmap_walk_control rwc;
	rwc.rmap_one = remove_migration_pte_one;
	rwc.arg = &a;
	rwc.restore_src = src;
	rmap_walk(k, dst, rwc);
}

// Models migrate_pages() of one folio (mm/migrate.c, v6.x: migrate_pages_batch ->
// migrate_folio_unmap -> migrate_folio_move / migrate_folio_undo_src, MIGRATE_SYNC).
// Context: may sleep; the caller's isolation reference is consumed. Returns: 0, -EAGAIN,
// -ENOMEM. Differences: one attempt, no batching, no migration target node.
int migrate_folio_one(Kernel& k, folio* src)
{
	MM_FRAME("migrate_pages");
	folio* dst = k.phys().alloc_pages(GFP_KERNEL, 0);
	if (dst == nullptr) {
		folio_putback_lru(src);
		return -ENOMEM;
	}
	// migrate_folio_unmap()
	folio_lock(src);
	folio_lock(dst); // nobody else can see it: never contended
	bool was_mapped = folio_mapped(src);
	// folio_get_anon_vma(): the walks below must be able to lock the anon_vma even if every
	// VMA mapping the page goes away meanwhile. Only a mapped page's anon_vma is sure to be
	// alive (anon_vmas are SLAB_TYPESAFE_BY_RCU: a freed one has refcount 0).
	anon_vma* av = PageAnon(src) && was_mapped ? src->anon : nullptr;
	if (av != nullptr && !av->refcount.inc_not_zero()) {
		av = nullptr;
		was_mapped = false;
	}
	if (was_mapped)
		try_to_migrate(k, src);
	int rc = -EAGAIN;
	if (!folio_mapped(src))
		rc = move_to_new_folio(k, dst, src);
	// migrate_folio_move() on success, migrate_folio_undo_src() on failure.
	if (was_mapped)
		remove_migration_ptes(k, src, rc == 0 ? dst : src);
	if (AccessObserver* o = k.observer())
		o->on_migration_end(*src);
	folio_unlock(dst);
	folio_unlock(src);
	if (av != nullptr)
		put_anon_vma(av);
	if (rc == 0) {
		// migrate_folio_done(): the isolation reference was the last one.
		folio_clear_flag(src, PG_isolated);
		folio_put(src);
	} else {
		folio_putback_lru(src);
	}
	// The target's allocation reference: its mappings hold their own.
	folio_put(dst);
	return rc;
}

// Models do_pages_move() for one page (mm/migrate.c, v6.x). Context: takes mmap_lock for
// read to find and isolate the folio only. add_folio_for_migration() finds and
// isolates the folio under mmap_lock held for read; the migration itself runs after
// mmap_lock is dropped (2.6.34 still held it across migrate_pages()).
int Kernel::sys_move_pages(process& p, unsigned long addr)
{
	MM_FRAME("do_pages_move");
	mm_struct* mm = p.mm;
	addr &= PAGE_MASK;
	mm->mmap_lock.down_read();
	vm_area_struct* vma = vma_lookup(mm, addr);
	if (vma == nullptr) {
		mm->mmap_lock.up_read();
		return -EFAULT;
	}
	// folio_walk_start(): the folio mapped at addr, with a reference.
	folio* f = nullptr;
	if (pmd_t* pmd = walk_to_pmd(mm, addr, false); pmd != nullptr && !pte_none(ptep_get(pmd))) {
		sim::SpinLock* ptl = nullptr;
		if (pte_t* pte = pte_offset_map_lock(mm, pmd, addr, &ptl)) {
			pteval_t v = ptep_get(pte);
			if (pte_present(v)) {
				f = vm_normal_folio(*this, v);
				folio_get(f);
			}
			ptl->unlock();
		}
	}
	int err = f == nullptr ? -ENOENT : folio_isolate_lru(f) ? 0 : -EBUSY;
	if (f != nullptr)
		folio_put(f); // the isolation holds its own
	mm->mmap_lock.up_read();
	if (err != 0)
		return err;
	return migrate_folio_one(*this, f);
}

// Models do_migrate_range() for one pfn (mm/memory_hotplug.c, v6.x). Context: may sleep; no
// mmap_lock: no mmap_lock, no VMA; the
// folio is whatever the frame holds, pinned by a speculative reference.
int Kernel::migrate_pfn(pfn_t pfn)
{
	MM_FRAME("do_migrate_range");
	if (!phys_.pfn_valid(pfn))
		return -EINVAL;
	folio* f = page_folio(phys_.pfn_to_page(pfn));
	if (f == nullptr || !folio_try_get(f))
		return -EBUSY; // a free (or never used) frame
	// Only small user pages are on the LRU: page-table pages and the like are not movable
	// here, nor large folios (not modelled).
	bool user = !folio_test(f, PG_table) && f->order == 0 &&
		    (PageAnon(f) || f->mapping != nullptr);
	bool isolated = user && folio_isolate_lru(f);
	folio_put(f);
	if (!isolated)
		return -EBUSY;
	return migrate_folio_one(*this, f);
}

} // namespace mm
