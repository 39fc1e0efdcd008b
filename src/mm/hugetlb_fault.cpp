// hugetlb page faults. Models mm/hugetlb.c (v6.1, torvalds/linux 0010b838db9f): hugetlb_fault,
// hugetlb_no_page, hugetlb_wp, unmap_ref_private, hugetlb_add_to_page_cache,
// migration_entry_wait_huge; with the v6.2 change of hugetlb_fault() behind
// Fix::hugetlb_walk_lock (the swap-entry checks moved under the vma lock).
//
// Lock order of a fault: mmap_lock (read) -> hugetlb_fault_mutex (the file page) -> hugetlb vma
// lock (read) -> [i_mmap_rwsem in huge_pmd_share] -> folio lock -> PMD table ptl.
//
// The 2022 race (seed 002), v6.1:
//
//   CPU0: A, hugetlb_fault()       CPU1: fallocate(PUNCH_HOLE)      CPU2: B, munmap()
//   ptep = huge_pte_offset()
//     (into P, shared by A, B)
//                                  i_mmap write; A's vma lock
//                                  (trylock: A holds none yet);
//                                  huge_pmd_unshare(A)
//                                                                   P exclusive now: zap,
//                                                                   free_pgtables() frees P
//   huge_ptep_get(ptep)  <-- reads the freed P
//
// v6.2 takes the vma lock before the walk, so the unshare has to wait (or skip A).
#include "mm/huge_mm.hpp" // the PMD-level rmap helpers hugetlb shares with THP
#include "mm/hugetlb.hpp"

#include "mm/internal.hpp"
#include "sim/frame.hpp"
#include "sim/rcu.hpp"

#include <algorithm>

