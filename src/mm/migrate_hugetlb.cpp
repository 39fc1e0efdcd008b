// hugetlb migration (for soft offline) and the hugetlb part of the rmap unmap walks. Models
// mm/migrate.c unmap_and_move_huge_page() and migrate_huge_page_move_mapping() (v6.1,
// torvalds/linux 0010b838db9f era), the hugetlb branches of mm/rmap.c try_to_migrate_one() and
// try_to_unmap_one() (v6.1: hwpoison entries for a poisoned page) and of remove_migration_pte(),
// and hugetlb_page_mapping_lock_write() (mm/hugetlb.c).
//
//   CPU (soft offline of H)                       rule
//   isolate H (+1 ref); lock H; new page N
//   i_mmap_rwsem write (trylock); vma locks      try_to_migrate() may call huge_pmd_unshare()
//     by trylock; PMD -> Migration(H)
//   freeze H's refcount at 2 (cache+isolation);  a fault that holds H (find_lock_page) fails it
//   N replaces H in the page cache; copy
//   remove_migration_ptes(H -> N); unlock        no Migration(H) may remain
//
// Differences: one attempt (no retries of migrate_pages()); the walk lists every VMA of the
// i_mmap tree or anon_vma and skips those whose range does not hold the page (rmap_walk.cpp
// does the same); no mmu notifiers, no uffd-wp bits; PMD-sized hugetlb only.
#include "mm/memory_failure.hpp"

#include "mm/hugetlb.hpp"
#include "mm/internal.hpp"
#include "mm/rmap.hpp"
#include "sim/frame.hpp"

