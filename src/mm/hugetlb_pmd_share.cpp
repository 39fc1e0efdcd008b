// hugetlb page tables and PMD sharing. Models mm/hugetlb.c (v6.1, torvalds/linux 0010b838db9f):
// huge_pte_offset, huge_pte_alloc, want_pmd_share, page_table_shareable, huge_pmd_share,
// huge_pmd_unshare, hugetlb_unshare_pmds; include/linux/hugetlb.h hugetlb_walk (v6.2) and the
// v6.13 independent PMD share count (ptdesc_pmd_pts_*: ptdesc::pt_share_count).
//
// Processes mapping the same hugetlbfs range MAP_SHARED with 1 GiB-aligned, 1 GiB-covering VMAs
// and equal flags point their PUD entries at one PMD table. Who may touch it when:
//
//   share   (huge_pmd_share)    i_mmap_rwsem read, the sharer's vma lock read (fault path)
//   unshare (huge_pmd_unshare)  i_mmap_rwsem write and the unsharer's vma lock write
//   free    (free_pgtables)     only once unshared by every other sharer; the last user frees it
//                               under its own mmap_lock after unlink_file_vma() (i_mmap write)
//
// A walker of a shareable VMA must hold its vma lock (no unshare can happen) or i_mmap_rwsem (an
// unshare may happen but no free can, because freeing needs i_mmap_rwsem for write first): the
// v6.2 hugetlb_walk() rule (seed 002).
#include "mm/hugetlb.hpp"

#include "mm/internal.hpp"
#include "sim/frame.hpp"
#include "sim/irq.hpp"
#include "sim/rcu.hpp"

#include <algorithm>

