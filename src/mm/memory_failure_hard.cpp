// Hard offline: an uncorrected memory error. Models mm/memory-failure.c (v5.18, torvalds/linux
// 003fa195911d): memory_failure, try_memory_failure_hugetlb, __get_huge_page_for_hwpoison,
// hwpoison_user_mappings, collect_procs_{anon,file}, task_early_kill, kill_procs, me_huge_page,
// truncate_error_page -> hugetlbfs_error_remove_page (fs/hugetlbfs/inode.c, v6.1).
//
// The data is lost: every PMD entry mapping the page becomes a hwpoison entry (a later access
// gets SIGBUS), the page leaves the page cache (the next fault of another mapper gets a new,
// zeroed page; the index leaves the reserve map, so no reservation is lost in the counters, but
// a reserved fault may now fail: hard offline may break reservations, races.md §4), and with
// vm.memory_failure_early_kill every mapper gets SIGBUS at once.
//
// Differences: hugetlb pages and free pages only (an in-use small page is marked and -EBUSY is
// returned, as for an unhandlable page); a forced kill (SIGKILL) is counted as a SIGBUS; no
// MF_ACTION_REQUIRED context (kill_accessing_process).
#include "mm/memory_failure.hpp"

#include "mm/gup.hpp"
#include "mm/hugetlb.hpp"
#include "mm/internal.hpp"
#include "mm/rmap.hpp"
#include "sim/frame.hpp"