namespace mm {
namespace {

unsigned fault_mutex_hash(const address_space* mapping, pgoff_t idx, Kernel& k)
{
	// hugetlb_fault_mutex_hash(): jhash of (mapping, idx). The inode number stands for the
	// mapping so that the hash, and thus the schedule, is the same in every process.
	hugetlbfs_inode_info* info = HUGETLBFS_I(k, mapping->host);
	std::uint64_t key = (static_cast<std::uint64_t>(info->ino) << 32) ^ idx;
	key ^= key >> 17;
	key *= 0x9e3779b97f4a7c15ull;
	return static_cast<unsigned>(key >> 60) & (hugetlb_globals::kFaultMutexes - 1);
}


// What the fault holds to keep its page-table pointer valid: the vma lock, or under Peter Xu's
// RFC an RCU read-side section.
void fault_walk_lock(Kernel& k, vm_area_struct* vma)
{
	if (k.proposal(Proposal::hugetlb_walk_rcu))
		sim::rcu_read_lock();
	else
		hugetlb_vma_lock_read(vma);
}

void fault_walk_unlock(Kernel& k, vm_area_struct* vma)
{
	if (k.proposal(Proposal::hugetlb_walk_rcu))
		sim::rcu_read_unlock();
	else
		hugetlb_vma_unlock_read(vma);
}

bool huge_pte_write(pteval_t v)
{
	return pte_write(v);
}

// make_huge_pte().
pteval_t make_huge_pte(const folio* f, bool writable)
{
	return pfn_pmd_huge(f->pfn, writable);
}

// The contents of a new huge page: zero (clear_huge_page()) or a copy (copy_user_huge_page()).
// One step: the kernel copies without locks, and nobody can see the new page yet.
void fill_huge_page(folio* dst, const folio* src)
{
	sim::point(sim::Op::store, sim::WaitKind::none, &dst->data);
	for (long i = 0; i < folio_nr_pages(dst); ++i)
		(dst + i)->data.init(src ? (src + i)->data.peek() : 0);
}

void hugetlb_add_file_rmap(folio* f)
{
	f->_entire_mapcount.inc(); // page_dup_file_rmap(page, true)
}

// hugetlb_pte_stable(): whether the entry is still old_pte, under the ptl.
bool hugetlb_pte_stable(pte_t* ptep, pteval_t old_pte)
{
	sim::SpinLock* ptl = huge_pte_lock(ptep);
	bool same = ptep_get(ptep) == old_pte;
	ptl->unlock();
	return same;
}

vm_fault_t vmf_error(int err)
{
	return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
}

// Models unmap_ref_private() (mm/hugetlb.c, v6.1): the owner of a private mapping failed to COW
// a page it shares with fork children: unmap it from them, marking their VMAs so that their later
// faults there fail (SIGBUS) instead of silently seeing new memory.
// Context: mmap_lock read; fault mutex and vma lock dropped; takes i_mmap_rwsem for write.
void unmap_ref_private(vm_area_struct* vma, folio* page, unsigned long address)
{
	MM_FRAME("unmap_ref_private");
	address &= HPAGE_MASK;
	pgoff_t pgoff = ((address - vma->start()) >> PAGE_SHIFT) + vma->vm_pgoff.peek();
	address_space* mapping = vma->vm_file->f_mapping;
	mapping->i_mmap_rwsem.down_write();
	for (vm_area_struct* iter : mapping->i_mmap) {
		pgoff_t first = iter->vm_pgoff.peek();
		if (pgoff < first || pgoff >= first + ((iter->end() - iter->start()) >> PAGE_SHIFT))
			continue;
		if (iter == vma || (iter->flags() & VM_MAYSHARE))
			continue;
		if (!is_vma_resv_set(iter, HPAGE_RESV_OWNER))
			unmap_hugepage_range(iter, address, address + HPAGE_SIZE, page, 0);
	}
	mapping->i_mmap_rwsem.up_write();
}

// Models hugetlb_wp() (mm/hugetlb.c, v6.1): a write to a read-only hugetlb entry (COW).
// Context: fault mutex, vma lock (read) and the ptl held on entry and on return; drops them to
// allocate. pagecache_page (locked) is the page-cache folio of this index, if any.
vm_fault_t hugetlb_wp(mm_struct* mm, vm_area_struct* vma, unsigned long address, pte_t* ptep,
		      unsigned flags, folio* pagecache_page, sim::SpinLock* ptl)
{
	MM_FRAME("hugetlb_wp");
	(void)flags;
	Kernel& k = kernel_of(mm);
	pteval_t pte = ptep_get(ptep);
	unsigned long haddr = address & HPAGE_MASK;
	if (!(vma->flags() & VM_WRITE))
		return VM_FAULT_SIGSEGV; // WARN_ON_ONCE: no FOLL_FORCE writes here
	if (vma->flags() & VM_MAYSHARE) {
		set_pte_at(ptep, pte_mkwrite(pte)); // set_huge_ptep_writable()
		return 0;
	}
	folio* old_page = vm_normal_folio(k, pte);
	vm_fault_t ret = 0;
	for (;;) {
		// Alone with an anon page: reuse it in place.
		if (old_page->_entire_mapcount.load() == 0 && PageAnon(old_page)) {
			folio_set_flag(old_page, PG_anon_exclusive);
			set_pte_at(ptep, pte_mkwrite(pte));
			return 0;
		}
		// The owner COWing a page it shares with children must not spend the reservation of
		// this address twice: it was consumed when the original page was allocated.
		bool outside_reserve = is_vma_resv_set(vma, HPAGE_RESV_OWNER) && old_page != pagecache_page;
		folio_get(old_page);
		ptl->unlock();
		int err = 0;
		folio* new_page = alloc_hugetlb_folio(vma, haddr, outside_reserve, &err);
		if (new_page == nullptr) {
			if (outside_reserve) {
				folio_put(old_page);
				pgoff_t idx = vma_hugecache_offset(vma, haddr);
				sim::Mutex& m = hugetlb_fault_mutex(k, vma->vm_file->f_mapping, idx);
				// unmap_hugepage_range() of the children needs their vma locks for write:
				// drop ours (COW mappings do not share PMD tables) and the fault mutex.
				fault_walk_unlock(k, vma);
				m.unlock();
				unmap_ref_private(vma, old_page, haddr);
				m.lock();
				fault_walk_lock(k, vma);
				ptl_lock(ptl, ptep);
				ptep = hugetlb_walk(vma, haddr);
				if (ptep != nullptr && ptep_get(ptep) == pte)
					continue; // retry_avoidcopy
				return 0; // a racing fault did our job
			}
			ret = vmf_error(err);
			folio_put(old_page);
			ptl_lock(ptl, ptep);
			return ret;
		}
		if (anon_vma_prepare(vma)) {
			restore_reserve_on_error(vma, haddr, new_page);
			folio_put(new_page);
			folio_put(old_page);
			ptl_lock(ptl, ptep);
			return VM_FAULT_OOM;
		}
		fill_huge_page(new_page, old_page);
		ptl_lock(ptl, ptep);
		ptep = hugetlb_walk(vma, haddr);
		if (ptep != nullptr && ptep_get(ptep) == pte) {
			folio_clear_flag(new_page, HPG_restore_reserve);
			// huge_ptep_clear_flush(): no CPU may keep writing the old page.
			ptep_get_and_clear(ptep);
			flush_tlb_mm_range(mm, haddr, haddr + HPAGE_SIZE);
			folio_remove_rmap_pmd(old_page, vma); // hugetlb_remove_rmap()
			folio_add_new_anon_rmap_pmd(new_page, vma, haddr); // hugepage_add_new_anon_rmap()
			set_pte_at(ptep, make_huge_pte(new_page, true));
			folio_set_flag(new_page, HPG_migratable);
			new_page = old_page; // the old page is the one to release below
		}
		ptl->unlock();
		if (new_page != old_page)
			restore_reserve_on_error(vma, haddr, new_page);
		folio_put(new_page);
		folio_put(old_page);
		ptl_lock(ptl, ptep);
		return ret;
	}
}

// Models hugetlb_no_page() (mm/hugetlb.c, v6.1): the entry is none: map the page-cache page, or
// allocate one (adding it to the page cache of a shared mapping, or as a private anon page).
// Context: fault mutex and vma lock (read) held on entry; both dropped on return.
vm_fault_t hugetlb_no_page(mm_struct* mm, vm_area_struct* vma, address_space* mapping,
			   pgoff_t idx, unsigned long address, pte_t* ptep, pteval_t old_pte,
			   unsigned flags, sim::Mutex& mutex)
{
	MM_FRAME("hugetlb_no_page");
	Kernel& k = kernel_of(mm);
	vm_fault_t ret = VM_FAULT_SIGBUS;
	unsigned long haddr = address & HPAGE_MASK;
	bool write = flags & FAULT_FLAG_WRITE;
	bool new_page = false, new_pagecache_page = false, anon_rmap = false;
	folio* page = nullptr;
	sim::SpinLock* ptl = nullptr;
	// A fork child whose page the owner had to take back (unmap_ref_private()).
	if (is_vma_resv_set(vma, HPAGE_RESV_UNMAPPED))
		goto out;
	page = find_lock_hugetlb_folio(mapping, idx);
	if (page == nullptr) {
		unsigned long size = mapping->host->i_size.load() >> HPAGE_SHIFT;
		if (idx >= size)
			goto out;
		int err = 0;
		page = alloc_hugetlb_folio(vma, haddr, false, &err);
		if (page == nullptr) {
			// Migration clears and rewrites entries without the fault mutex: fail only if
			// the entry is really still none.
			ret = hugetlb_pte_stable(ptep, old_pte) ? vmf_error(err) : 0;
			goto out;
		}
		clear_huge_page(page);
		new_page = true;
		if (vma->flags() & VM_MAYSHARE) {
			if (hugetlb_add_to_page_cache(page, mapping, idx) != 0) {
				restore_reserve_on_error(vma, haddr, page);
				folio_put(page);
				goto out;
			}
			new_pagecache_page = true;
		} else {
			folio_lock(page);
			if (anon_vma_prepare(vma)) {
				ret = VM_FAULT_OOM;
				goto backout_unlocked;
			}
			anon_rmap = true;
		}
	} else if (folio_test(page, PG_hwpoison)) {
		ret = VM_FAULT_HWPOISON_LARGE;
		goto backout_unlocked;
	}
	// A private write will COW below: book the reserve-map descriptor before the spinlock.
	if (write && !(vma->flags() & VM_SHARED)) {
		if (vma_needs_reservation(vma, haddr) < 0) {
			ret = VM_FAULT_OOM;
			goto backout_unlocked;
		}
		vma_end_reservation(vma, haddr);
	}
	ptl = huge_pte_lock(ptep);
	ret = 0;
	if (ptep_get(ptep) != old_pte)
		goto backout;
	if (anon_rmap) {
		folio_clear_flag(page, HPG_restore_reserve);
		folio_add_new_anon_rmap_pmd(page, vma, haddr); // hugepage_add_new_anon_rmap()
	} else {
		hugetlb_add_file_rmap(page);
	}
	set_pte_at(ptep, make_huge_pte(page, (vma->flags() & VM_WRITE) && (vma->flags() & VM_SHARED)));
	if (write && !(vma->flags() & VM_SHARED))
		ret = hugetlb_wp(mm, vma, address, ptep, flags, page, ptl); // COW at once
	ptl->unlock();
	if (new_page)
		folio_set_flag(page, HPG_migratable);
	folio_unlock(page);
out:
	fault_walk_unlock(k, vma);
	mutex.unlock();
	return ret;
backout:
	ptl->unlock();
backout_unlocked:
	if (new_page && !new_pagecache_page)
		restore_reserve_on_error(vma, haddr, page);
	folio_unlock(page);
	folio_put(page);
	goto out;
}

// Models migration_entry_wait_huge() (mm/migrate.c): wait for the migration of the page behind
// a hugetlb migration entry. v6.2 (lock_rule): the vma lock is held on entry and dropped once the
// ptl is taken, before sleeping. v6.1: entered with no lock at all.
void migration_entry_wait_huge(Kernel& k, vm_area_struct* vma, pte_t* ptep, bool lock_rule)
{
	MM_FRAME("migration_entry_wait_huge");
	sim::SpinLock* ptl = huge_pte_lock(ptep);
	pteval_t pte = ptep_get(ptep);
	if (!is_migration_entry(pte)) {
		ptl->unlock();
		if (lock_rule)
			fault_walk_unlock(k, vma);
		return;
	}
	if (lock_rule)
		fault_walk_unlock(k, vma);
	// migration_entry_wait_on_locked(): hold the folio, drop the ptl, sleep on its lock.
	folio* f = page_folio(k.phys().pfn_to_page(swp_offset_pfn(pte)));
	if (!folio_try_get(f)) {
		ptl->unlock();
		return;
	}
	ptl->unlock();
	f->lock.wait_unlocked();
	folio_put(f);
}

} // namespace

sim::Mutex& hugetlb_fault_mutex(Kernel& k, const address_space* mapping, pgoff_t idx)
{
	return hugetlb_of(k).hugetlb_fault_mutex_table[fault_mutex_hash(mapping, idx, k)].m;
}

void clear_huge_page(folio* f)
{
	fill_huge_page(f, nullptr);
}

// find_lock_page() on a hugetlbfs mapping: the page-cache folio at idx, locked, with a reference.
folio* find_lock_hugetlb_folio(address_space* mapping, pgoff_t idx)
{
	for (;;) {
		mapping->i_pages_lock.lock();
		folio* f = mapping->find(idx);
		if (f != nullptr)
			folio_get(f);
		mapping->i_pages_lock.unlock();
		if (f == nullptr)
			return nullptr;
		folio_lock(f);
		if (f->mapping == mapping)
			return f;
		folio_unlock(f); // truncated meanwhile
		folio_put(f);
	}
}

// Models hugetlb_add_to_page_cache() (mm/hugetlb.c, v6.1). Context: fault mutex held; the folio
// is new. Returns 0 or -EEXIST. The folio is left locked, with the cache's reference added.
int hugetlb_add_to_page_cache(folio* f, address_space* mapping, pgoff_t idx)
{
	MM_FRAME("hugetlb_add_to_page_cache");
	folio_lock(f); // __folio_set_locked(): nobody else can see the folio yet
	mapping->i_pages_lock.lock();
	if (mapping->find(idx) != nullptr) {
		mapping->i_pages_lock.unlock();
		folio_unlock(f);
		return -EEXIST;
	}
	f->mapping = mapping;
	f->index = idx;
	f->flags.init(f->flags.peek() | PG_uptodate);
	auto& v = mapping->i_pages;
	auto it = std::lower_bound(v.begin(), v.end(), idx,
				   [](const auto& e, pgoff_t i) { return e.first < i; });
	v.insert(it, {idx, f});
	folio_get(f);
	mapping->i_pages_lock.unlock();
	// The page is instantiated: freeing it later restores no reservation.
	folio_clear_flag(f, HPG_restore_reserve);
	return 0;
}

// Models hugetlb_fault() (mm/hugetlb.c, v6.1; the v6.2 swap-entry checks under the vma lock
// with Fix::hugetlb_walk_lock).
// Context: mmap_lock held for read. Takes the fault mutex, the vma lock (read), the ptl.
// Returns: the vm_fault_t result.
// Differences: no userfaultfd, no FAULT_FLAG_UNSHARE, no per-VMA-lock faults.
vm_fault_t hugetlb_fault(mm_struct* mm, vm_area_struct* vma, unsigned long address,
			 unsigned flags)
{
	MM_FRAME("hugetlb_fault");
	Kernel& k = kernel_of(mm);
	unsigned long haddr = address & HPAGE_MASK;
	bool write = flags & FAULT_FLAG_WRITE;
	bool rcu_walk = k.proposal(Proposal::hugetlb_walk_rcu);
	bool lock_rule = !rcu_walk && k.fixed(Fix::hugetlb_walk_lock) &&
			 !k.mutant(Mutant::hugetlb_fault_walks_unlocked);
	if (!lock_rule) {
		// v6.1: a first look without any lock ("ptep could be stale. That is OK as we are only
		// making decisions based on content"): but the table itself may be gone (seed 002).
		// The RFC wraps it in an RCU read-side section.
		if (rcu_walk)
			sim::rcu_read_lock();
		pte_t* ptep = hugetlb_walk(vma, haddr);
		if (ptep != nullptr) {
			pteval_t entry = ptep_get(ptep);
			if (is_migration_entry(entry)) {
				migration_entry_wait_huge(k, vma, ptep, false);
				if (rcu_walk)
					sim::rcu_read_unlock();
				return 0;
			}
			if (is_hwpoison_entry(entry)) {
				if (rcu_walk)
					sim::rcu_read_unlock();
				return VM_FAULT_HWPOISON_LARGE;
			}
		}
		if (rcu_walk)
			sim::rcu_read_unlock();
	}
	// Serialise allocation and instantiation of this file page, so that two faults racing for
	// the last free page do not fail spuriously.
	address_space* mapping = vma->vm_file->f_mapping;
	pgoff_t idx = vma_hugecache_offset(vma, haddr);
	sim::Mutex& mutex = hugetlb_fault_mutex(k, mapping, idx);
	mutex.lock();
	// Until we are done with ptep, no huge_pmd_unshare() may pull its table away.
	fault_walk_lock(k, vma);
	pte_t* ptep = huge_pte_alloc(mm, vma, haddr);
	if (ptep == nullptr) {
		fault_walk_unlock(k, vma);
		mutex.unlock();
		return VM_FAULT_OOM;
	}
	pteval_t entry = ptep_get(ptep);
	if (lock_rule) {
		if (is_migration_entry(entry)) {
			mutex.unlock();
			migration_entry_wait_huge(k, vma, ptep, true);
			return 0;
		}
		if (is_hwpoison_entry(entry)) {
			fault_walk_unlock(k, vma);
			mutex.unlock();
			return VM_FAULT_HWPOISON_LARGE;
		}
	}
	if (pte_none(entry))
		return hugetlb_no_page(mm, vma, mapping, idx, address, ptep, entry, flags, mutex);

	vm_fault_t ret = 0;
	folio* pagecache_page = nullptr;
	folio* page = nullptr;
	bool need_wait_lock = false;
	sim::SpinLock* ptl = nullptr;
	if (!pte_present(entry))
		goto out_mutex; // a swap entry that appeared meanwhile: refault
	if (write && !(vma->flags() & VM_MAYSHARE) && !huge_pte_write(entry)) {
		// COW ahead: book the reserve-map descriptor and find the page-cache page (it tells
		// whether this address's reservation was consumed) before taking the spinlock.
		if (vma_needs_reservation(vma, haddr) < 0) {
			ret = VM_FAULT_OOM;
			goto out_mutex;
		}
		vma_end_reservation(vma, haddr);
		pagecache_page = find_lock_hugetlb_folio(mapping, idx);
	}
	ptl = huge_pte_lock(ptep);
	if (ptep_get(ptep) != entry)
		goto out_ptl;
	page = vm_normal_folio(k, entry);
	if (page != pagecache_page && !folio_trylock(page)) {
		need_wait_lock = true;
		goto out_ptl;
	}
	folio_get(page);
	if (write) {
		if (!huge_pte_write(entry)) {
			ret = hugetlb_wp(mm, vma, address, ptep, flags, pagecache_page, ptl);
			goto out_put_page;
		}
	}
	// huge_ptep_set_access_flags(): nothing to do (no accessed/dirty bits in the model).
out_put_page:
	if (page != pagecache_page)
		folio_unlock(page);
	folio_put(page);
out_ptl:
	ptl->unlock();
	if (pagecache_page != nullptr) {
		folio_unlock(pagecache_page);
		folio_put(pagecache_page);
	}
out_mutex:
	fault_walk_unlock(k, vma);
	mutex.unlock();
	// Waiting with no reference is fine: the page is not used after it is unlocked.
	if (need_wait_lock)
		page->lock.wait_unlocked();
	return ret;
}

} // namespace mm