namespace mm {
namespace {

bool held_by_current(const sim::LockBase& l)
{
	int id = sim::current_task_id();
	if (id < 0)
		return l.held();
	return l.owner == id || (l.readers & (sim::TaskMask(1) << id)) != 0;
}

bool range_in_vma(const vm_area_struct* vma, unsigned long start, unsigned long end)
{
	return vma->start() <= start && end <= vma->end();
}

// page_table_shareable(): svma's address for file page idx if its PMD table could serve vma at
// addr, else 0. Context: i_mmap_rwsem held, which keeps svma's range and flags stable.
unsigned long page_table_shareable(const vm_area_struct* svma, const vm_area_struct* vma,
				   unsigned long addr, pgoff_t idx)
{
	unsigned long saddr = ((idx - svma->vm_pgoff.peek()) << PAGE_SHIFT) + svma->start();
	unsigned long sbase = saddr & PUD_MASK;
	unsigned long s_end = sbase + PUD_SIZE;
	// Same virtual offset within the PUD, same permissions, the whole PUD range inside svma,
	// and svma has a vma lock (a dying VMA has lost it since the 2012 fix's v6.1 form).
	if (pmd_index(addr) != pmd_index(saddr) || vma->flags() != svma->flags() ||
	    !range_in_vma(svma, sbase, s_end) || svma->vm_private_data == nullptr)
		return 0;
	return saddr;
}

bool covers_pgoff(const vm_area_struct* v, pgoff_t idx)
{
	pgoff_t first = v->vm_pgoff.peek();
	return idx >= first && idx < first + ((v->end() - v->start()) >> PAGE_SHIFT);
}

bool is_dying(hugetlb_globals& hg, const vm_area_struct* vma)
{
	return std::find(hg.dying.begin(), hg.dying.end(), vma) != hg.dying.end();
}

} // namespace

sim::SpinLock* huge_pte_lock(pte_t* ptep)
{
	sim::SpinLock* ptl = ptl_of(ptep);
	ptl_lock(ptl, ptep);
	return ptl;
}

// Models huge_pte_offset() (mm/hugetlb.c, v6.1, CONFIG_ARCH_WANT_GENERAL_HUGETLB): walk to the
// PMD entry of addr. Context: no lock of its own; see hugetlb_walk() for what the caller needs.
// Returns: the entry, or nullptr if there is no PMD table.
pte_t* huge_pte_offset(mm_struct* mm, unsigned long addr)
{
	pgd_t* pgd = pgd_offset(mm, addr);
	pteval_t v = ptep_get(pgd);
	if (!pte_present(v))
		return nullptr;
	ptdesc* pudt = entry_table_of(pgd, v);
	pud_t* pud = &pudt->entries[static_cast<std::size_t>(pud_index(addr))];
	v = ptep_get(pud);
	if (!pte_present(v) || pte_huge(v))
		return nullptr;
	ptdesc* pmdt = entry_table_of(pud, v);
	return &pmdt->entries[static_cast<std::size_t>(pmd_index(addr))];
}

// Models hugetlb_walk() (include/linux/hugetlb.h, v6.2): huge_pte_offset() for a VMA whose tables
// may be shared, with the rule asserted that made the walk safe (seed 002). With the fix off this
// is v6.1's bare huge_pte_offset(); under Peter Xu's RFC an RCU reader is enough too.
pte_t* hugetlb_walk(vm_area_struct* vma, unsigned long addr)
{
	MM_FRAME("hugetlb_walk");
	Kernel& k = kernel_of(vma->vm_mm);
	bool rcu_rule = k.proposal(Proposal::hugetlb_walk_rcu);
	bool lock_rule = k.fixed(Fix::hugetlb_walk_lock);
	if ((rcu_rule || lock_rule) && __vma_shareable_lock(vma)) {
		auto* vma_lock = static_cast<hugetlb_vma_lock*>(vma->vm_private_data);
		bool ok = held_by_current(vma_lock->rw_sema) ||
			  held_by_current(vma->vm_file->f_mapping->i_mmap_rwsem) ||
			  (rcu_rule && sim::rcu_read_lock_held());
		if (!ok)
			sim::raise(sim::ViolationKind::assertion,
				   "hugetlb_walk() of a shareable VMA of " + vma->vm_mm->name +
					   " without its vma lock or i_mmap_rwsem (WARN_ON_ONCE)",
				   {"an unlocked walker can land in a PMD table that truncate or hole punch "
				    "unshares and the last sharer frees"});
	}
	return huge_pte_offset(vma->vm_mm, addr);
}

// Models want_pmd_share() (mm/hugetlb.c, v6.1).
bool want_pmd_share(const vm_area_struct* vma, unsigned long addr)
{
	unsigned long start = addr & PUD_MASK;
	unsigned long end = start + PUD_SIZE;
	if (!(vma->flags() & VM_MAYSHARE))
		return false;
	if (vma->vm_private_data == nullptr) // vma lock required for sharing
		return false;
	return range_in_vma(vma, start, end);
}

// Models huge_pmd_share() (mm/hugetlb.c, v6.1 with the v6.13 share count): find a VMA of another
// process mapping the same file range whose PMD table can serve us, point our PUD at it, and
// return our PMD entry (allocating a table of our own if nobody had one).
// Context: mmap_lock read and our vma lock read (fault path) held; takes i_mmap_rwsem for read,
// then the shared table's ptl. May sleep (pmd_alloc).
// Differences: under Mel Gorman's 2012 RFC (Proposal::hugetlb_pmd_share_trylock) the partner's
// mmap_lock is trylocked for read before its tables are used, and on failure everything is
// dropped and the search starts again; the RFC's exact shape is inferred from the thread.
pte_t* huge_pmd_share(mm_struct* mm, vm_area_struct* vma, unsigned long addr, pud_t* pud)
{
	MM_FRAME("huge_pmd_share");
	Kernel& k = kernel_of(mm);
	hugetlb_globals& hg = hugetlb_of(k);
	address_space* mapping = vma->vm_file->f_mapping;
	pgoff_t idx = ((addr - vma->start()) >> PAGE_SHIFT) + vma->vm_pgoff.peek();
	pte_t* spte = nullptr;
	mm_struct* smm = nullptr;
	for (;;) {
		mapping->i_mmap_rwsem.down_read();
		bool retry = false;
		for (vm_area_struct* svma : mapping->i_mmap) {
			if (svma == vma || !covers_pgoff(svma, idx))
				continue;
			unsigned long saddr = page_table_shareable(svma, vma, addr, idx);
			if (saddr == 0)
				continue;
			if (k.proposal(Proposal::hugetlb_pmd_share_trylock) && svma->vm_mm != mm) {
				// The RFC: hold the partner's mmap_sem so that it cannot be in teardown.
				// A trylock, since the partner may be trying to share with us.
				if (!svma->vm_mm->mmap_lock.down_read_trylock()) {
					retry = true;
					break;
				}
				smm = svma->vm_mm;
			}
			spte = hugetlb_walk(svma, saddr);
			if (spte != nullptr) {
				// ptdesc_pmd_pts_inc() (v6.13); get_page() on the table page before that.
				ptdesc_of(spte)->pt_share_count.inc();
				if (is_dying(hg, svma)) {
					hg.shared_with_dying.emplace_back(svma, mm);
					if (sim::tracing())
						sim::trace_note("partner VMA is being torn down");
				}
				break;
			}
			if (smm != nullptr) {
				smm->mmap_lock.up_read();
				smm = nullptr;
			}
		}
		if (!retry)
			break;
		mapping->i_mmap_rwsem.up_read();
		sim::cpu_relax();
	}
	if (spte != nullptr) {
		ptdesc* shared = ptdesc_of(spte);
		sim::SpinLock* ptl = huge_pte_lock(spte);
		if (pte_none(ptep_get(pud))) {
			// pud_populate(): our PUD now points at the shared table.
			set_pte_at(pud, (static_cast<pteval_t>(shared->frame->pfn) << PAGE_SHIFT) | _PAGE_TABLE);
		} else {
			shared->pt_share_count.dec(); // someone populated our PUD meanwhile
		}
		ptl->unlock();
	}
	pte_t* pte = pmd_alloc(mm, pud, addr);
	if (smm != nullptr)
		smm->mmap_lock.up_read();
	mapping->i_mmap_rwsem.up_read();
	return pte;
}

// Models huge_pmd_unshare() (mm/hugetlb.c, v6.1 with the v6.13 share count): if our PMD table is
// shared, clear our PUD entry and drop our share.
// Context: i_mmap_rwsem held for write, the vma lock held, the table's ptl held.
// Returns: 1 if we unshared (the caller skips the PUD range and must flush it before it drops
// i_mmap_rwsem), 0 if the table is ours alone.
// Differences: v6.16 also waits here for GUP-fast walkers (tlb_remove_table_sync_one); GUP-fast
// comes with issue #7.
int huge_pmd_unshare(mm_struct* mm, vm_area_struct* vma, unsigned long addr, pte_t* ptep)
{
	MM_FRAME("huge_pmd_unshare");
	vma->vm_file->f_mapping->i_mmap_rwsem.assert_write_held();
	hugetlb_vma_assert_locked(vma);
	ptdesc* pmdt = ptdesc_of(ptep);
	if (pmdt->pt_share_count.load() == 0)
		return 0;
	pgd_t* pgd = pgd_offset(mm, addr);
	ptdesc* pudt = entry_table_of(pgd, ptep_get(pgd));
	pud_t* pud = &pudt->entries[static_cast<std::size_t>(pud_index(addr))];
	ptep_get_and_clear(pud); // pud_clear()
	pmdt->pt_share_count.dec();
	return 1;
}

// The ptl + huge_pmd_unshare() + unlock step of __unmap_hugepage_range(),
// hugetlb_change_protection() and hugetlb_unshare_pmds() (mm/hugetlb.c, v6.1).
// Context: as huge_pmd_unshare(). Returns: true if the table was shared and is no longer ours.
bool huge_pmd_unshare_locked(mm_struct* mm, vm_area_struct* vma, unsigned long addr, pte_t* ptep)
{
	sim::SpinLock* ptl = huge_pte_lock(ptep);
	bool unshared = huge_pmd_unshare(mm, vma, addr, ptep) != 0;
	ptl->unlock();
	return unshared;
}

// Models huge_pte_alloc() (mm/hugetlb.c, v6.1, CONFIG_ARCH_WANT_GENERAL_HUGETLB): the PMD entry
// for addr, sharing a PMD table when possible. Context: may sleep.
// Returns: the entry, or nullptr on -ENOMEM.
pte_t* huge_pte_alloc(mm_struct* mm, vm_area_struct* vma, unsigned long addr)
{
	MM_FRAME("huge_pte_alloc");
	pgd_t* pgd = pgd_offset(mm, addr);
	pud_t* pud = pud_alloc(mm, pgd, addr);
	if (pud == nullptr)
		return nullptr;
	pte_t* pte = nullptr;
	if (want_pmd_share(vma, addr) && pte_none(ptep_get(pud)))
		pte = huge_pmd_share(mm, vma, addr, pud);
	else
		pte = pmd_alloc(mm, pud, addr);
	if (pte != nullptr) {
		pteval_t v = ptep_get(pte);
		if (pte_present(v) && !pte_huge(v))
			sim::raise(sim::ViolationKind::assertion,
				   "huge_pte_alloc: a PTE table under a hugetlb VMA of " + mm->name +
					   " (BUG_ON(pte && pte_present(*pte) && !pte_huge(*pte)))");
	}
	return pte;
}

// Models hugetlb_unshare_pmds() (mm/hugetlb.c, v6.1): unshare every PMD table of [start, end)
// (PUD-aligned) of vma. Context: mmap_lock held for write; may sleep.
void hugetlb_unshare_pmds(vm_area_struct* vma, unsigned long start, unsigned long end)
{
	if (!(vma->flags() & VM_MAYSHARE) || start >= end)
		return;
	MM_FRAME("hugetlb_unshare_pmds");
	mm_struct* mm = vma->vm_mm;
	address_space* mapping = vma->vm_file->f_mapping;
	hugetlb_vma_lock_write(vma);
	mapping->i_mmap_rwsem.down_write();
	for (unsigned long address = start; address < end; address += PUD_SIZE) {
		pte_t* ptep = hugetlb_walk(vma, address);
		if (ptep == nullptr)
			continue;
		huge_pmd_unshare_locked(mm, vma, address, ptep);
	}
	// flush_hugetlb_tlb_range(): before i_mmap_rwsem goes, after which the last sharer may free
	// the table.
	flush_tlb_mm_range(mm, start, end);
	mapping->i_mmap_rwsem.up_write();
	hugetlb_vma_unlock_write(vma);
}

// Dbg: races.md §3 item 23. free_pgtables() of a dying hugetlb VMA: none of its tables may have
// been taken by huge_pmd_share() after its final unmap began.
void hugetlb_free_pgtables_check(vm_area_struct* vma)
{
	hugetlb_globals& hg = hugetlb_of(kernel_of(vma->vm_mm));
	for (const auto& [svma, sharer] : hg.shared_with_dying) {
		if (svma != vma)
			continue;
		// A step of free_pgtables() (this check has no frame of its own) so that the trace
		// shows where the table goes: is_vm_hugetlb_page() read again. It exists only in
		// schedules about to raise, so it changes no clean schedule.
		(void)vma->vm_flags.load();
		sim::raise(sim::ViolationKind::invariant,
			   "huge_pmd_share() gave " + sharer->name + " the PMD table of a VMA of " +
				   vma->vm_mm->name +
				   " whose final unmap had begun; free_pgtables() now frees that table",
			   {"a sharing partner must never be a VMA whose teardown has begun: the zap left "
			    "its PMD table linked for free_pgtables(), which frees it without looking at "
			    "other mms (races.md §2.1, §3 item 23)"});
	}
}

} // namespace mm
