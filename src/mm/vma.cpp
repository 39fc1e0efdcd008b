// Changing a VMA's range in place, as the rmap walkers see it. Models vma_adjust() (mm/mmap.c,
// v2.6.34) for the in-place cases the model has (a split VMA, exec's stack), with the locking
// of each modelled version:
//
//   today  vma_prepare(): i_mmap_rwsem + the root anon_vma's lock, both for write, around the
//          stores (mm/vma.c, v6.x; "mm: always lock the root (oldest) anon_vma", 012f18004da3)
//   2.6.34 (always_lock_root_anon_vma off): i_mmap only; no anon_vma lock at all
//   thread 003 proposals: the VMA's own anon_vma lock (2.6.33, Mel patch 2/3), or every
//          anon_vma lock on its chain (Rik's RFC)
//
// and expand_downwards() (mm/mmap.c), which changes vm_start and vm_pgoff with mmap_lock
// held only for read in the kernel.
//
// Differences: no VMA merging (no `next` to adjust, no `insert`/`importer`), no anon_vma
// interval-tree re-insertion around the stores (the trees are lists here), no stack guard gap.
#include "mm/vma.hpp"

#include "mm/internal.hpp"
#include "mm/rmap.hpp"
#include "sim/engine.hpp"
#include "sim/frame.hpp"

namespace mm {
namespace {

// The stores of one update, in 2.6.34's order (vm_start, vm_end, vm_pgoff). Between the first
// and the last, the VMA is marked half-updated for vma_address()'s check. A field that keeps
// its value is not stored.
void vma_store_range(vm_area_struct* vma, unsigned long start, unsigned long end, pgoff_t pgoff,
		     const char* who)
{
	int left = (vma->vm_start.peek() != start) + (vma->vm_end.peek() != end) +
		   (vma->vm_pgoff.peek() != pgoff);
	auto store = [&](sim::Atomic<unsigned long>& field, unsigned long v) {
		if (field.peek() == v)
			return;
		field.store(v);
		--left;
		vma->adjusting = left > 0 ? sim::current_task_id() : -1;
		vma->adjusting_by = left > 0 ? who : nullptr;
	};
	store(vma->vm_start, start);
	store(vma->vm_end, end);
	store(vma->vm_pgoff, pgoff);
}

} // namespace

// Models vma_adjust() (mm/mmap.c, 2.6.34) / vma_prepare() + vma_complete() (mm/vma.c, v6.x)
// for an in-place change. Context: mmap_lock held for write; takes i_mmap_rwsem and the
// anon_vma lock(s) of the modelled version for write; may sleep.
// Differences: no next/insert/importer/remove_next (no merging here).
void vma_adjust(vm_area_struct* vma, unsigned long start, unsigned long end, pgoff_t pgoff)
{
	MM_FRAME("vma_adjust");
	mm_struct* mm = vma->vm_mm;
	Kernel& k = kernel_of(mm);
	mm->mmap_lock.assert_write_held();
	address_space* mapping = vma->vm_file ? vma->vm_file->f_mapping : nullptr;
	anon_vma* av = vma->anon.peek();
	// Which anon_vma lock keeps rmap walkers out while the fields change.
	const bool all = anon_vma_lock_all_rfc(k);
	const bool own = k.proposal(Proposal::vma_adjust_own_anon_vma_lock) || rmap_walk_trylocks(k);
	const bool none = !all && !own && !k.fixed(Fix::always_lock_root_anon_vma);
	if (mapping)
		mapping->i_mmap_rwsem.down_write();
	if (all)
		anon_vma_lock_all(vma, mm->mmap_lock);
	else if (av != nullptr && !none)
		anon_vma_lock_write(av); // own or root, as anon_vma_lock_root() says
	vma_store_range(vma, start, end, pgoff, "vma_adjust");
	if (all)
		anon_vma_unlock_all(vma);
	else if (av != nullptr && !none)
		anon_vma_unlock_write(av);
	if (mapping)
		mapping->i_mmap_rwsem.up_write();
}

// Models expand_downwards() (mm/mmap.c, v6.x; 2.6.34 took the VMA's own anon_vma lock; Rik's
// RFC v1 took page_table_lock and then every anon_vma lock on the chain, v2/v3
// anon_vma_chain_lock instead of page_table_lock). Context: mmap_lock held; may sleep.
// Returns: 0, -EFAULT, -ENOMEM. Differences: no stack guard gap, no rlimit or accounting.
int expand_downwards(vm_area_struct* vma, unsigned long address)
{
	MM_FRAME("expand_downwards");
	mm_struct* mm = vma->vm_mm;
	Kernel& k = kernel_of(mm);
	address &= PAGE_MASK;
	if (!(vma->flags() & VM_GROWSDOWN))
		return -EFAULT;
	for (vm_area_struct* prev : mm->mmap)
		if (prev != vma && prev->end() > address && prev->start() < vma->start())
			return -ENOMEM;
	if (anon_vma_prepare(vma))
		return -ENOMEM;
	sim::SpinLock* outer = nullptr;
	if (k.proposal(Proposal::anon_vma_lock_all_v1))
		outer = &mm->page_table_lock;
	else if (anon_vma_lock_all_rfc(k))
		outer = &mm->anon_vma_chain_lock;
	if (outer != nullptr) {
		outer->lock();
		anon_vma_lock_all(vma, *outer);
	} else {
		anon_vma_lock_write(vma->anon.peek());
	}
	if (address < vma->start()) {
		unsigned long grow = (vma->start() - address) >> PAGE_SHIFT;
		// Today: page_table_lock keeps two expansions under mmap_lock read apart (the
		// anon_vma lock does not: growable VMAs of one mm need not share a root).
		bool ptl = outer == nullptr && anon_vma_lock_root(k);
		if (ptl)
			mm->page_table_lock.lock();
		vma_store_range(vma, address, vma->end(), vma->vm_pgoff.peek() - grow,
				"expand_downwards");
		if (ptl)
			mm->page_table_lock.unlock();
	}
	if (outer != nullptr) {
		anon_vma_unlock_all(vma);
		outer->unlock();
	} else {
		anon_vma_unlock_write(vma->anon.peek());
	}
	return 0;
}

} // namespace mm
