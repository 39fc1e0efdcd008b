// rmap_walk and the migration unmap walk. Models mm/rmap.c (v6.x): vma_address,
// rmap_walk_anon, rmap_walk_file, try_to_migrate, try_to_migrate_one, invalid_migration_vma;
// with the 2.6.34 code of thread 003 behind the switches: vma_address() reads the VMA's
// fields under whatever the walk holds, and Mel's trylock-and-restart walk.
//
// Rule (Andrea, thread 003): rmap must find every PTE mapping a page at every instant between
// the unmap walk and the remap walk of a migration. A miss by try_to_migrate() is benign (the
// migration fails); a miss by remove_migration_ptes() leaves a migration entry behind.
//
// Differences: the interval trees are insertion-ordered lists; the walk visits every AVC and
// skips a VMA whose range does not hold the page (2.6.34's list walk; the interval tree only
// returns those that do). try_to_migrate goes through rmap_walk, as it has since v3.13, so
// Mel's trylock applies to both walks (2.6.34's try_to_unmap_anon had its own loop). No KSM,
// no large folios, no mmu notifiers.
#include "mm/internal.hpp"
#include "mm/hex.hpp"
#include "mm/rmap.hpp"

#include "sim/engine.hpp"
#include "sim/frame.hpp"
#include "sim/irq.hpp"

#include <cstdio>