namespace mm {

namespace {

struct to_kill {
	process* tsk;
	unsigned long addr;
};

// Models task_early_kill() (v5.18): without PF_MCE_* per-thread policy, the sysctl decides.
bool task_early_kill(Kernel& k, const process* tsk, bool force_early)
{
	if (tsk->exited || tsk->mm == nullptr || tsk->mm->dead)
		return false;
	return force_early || k.mf().early_kill;
}

// Models collect_procs() (v5.18): the processes with a VMA over the page, before the unmap
// takes the rmap information down. Context: f locked.
void collect_procs(Kernel& k, folio* f, std::vector<to_kill>& tokill, bool force_early)
{
	MM_FRAME("collect_procs");
	auto add = [&](vm_area_struct* vma, unsigned long addr) {
		for (process* t : k.processes())
			if (t->mm == vma->vm_mm && task_early_kill(k, t, force_early))
				tokill.push_back({t, addr});
	};
	if (PageAnon(f)) {
		anon_vma* av = f->anon;
		anon_vma_lock_read(av);
		for (std::size_t i = 0; i < av->rb_root.size(); ++i) {
			bool refused = false;
			vm_area_struct* vma = av->rb_root[i]->vma;
			unsigned long a = vma_address(k, f, vma, &refused);
			if (a != EFAULT_ADDR)
				add(vma, a);
		}
		anon_vma_unlock_read(av);
		return;
	}
	address_space* mapping = f->mapping;
	if (mapping == nullptr)
		return;
	mapping->i_mmap_rwsem.down_read();
	pgoff_t pgoff = f->index << (HPAGE_SHIFT - PAGE_SHIFT);
	for (vm_area_struct* vma : mapping->i_mmap) {
		pgoff_t first = vma->vm_pgoff.load();
		pgoff_t n = (vma->end() - vma->start()) >> PAGE_SHIFT;
		if (pgoff >= first && pgoff < first + n)
			add(vma, vma->start() + ((pgoff - first) << PAGE_SHIFT));
	}
	mapping->i_mmap_rwsem.up_read();
}

// Models kill_procs() (v5.18): forcekill (the page was dirty: hugetlb pages always are) sends
// SIGBUS (BUS_MCEERR_AO), or SIGKILL if the unmap failed (counted as SIGBUS here).
void kill_procs(std::vector<to_kill>& tokill, bool forcekill)
{
	if (!forcekill)
		return;
	for (to_kill& tk : tokill) {
		MM_FRAME("kill_proc");
		sim::point(sim::Op::store, sim::WaitKind::none, &tk.tsk->sigbus);
		++tk.tsk->sigbus;
	}
}

// Models hwpoison_user_mappings() (v5.18) for a hugetlb folio. Context: f locked.
// Returns: whether f is unmapped everywhere now.
bool hwpoison_user_mappings(Kernel& k, folio* f, int flags)
{
	MM_FRAME("hwpoison_user_mappings");
	if (!hugetlb_folio_mapped(f))
		return true;
	std::vector<to_kill> tokill;
	collect_procs(k, f, tokill, flags & MF_ACTION_REQUIRED);
	if (!PageAnon(f)) {
		// try_to_unmap() may call huge_pmd_unshare(): i_mmap_rwsem for write, TTU_RMAP_LOCKED.
		if (address_space* mapping = hugetlb_page_mapping_lock_write(f)) {
			try_to_unmap_hugetlb(k, f, true);
			mapping->i_mmap_rwsem.up_write();
		}
	} else {
		try_to_unmap_hugetlb(k, f, true);
	}
	bool unmap_success = !hugetlb_folio_mapped(f);
	kill_procs(tokill, true);
	return unmap_success;
}

// Models me_huge_page() (v5.18) with truncate_error_page() -> hugetlbfs_error_remove_page()
// (fs/hugetlbfs/inode.c, v6.1). Context: f locked; unlocks it. Returns: 0 or -EBUSY.
int me_huge_page(Kernel& k, page* p, folio* f)
{
	MM_FRAME("me_huge_page");
	bool recovered = false;
	if (address_space* mapping = f->mapping) {
		inode* ino = mapping->host;
		pgoff_t index = f->index;
		filemap_remove_folio(mapping, f); // hugetlb_delete_from_page_cache()
		folio_put(f);
		// The index leaves the reserve map with its page: the counters do not move.
		hugetlb_unreserve_pages(ino, static_cast<long>(index), static_cast<long>(index) + 1, 1);
		observer_commit(k, 0); // the file's contents there are lost
		folio_unlock(f);
		k.mf().poison_refs.push_back(f->pfn); // the reference memory_failure() keeps
		// has_extra_refcount(): someone else still holds the page.
		recovered = f->_refcount.load() == 1;
	} else {
		folio_unlock(f);
		// The hwpoison entries keep later accesses out: the folio may leave the pool.
		if (PageAnon(f))
			folio_put(f);
		if (__page_handle_poison(k, p)) {
			folio_set_flag(p, PG_hwpoison); // the frame was re-initialised off the allocator
			p->_refcount.fetch_add(1);
			k.mf().poison_refs.push_back(p->pfn);
			recovered = true;
		}
	}
	return recovered ? 0 : -EBUSY;
}

// Models __get_huge_page_for_hwpoison() (v5.18), under hugetlb_lock.
// Returns: 0 free, 1 in use (a reference held), 2 not hugetlb, -EBUSY, -EHWPOISON.
int get_huge_page_for_hwpoison(Kernel& k, folio* head, int flags)
{
	hugetlb_globals& hg = hugetlb_of(k);
	hg.hugetlb_lock.lock_irq();
	int ret = 2;
	bool count_increased = false;
	if (folio_test(head, PG_hugetlb) && head->head == head) {
		if (flags & MF_COUNT_INCREASED) {
			ret = 1;
			count_increased = true;
		} else if (folio_test(head, HPG_freed) || folio_test(head, HPG_migratable)) {
			ret = folio_try_get(head) ? 1 : 0;
			count_increased = ret == 1;
		} else {
			ret = -EBUSY;
		}
		if (ret >= 0 && folio_test_set_flag(head, PG_hwpoison))
			ret = -EHWPOISON;
		else if (ret >= 0)
			count_increased = false; // the reference stays with the caller
	}
	hg.hugetlb_lock.unlock_irq();
	if (count_increased)
		folio_put(head);
	return ret;
}

// Models try_memory_failure_hugetlb() (v5.18). Context: mf_mutex held.
int try_memory_failure_hugetlb(Kernel& k, page* p, int flags, bool* hugetlb)
{
	MM_FRAME("try_memory_failure_hugetlb");
	folio* head = p->head;
	*hugetlb = true;
	int res = get_huge_page_for_hwpoison(k, head, flags);
	if (res == -EBUSY)
		res = get_huge_page_for_hwpoison(k, head, flags); // one retry
	if (res == 2) {
		*hugetlb = false;
		return 0;
	}
	if (res < 0)
		return res;
	folio_lock(head);
	++k.mf().num_poisoned_pages;
	if (res == 0) {
		// A free huge page: PG_hwpoison (set above, under hugetlb_lock) keeps the allocator
		// away; dissolve it, unless every free page is reserved (then it stays in the pool,
		// poisoned: hard offline may break a reservation).
		folio_unlock(head);
		if (!__page_handle_poison(k, p))
			return -EBUSY;
		folio_set_flag(p, PG_hwpoison); // the frame was re-initialised off the allocator
		p->_refcount.fetch_add(1);
		k.mf().poison_refs.push_back(p->pfn);
		return 0;
	}
	if (!hwpoison_user_mappings(k, head, flags)) {
		folio_unlock(head);
		return -EBUSY;
	}
	return me_huge_page(k, p, head);
}

} // namespace

// Models memory_failure() (mm/memory-failure.c, v5.18). Context: may sleep; takes mf_mutex.
// Returns: 0 (contained), -EHWPOISON (already), -EBUSY (not contained), -ENXIO.
int memory_failure(Kernel& k, pfn_t pfn, int flags)
{
	MM_FRAME("memory_failure");
	if (!k.phys().pfn_valid(pfn) || pfn >= k.phys().high_water())
		return -ENXIO;
	memory_failure_state& mf = k.mf();
	mf.mf_mutex.lock();
	mf.hard_errors.push_back(pfn);
	page* p = k.phys().pfn_to_page(pfn);
	bool hugetlb = false;
	int res = try_memory_failure_hugetlb(k, p, flags, &hugetlb);
	if (!hugetlb) {
		if (folio_test_set_flag(p, PG_hwpoison)) {
			res = -EHWPOISON;
		} else if (k.phys().is_free(pfn) && k.phys().take_page_off_buddy(pfn)) {
			++mf.num_poisoned_pages;
			folio_set_flag(p, PG_hwpoison);
			p->_refcount.fetch_add(1);
			mf.poison_refs.push_back(pfn);
			res = 0;
		} else {
			res = -EBUSY; // an in-use small page: not modelled (MF_IGNORED)
		}
		if (flags & MF_COUNT_INCREASED)
			folio_put(p->head);
	}
	mf.mf_mutex.unlock();
	return res;
}

// follow_hugetlb_page() / get_user_pages_fast() of one page for madvise_inject_error(): the
// page p maps at addr, faulted in if needed, with a reference.
// Context: takes mmap_lock for read. Returns: 1, or -EFAULT.
long hugetlb_get_user_page(Kernel& k, process& p, unsigned long addr, page** out)
{
	mm_struct* mm = p.mm;
	mm->mmap_lock.down_read();
	vm_area_struct* vma = vma_lookup(mm, addr);
	if (vma == nullptr || !is_vm_hugetlb_page(vma)) {
		mm->mmap_lock.up_read();
		return vma == nullptr ? -EFAULT : k.get_user_pages(p, addr & PAGE_MASK, 1, FOLL_GET, out);
	}
	for (int tries = 0; tries < 3; ++tries) {
		hugetlb_vma_lock_read(vma);
		pte_t* ptep = hugetlb_walk(vma, addr & HPAGE_MASK);
		folio* f = nullptr;
		if (ptep != nullptr) {
			sim::SpinLock* ptl = huge_pte_lock(ptep);
			pteval_t v = ptep_get(ptep);
			if (pte_present(v)) {
				f = vm_normal_folio(k, v);
				folio_get(f);
			}
			ptl->unlock();
		}
		hugetlb_vma_unlock_read(vma);
		if (f != nullptr) {
			mm->mmap_lock.up_read();
			*out = f;
			return 1;
		}
		if (hugetlb_fault(mm, vma, addr, 0) & VM_FAULT_ERROR)
			break;
	}
	mm->mmap_lock.up_read();
	return -EFAULT;
}

} // namespace mm