namespace mm {
namespace {

// Where a hugetlb folio sits in vma, or 0: page_to_pgoff() of a hugetlb page-cache folio counts
// huge pages (the model's index, as v6.1's), an anon folio's index counts small pages.
unsigned long hugetlb_address(Kernel& k, folio* f, vm_area_struct* vma)
{
	if (PageAnon(f)) {
		bool refused = false;
		unsigned long a = vma_address(k, f, vma, &refused);
		return a == EFAULT_ADDR ? 0 : a;
	}
	unsigned long start = vma->start();
	pgoff_t pgoff = (f->index << (HPAGE_SHIFT - PAGE_SHIFT)) - vma->vm_pgoff.load();
	unsigned long a = start + (pgoff << PAGE_SHIFT);
	return a >= start && a < vma->end() ? a : 0;
}

// rmap_walk() of a hugetlb folio: fn(vma, address) for each VMA that may map it; fn returns
// false to stop. Context: f locked; for a file folio the caller holds i_mmap_rwsem (for write:
// hugetlb_page_mapping_lock_write(), TTU_RMAP_LOCKED); an anon folio's anon_vma is locked here.
template <class Fn> void hugetlb_rmap_walk(Kernel& k, folio* f, Fn fn)
{
	if (PageAnon(f)) {
		anon_vma* av = f->anon;
		anon_vma_lock_read(av);
		for (std::size_t i = 0; i < av->rb_root.size(); ++i) {
			vm_area_struct* vma = av->rb_root[i]->vma;
			if (unsigned long a = hugetlb_address(k, f, vma); a != 0 && !fn(vma, a))
				break;
		}
		anon_vma_unlock_read(av);
		return;
	}
	auto& l = f->mapping->i_mmap;
	for (std::size_t i = 0; i < l.size(); ++i)
		if (unsigned long a = hugetlb_address(k, f, l[i]); a != 0 && !fn(l[i], a))
			break;
}

// The hugetlb branch of try_to_migrate_one() / try_to_unmap_one() (mm/rmap.c, v6.1): replace
// f's PMD entry at address by `entry` (a migration or hwpoison entry).
// Context: the walk's rmap lock; takes the PMD table's ptl. Returns: false to stop the walk (the
// vma lock of a shared mapping was busy).
bool hugetlb_unmap_one(Kernel& k, folio* f, vm_area_struct* vma, unsigned long address,
		       bool poison)
{
	MM_FRAME(poison ? "try_to_unmap_one" : "try_to_migrate_one");
	mm_struct* mm = vma->vm_mm;
	// page_vma_mapped_walk() of v6.1: huge_pte_offset(), no hugetlb_walk() rule.
	pte_t* ptep = huge_pte_offset(mm, address);
	if (ptep == nullptr)
		return true;
	sim::SpinLock* ptl = huge_pte_lock(ptep);
	pteval_t v = ptep_get(ptep);
	if (!pte_present(v) || pte_pfn(v) != f->pfn) {
		ptl->unlock();
		return true;
	}
	if (!PageAnon(f)) {
		// huge_pmd_unshare() needs the vma lock for write; we hold i_mmap_rwsem, so only a
		// trylock is allowed (lock order: vma lock -> i_mmap_rwsem).
		if (!hugetlb_vma_trylock_write(vma)) {
			ptl->unlock();
			return false;
		}
		if (huge_pmd_unshare(mm, vma, address, ptep)) {
			// Our mm no longer maps the shared table: its other sharers keep the entry,
			// which the walk reaches through their VMAs.
			hugetlb_vma_unlock_write(vma);
			flush_tlb_mm_range(mm, address & PUD_MASK, (address & PUD_MASK) + PUD_SIZE);
			ptl->unlock();
			return true;
		}
		hugetlb_vma_unlock_write(vma);
	}
	// huge_ptep_clear_flush(): nobody may keep writing f through a stale TLB entry.
	ptep_get_and_clear(ptep);
	flush_tlb_mm_range(mm, address, address + HPAGE_SIZE);
	pteval_t entry = make_hwpoison_entry(f->pfn);
	if (!poison) {
		unsigned type = SWP_MIGRATION_READ;
		if (pte_write(v))
			type = SWP_MIGRATION_WRITE;
		else if (PageAnon(f) && folio_test(f, PG_anon_exclusive))
			type = SWP_MIGRATION_READ_EXCLUSIVE;
		entry = swp_entry(type, f->pfn);
	}
	if (PageAnon(f) && folio_test(f, PG_anon_exclusive))
		folio_clear_flag(f, PG_anon_exclusive);
	set_pte_at(ptep, entry);
	f->_entire_mapcount.sub_return(1); // page_remove_rmap(compound)
	ptl->unlock();
	folio_put(f);
	(void)k;
	return true;
}

// Models the hugetlb branch of remove_migration_pte() (mm/migrate.c, v6.1).
// Context: src and dst locked; the walk's rmap lock; takes the ptl.
void remove_migration_pte_hugetlb(vm_area_struct* vma, unsigned long address, folio* src,
				  folio* dst)
{
	MM_FRAME("remove_migration_pte");
	pte_t* ptep = huge_pte_offset(vma->vm_mm, address);
	if (ptep == nullptr)
		return;
	sim::SpinLock* ptl = huge_pte_lock(ptep);
	pteval_t v = ptep_get(ptep);
	if (!is_migration_entry(v) || swp_offset_pfn(v) != src->pfn) {
		ptl->unlock();
		return;
	}
	bool writable = is_writable_migration_entry(v) && (vma->flags() & VM_WRITE);
	folio_get(dst);
	dst->_entire_mapcount.inc(); // hugepage_add_anon_rmap() / page_dup_file_rmap()
	if (PageAnon(dst) && swp_type_of(v) != SWP_MIGRATION_READ)
		folio_set_flag(dst, PG_anon_exclusive);
	set_pte_at(ptep, pfn_pmd_huge(dst->pfn, writable));
	ptl->unlock();
}

// Models migrate_huge_page_move_mapping() + folio_migrate_copy() (mm/migrate.c, v6.1), through
// hugetlbfs_migrate_folio() for page-cache folios.
// Context: src and dst locked, src unmapped. Returns: 0 or -EAGAIN (an unexpected reference:
// a fault holding src while it waits for its lock, a racing lookup).
int move_to_new_hugetlb_folio(Kernel& k, folio* dst, folio* src)
{
	MM_FRAME("move_to_new_folio");
	if (PageAnon(src)) {
		if (folio_ref_count(src) != 1)
			return -EAGAIN;
		dst->anon = src->anon;
		dst->index = src->index;
	} else {
		address_space* mapping = src->mapping;
		mapping->i_pages_lock.lock();
		if (src->_refcount.cmpxchg(2, 0) != 2) { // folio_ref_freeze(): cache + isolation
			mapping->i_pages_lock.unlock();
			return -EAGAIN;
		}
		// dst is locked and unreachable, and every lookup of the slot holds the i_pages lock:
		// plain updates, then folio_ref_unfreeze() to the isolation reference in the same
		// step (a fault waiting on the migration entry takes its reference by
		// folio_try_get() and would retry without end on a frozen count).
		dst->mapping = mapping;
		dst->index = src->index;
		dst->_refcount.init(dst->_refcount.peek() + 1); // the cache's reference
		for (auto& e : mapping->i_pages)
			if (e.second == src)
				e.second = dst;
		src->mapping = nullptr;
		src->_refcount.init(1);
		mapping->i_pages_lock.unlock();
	}
	// folio_copy(): one step, as clear_huge_page() (nobody can map either folio now).
	sim::point(sim::Op::store, sim::WaitKind::none, &dst->data);
	for (long i = 0; i < folio_nr_pages(dst) && !k.mutant(Mutant::migrate_skips_copy); ++i)
		(dst + i)->data.init((src + i)->data.peek());
	folio_set_flag(dst, src->flags.load() & (PG_uptodate | PG_swapbacked));
	return 0;
}

} // namespace

bool hugetlb_folio_mapped(folio* f)
{
	return f->_entire_mapcount.load() >= 0;
}

void try_to_unmap_hugetlb(Kernel& k, folio* f, bool poison)
{
	hugetlb_rmap_walk(k, f, [&](vm_area_struct* vma, unsigned long a) {
		return hugetlb_unmap_one(k, f, vma, a, poison) && hugetlb_folio_mapped(f);
	});
}

// Models hugetlb_page_mapping_lock_write() (mm/hugetlb.c, v6.1): i_mmap_rwsem of a hugetlb
// page-cache folio for write, by trylock (the caller holds the folio lock, which nests inside).
// Returns: the mapping, locked, or nullptr.
address_space* hugetlb_page_mapping_lock_write(folio* f)
{
	address_space* mapping = f->mapping;
	if (mapping == nullptr || !mapping->i_mmap_rwsem.down_write_trylock())
		return nullptr;
	return mapping;
}

// Models migrate_pages() -> unmap_and_move_huge_page() of one folio (mm/migrate.c, v6.1,
// MIGRATE_SYNC, reason MR_MEMORY_FAILURE), with putback_movable_pages() of a failure.
// Context: may sleep; src isolated (isolate_hugetlb()), its isolation reference consumed.
// Returns: 0, -EAGAIN (still mapped, or an unexpected reference), -ENOMEM (no target page).
int migrate_hugetlb_folio(Kernel& k, folio* src)
{
	MM_FRAME("unmap_and_move_huge_page");
	if (folio_ref_count(src) == 1) {
		// Freed from under us: done.
		folio_putback_active_hugetlb(k, src);
		return 0;
	}
	folio* dst = alloc_hugetlb_folio_nodemask(k); // alloc_migration_target()
	if (dst == nullptr) {
		folio_putback_active_hugetlb(k, src);
		return -ENOMEM;
	}
	folio_lock(src);
	anon_vma* av = nullptr;
	if (PageAnon(src) && hugetlb_folio_mapped(src) && src->anon->refcount.inc_not_zero())
		av = src->anon; // page_get_anon_vma()
	folio_lock(dst); // nobody else can see it: never contended
	int rc = -EAGAIN;
	bool was_mapped = false;
	if (hugetlb_folio_mapped(src)) {
		address_space* mapping = nullptr;
		if (!PageAnon(src))
			mapping = hugetlb_page_mapping_lock_write(src);
		if (PageAnon(src) || mapping != nullptr) {
			try_to_unmap_hugetlb(k, src, false); // try_to_migrate(src, TTU_RMAP_LOCKED)
			was_mapped = true;
			if (mapping != nullptr)
				mapping->i_mmap_rwsem.up_write();
		}
	}
	if (!hugetlb_folio_mapped(src))
		rc = move_to_new_hugetlb_folio(k, dst, src);
	if (was_mapped) {
		// remove_migration_ptes(): the file walk takes i_mmap_rwsem for read here.
		folio* to = rc == 0 ? dst : src;
		address_space* mapping = PageAnon(to) ? nullptr : to->mapping;
		if (mapping != nullptr)
			mapping->i_mmap_rwsem.down_read();
		hugetlb_rmap_walk(k, to, [&](vm_area_struct* vma, unsigned long a) {
			remove_migration_pte_hugetlb(vma, a, src, to);
			return true;
		});
		if (mapping != nullptr)
			mapping->i_mmap_rwsem.up_read();
	}
	if (AccessObserver* o = k.observer())
		o->on_migration_end(*src);
	folio_unlock(dst);
	if (av != nullptr)
		put_anon_vma(av);
	if (rc == 0)
		move_hugetlb_state(src, dst);
	folio_unlock(src);
	folio_putback_active_hugetlb(k, src); // on success the last reference: src leaves
	if (rc == 0)
		folio_putback_active_hugetlb(k, dst); // the target's allocation reference
	else
		folio_put(dst); // put_new_page: back to the pool (or the allocator, if temporary)
	return rc;
}

} // namespace mm