namespace mm {
namespace {

// races.md §3 item 22: a walker must never see some but not all of the stores of an update
// of vm_start/vm_end/vm_pgoff. The updater marks the VMA between its first and last store.
void check_half_updated(const vm_area_struct* vma, const char* field)
{
	int self = sim::current_task_id();
	if (vma->adjusting < 0 || vma->adjusting == self) [[likely]]
		return;
	sim::raise(sim::ViolationKind::invariant,
		   "rmap walk on CPU " + std::to_string(self) + " read " + field + " of vma " +
			   hex(vma->vm_start.peek()) + " (" + vma->vm_mm->name + ") while " +
			   (vma->adjusting_by ? vma->adjusting_by : "an update") + " on CPU " +
			   std::to_string(vma->adjusting) + " had stored only part of vm_start/vm_end/vm_pgoff",
		   {"vma_address() then computes an address from half-old, half-new fields: the walk "
		    "can miss the PTE (a migration entry left behind)",
		    "the walker and the updater must hold one common lock (the root anon_vma's)"});
}

bool folio_not_mapped(folio* f)
{
	return !folio_mapped(f);
}

bool invalid_migration_vma(vm_area_struct* vma)
{
	return vma_is_temporary_stack(vma);
}

// One VMA of the walk. Returns true to stop the walk.
bool rmap_visit(Kernel& k, folio* f, vm_area_struct* vma, rmap_walk_control& rwc)
{
	if (rwc.invalid_vma && rwc.invalid_vma(vma))
		return false;
	bool refused = false;
	unsigned long address = vma_address(k, f, vma, &refused);
	if (rwc.restore_src != nullptr) {
		if (address == EFAULT_ADDR)
			if (AccessObserver* o = k.observer())
				o->on_rmap_miss(*f, *rwc.restore_src, *vma, address);
		if (refused)
			sim::raise(sim::ViolationKind::assertion,
				   "remove_migration_ptes(): rmap_walk() could not compute the address of pfn " +
					   std::to_string(rwc.restore_src->pfn) + " in vma " +
					   hex(vma->vm_start.peek()) + " (" + vma->vm_mm->name +
					   "), whose rmap is marked unstable: a walk that must not fail failed",
				   {"remove_migration_ptes() has no error path: it must examine every VMA that may "
				    "hold one of its migration entries (Andrea: \"returning -EFAULT is not "
				    "solution for things that cannot fail\")"});
	}
	if (address == EFAULT_ADDR)
		return false;
	if (!rwc.rmap_one(k, f, vma, address, rwc.arg))
		return true;
	return rwc.done && rwc.done(f);
}

// Models rmap_walk_anon() (mm/rmap.c, v6.x; Mel's patch 2/3 restart behind its switch).
// Context: f locked, so f->anon is stable (the caller pins the anon_vma); takes the anon_vma
// lock for read for the whole walk.
// Differences: with the trylock proposal the restart calls cpu_relax(): the walk spins until
// the other lock is free, and the explorer treats a spin as waiting for another CPU to run.
void rmap_walk_anon(Kernel& k, folio* f, rmap_walk_control& rwc)
{
	MM_FRAME("rmap_walk_anon");
	anon_vma* av = f->anon;
	if (av == nullptr)
		return;
	for (;;) {
		anon_vma_lock_read(av);
		bool restart = false;
		bool stop = false;
		auto& l = av->rb_root;
		for (std::size_t i = 0; i < l.size() && !stop; ++i) {
			vm_area_struct* vma = l[i]->vma;
			// Mel's patch 2/3: a VMA whose own anon_vma is not the one we hold may be
			// changing under that other lock; lock it too, but never spin on it while
			// holding ours (the locks have no order): on contention, back off and restart.
			anon_vma* other = nullptr;
			if (rmap_walk_trylocks(k)) {
				anon_vma* own = vma->anon.load();
				if (own != nullptr && own != av) {
					if (!own->lock.trylock()) {
						restart = true;
						break;
					}
					other = own;
				}
			}
			stop = rmap_visit(k, f, vma, rwc);
			if (other != nullptr)
				other->lock.unlock();
		}
		anon_vma_unlock_read(av);
		if (!restart)
			return;
		++k.rmap_walk_restarts;
		// The walk spins until the other lock is free: let the other CPUs run.
		sim::cpu_relax();
	}
}

// Models rmap_walk_file() (mm/rmap.c, v6.x). Context: f locked, so f->mapping is stable;
// takes i_mmap_rwsem for read.
void rmap_walk_file(Kernel& k, folio* f, rmap_walk_control& rwc)
{
	MM_FRAME("rmap_walk_file");
	address_space* mapping = f->mapping;
	if (mapping == nullptr)
		return;
	mapping->i_mmap_rwsem.down_read();
	auto& l = mapping->i_mmap;
	for (std::size_t i = 0; i < l.size(); ++i)
		if (rmap_visit(k, f, l[i], rwc))
			break;
	mapping->i_mmap_rwsem.up_read();
}

// Models try_to_migrate_one() (mm/rmap.c, v6.x). Context: the anon_vma or i_mmap lock held;
// takes the PTE's ptl; flushes the TLB (an IPI) under it. Returns: true (go on with the walk).
// Differences: order-0 folios only; no mmu notifiers, no device-private or hugetlb entries.
bool try_to_migrate_one(Kernel& k, folio* f, vm_area_struct* vma, unsigned long address, void*)
{
	MM_FRAME("try_to_migrate_one");
	mm_struct* mm = vma->vm_mm;
	pmd_t* pmd = walk_to_pmd(mm, address, false);
	if (pmd == nullptr || pte_none(ptep_get(pmd)))
		return true;
	sim::SpinLock* ptl = nullptr;
	pte_t* pte = pte_offset_map_lock(mm, pmd, address, &ptl);
	if (pte == nullptr)
		return true;
	// page_vma_mapped_walk(): is f mapped here?
	pteval_t v = ptep_get(pte);
	if (!pte_present(v) || pte_pfn(v) != f->pfn) {
		ptl->unlock();
		return true;
	}
	// ptep_clear_flush(): no CPU may write f through an old TLB entry once it is copied.
	ptep_get_and_clear(pte);
	flush_tlb_mm_range(mm, address, address + PAGE_SIZE);
	// An exclusive anon page stays exclusive through a readable-exclusive or writable
	// entry; remove_migration_pte() gives the flag to the new page.
	unsigned type = SWP_MIGRATION_READ;
	if (pte_write(v))
		type = SWP_MIGRATION_WRITE;
	else if (PageAnon(f) && folio_test(f, PG_anon_exclusive))
		type = SWP_MIGRATION_READ_EXCLUSIVE;
	if (PageAnon(f) && folio_test(f, PG_anon_exclusive))
		folio_clear_flag(f, PG_anon_exclusive);
	set_pte_at(pte, swp_entry(type, f->pfn));
	folio_remove_rmap_pte(f, vma);
	ptl->unlock();
	folio_put(f); // the mapping's reference; the migration holds its own
	(void)k;
	return true;
}

} // namespace

bool folio_mapped(folio* f)
{
	return f->_mapcount.load() >= 0;
}

bool vma_is_temporary_stack(vm_area_struct* vma)
{
	unsigned long flags = vma->vm_flags.load();
	if (!(flags & VM_GROWSDOWN))
		return false;
	return (flags & VM_STACK_INCOMPLETE_SETUP) == VM_STACK_INCOMPLETE_SETUP;
}

// Models vma_address() (mm/internal.h, v6.x; 2.6.34 mm/rmap.c, and Kamezawa's unstable_rmap
// behind its switch). Context: the caller holds the lock it believes protects the fields;
// check_half_updated() catches a walker that holds the wrong one. Returns: the address, or
// EFAULT_ADDR (2.6.34's -EFAULT; today the interval tree returns only VMAs that hold it).
unsigned long vma_address(Kernel& k, const folio* f, vm_area_struct* vma, bool* refused)
{
	MM_FRAME("vma_address");
	if (k.proposal(Proposal::unstable_rmap) && vma->unstable_rmap.load() != 0) {
		// Kamezawa's flag: "while this is not 0, objrmap is not trustable".
		*refused = true;
		return EFAULT_ADDR;
	}
	unsigned long start = vma->vm_start.load();
	check_half_updated(vma, "vm_start");
	pgoff_t pgoff = vma->vm_pgoff.load();
	check_half_updated(vma, "vm_pgoff");
	unsigned long end = vma->vm_end.load();
	check_half_updated(vma, "vm_end");
	unsigned long address = start + ((f->index - pgoff) << PAGE_SHIFT);
	if (address < start || address >= end)
		return EFAULT_ADDR;
	return address;
}

// Models rmap_walk() (mm/rmap.c, v6.x): no KSM.
void rmap_walk(Kernel& k, folio* f, rmap_walk_control& rwc)
{
	if (PageAnon(f))
		rmap_walk_anon(k, f, rwc);
	else
		rmap_walk_file(k, f, rwc);
}

// Models try_to_migrate() (mm/rmap.c, v6.x). Context: f locked; may sleep. The temporary-stack
// skip is a8bef8ff6ea1 (thread 003): "During exec, a
// temporary VMA is setup and later moved. The VMA is moved under the anon_vma lock but not the
// page tables", so rmap cannot find the entries there until setup_arg_pages() is done.
void try_to_migrate(Kernel& k, folio* f)
{
	MM_FRAME("try_to_migrate");
	rmap_walk_control rwc;
	rwc.rmap_one = try_to_migrate_one;
	rwc.done = folio_not_mapped;
	// The exec proposals stand in for the skip (fixed() is false with one on).
	if (PageAnon(f) && k.fixed(Fix::migrate_skip_temporary_stack))
		rwc.invalid_vma = invalid_migration_vma;
	rmap_walk(k, f, rwc);
}

} // namespace mm
