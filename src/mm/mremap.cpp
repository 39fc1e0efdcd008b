// mremap(). Models mm/mremap.c (v6.x): do_mremap / mremap_to / move_vma / copy_vma and
// move_page_tables / move_ptes with the kernel's lock order
//
//   mmap_lock (write) -> i_mmap_rwsem -> anon_vma->rwsem -> old ptl -> new ptl (nested)
//
// and the TLB flush of the old range before the old ptl is dropped, so no CPU keeps using an
// old translation once the entry lives at its new address.
//
// Differences: the rmap locks are taken when copy_vma says so (need_rmap_locks); with no VMA
// merging the new VMA is always fresh, linked after the old one, so that is never (the
// rmap-order argument of issue #6). No PMD-level moves (move_normal_pmd, move_huge_pmd: a
// THP is split and moved by PTEs), no VM_ACCOUNT,
// no MREMAP_DONTUNMAP; a failed move is not rolled back (it only fails on -ENOMEM).
#include "mm/hugetlb.hpp"
#include "mm/internal.hpp"
#include "mm/huge_mm.hpp"
#include "mm/migrate.hpp"
#include "mm/rmap.hpp"

#include "sim/frame.hpp"

namespace mm {
namespace {

// take_rmap_locks() / drop_rmap_locks().
void take_rmap_locks(vm_area_struct* vma)
{
	if (vma->vm_file)
		vma->vm_file->f_mapping->i_mmap_rwsem.down_write();
	if (anon_vma* av = vma->anon.peek())
		anon_vma_lock_write(av);
}

void drop_rmap_locks(vm_area_struct* vma)
{
	if (anon_vma* av = vma->anon.peek())
		anon_vma_unlock_write(av);
	if (vma->vm_file)
		vma->vm_file->f_mapping->i_mmap_rwsem.up_write();
}

// Mel's patch 3/3 (thread 003, a proposal): a migration entry that move_ptes() meets is
// restored by hand, with the page it names as both old and new page, before the move goes on.
// "In this context, we cannot call migration_entry_wait() as we are racing with migration":
// so it takes a reference on that page and locks it, whatever state the page is in by then.
void restore_straggler(vm_area_struct* vma, unsigned long addr, pteval_t entry)
{
	Kernel& k = kernel_of(vma->vm_mm);
	folio* f = page_folio(k.phys().pfn_to_page(swp_offset_pfn(entry)));
	folio_get(f);
	folio_lock(f);
	remove_migration_pte(k, vma, addr, f, f);
	folio_unlock(f);
	folio_put(f);
}

// move_ptes(). Context: mmap_lock held for write; the new PTE table exists.
void move_ptes(vm_area_struct* vma, pmd_t* old_pmd, unsigned long old_addr,
	       unsigned long old_end, pmd_t* new_pmd, unsigned long new_addr,
	       bool need_rmap_locks)
{
	MM_FRAME("move_ptes");
	mm_struct* mm = vma->vm_mm;
	const bool clean_migration = kernel_of(mm).proposal(Proposal::move_ptes_remove_migration_ptes);
	const unsigned long first = old_addr;
restart:
	if (need_rmap_locks)
		take_rmap_locks(vma);
	sim::SpinLock* old_ptl = nullptr;
	pte_t* old_pte = pte_offset_map_lock(mm, old_pmd, old_addr, &old_ptl);
	if (old_pte == nullptr) {
		if (need_rmap_locks)
			drop_rmap_locks(vma);
		return;
	}
	pte_t* new_pte = pte_offset_map(new_pmd, new_addr);
	sim::SpinLock* new_ptl = ptl_of(new_pte);
	if (new_ptl != old_ptl)
		ptl_lock(new_ptl, new_pte, 1);
	bool force_flush = false;
	pteval_t straggler = 0;
	for (; old_addr < old_end; old_addr += PAGE_SIZE, new_addr += PAGE_SIZE, ++old_pte, ++new_pte) {
		pteval_t pte = ptep_get(old_pte);
		if (pte_none(pte))
			continue;
		if (clean_migration && is_migration_entry(pte)) {
			straggler = pte;
			break;
		}
		pte = ptep_get_and_clear(old_pte);
		// A present entry may be cached by other CPUs under its old address.
		if (pte_present(pte))
			force_flush = true;
		set_pte_at(new_pte, pte);
	}
	if (force_flush)
		flush_tlb_mm_range(mm, first, old_end);
	if (new_ptl != old_ptl)
		new_ptl->unlock();
	old_ptl->unlock();
	if (need_rmap_locks)
		drop_rmap_locks(vma);
	if (straggler != 0) {
		restore_straggler(vma, old_addr, straggler);
		goto restart;
	}
}

} // namespace

// move_page_tables(). Context: mmap_lock held for write; may sleep (table allocations and
// cond_resched() in the loop, as in every version since 2.6). Returns: the bytes moved.
unsigned long move_page_tables(vm_area_struct* vma, unsigned long old_addr,
			       vm_area_struct* new_vma, unsigned long new_addr, unsigned long len,
			       bool need_rmap_locks)
{
	MM_FRAME("move_page_tables");
	mm_struct* mm = vma->vm_mm;
	unsigned long old_end = old_addr + len;
	unsigned long start = old_addr;
	unsigned long extent = 0;
	for (; old_addr < old_end; old_addr += extent, new_addr += extent) {
		cond_resched();
		extent = ((old_addr & PMD_MASK) + PMD_SIZE) - old_addr;
		extent = std::min(extent, old_end - old_addr);
		extent = std::min(extent, ((new_addr & PMD_MASK) + PMD_SIZE) - new_addr);
		pmd_t* old_pmd = walk_to_pmd(mm, old_addr, false);
		pteval_t pmdval = old_pmd != nullptr ? ptep_get(old_pmd) : 0;
		if (pte_none(pmdval))
			continue;
		// A THP moves as PTEs (no move_huge_pmd() in the model).
		if (pmd_trans_huge(pmdval) && !(vma->flags() & VM_HUGETLB))
			__split_huge_pmd(vma, old_pmd, old_addr);
		pmd_t* new_pmd = walk_to_pmd(new_vma->vm_mm, new_addr, true);
		if (new_pmd == nullptr || !pte_alloc(new_vma->vm_mm, new_pmd, new_addr))
			break;
		move_ptes(vma, old_pmd, old_addr, old_addr + extent, new_pmd, new_addr,
			  need_rmap_locks);
	}
	return old_addr - start;
}

namespace {

// copy_vma(): the VMA that will map the moved range, linked into the tree and i_mmap.
vm_area_struct* copy_vma(vm_area_struct* vma, unsigned long addr, unsigned long new_addr,
			 unsigned long len, bool* need_rmap_locks)
{
	mm_struct* mm = vma->vm_mm;
	Kernel& k = kernel_of(mm);
	vm_area_struct* n = k.vm_area_alloc(mm);
	n->vm_start.init(new_addr);
	n->vm_end.init(new_addr + len);
	n->vm_pgoff.init(vma->vm_pgoff.peek() + ((addr - vma->start()) >> PAGE_SHIFT));
	n->vm_flags.init(vma->flags());
	n->vm_file = vma->vm_file;
	n->vm_private_data = vma->vm_private_data;
	n->anon.init(vma->anon.peek());
	if (anon_vma_clone(n, vma) != 0)
		return nullptr;
	vma_link(mm, n);
	// A fresh VMA sits after the old one in every rmap tree: a walker sees the old PTEs
	// before the new ones, so moving them needs no rmap locks.
	*need_rmap_locks = false;
	return n;
}

long move_vma(vm_area_struct* vma, unsigned long old_addr, unsigned long old_len,
	      unsigned long new_len, unsigned long new_addr)
{
	MM_FRAME("move_vma");
	mm_struct* mm = vma->vm_mm;
	bool need_rmap_locks = false;
	vm_area_struct* new_vma = copy_vma(vma, old_addr, new_addr, new_len, &need_rmap_locks);
	if (new_vma == nullptr)
		return -ENOMEM;
	unsigned long moved = move_page_tables(vma, old_addr, new_vma, new_addr, old_len,
					       need_rmap_locks);
	if (moved < old_len)
		return -ENOMEM;
	// The old range now maps nothing: unmapping it frees only VMAs and tables.
	if (int r = do_munmap(mm, old_addr, old_len))
		return r;
	return static_cast<long>(new_addr);
}

bool vma_expandable(mm_struct* mm, vm_area_struct* vma, unsigned long delta)
{
	unsigned long end = vma->end() + delta;
	if (end < vma->end() || end > TASK_SIZE)
		return false;
	vm_area_struct* next = find_vma(mm, vma->end());
	return next == nullptr || next->start() >= end;
}

// vma_expand() of vm_end, with the rmap locks of vma_prepare() held over the store.
void vma_expand_end(vm_area_struct* vma, unsigned long end)
{
	MM_FRAME("vma_expand");
	take_rmap_locks(vma);
	vma->vm_end.store(end);
	drop_rmap_locks(vma);
}

long mremap_to(mm_struct* mm, unsigned long addr, unsigned long old_len,
	       unsigned long new_addr, unsigned long new_len)
{
	if ((new_addr & ~PAGE_MASK) || new_addr + new_len > TASK_SIZE || new_addr + new_len < new_addr)
		return -EINVAL;
	// The two ranges must not overlap.
	if (addr + old_len > new_addr && new_addr + new_len > addr)
		return -EINVAL;
	if (int r = do_munmap(mm, new_addr, new_len))
		return r;
	if (old_len > new_len) {
		if (int r = do_munmap(mm, addr + new_len, old_len - new_len))
			return r;
		old_len = new_len;
	}
	vm_area_struct* vma = vma_lookup(mm, addr);
	if (vma == nullptr || addr + old_len > vma->end())
		return -EFAULT;
	return move_vma(vma, addr, old_len, new_len, new_addr);
}

} // namespace

// do_mremap() (SYSCALL mremap body). Context: mmap_lock held for write.
long do_mremap(mm_struct* mm, unsigned long addr, unsigned long old_len, unsigned long new_len,
	       int flags, unsigned long new_addr)
{
	MM_FRAME("do_mremap");
	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	old_len = round_up(old_len, PAGE_SIZE);
	new_len = round_up(new_len, PAGE_SIZE);
	if (new_len == 0 || old_len == 0)
		return -EINVAL;
	// Moving hugetlb VMAs is not modelled (the kernel moves them since v5.16, never resizes).
	if (vm_area_struct* v = vma_lookup(mm, addr); v != nullptr && is_vm_hugetlb_page(v))
		return -EINVAL;
	if (flags & MREMAP_FIXED)
		return mremap_to(mm, addr, old_len, new_addr, new_len);
	if (old_len >= new_len) {
		if (old_len != new_len)
			if (int r = do_munmap(mm, addr + new_len, old_len - new_len))
				return r;
		return static_cast<long>(addr);
	}
	vm_area_struct* vma = vma_lookup(mm, addr);
	if (vma == nullptr || addr + old_len > vma->end())
		return -EFAULT;
	if (old_len == vma->end() - addr && vma_expandable(mm, vma, new_len - old_len)) {
		vma_expand_end(vma, addr + new_len);
		return static_cast<long>(addr);
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	unsigned long to = get_unmapped_area(mm, new_len, PAGE_SIZE);
	if (to == 0)
		return -ENOMEM;
	return move_vma(vma, addr, old_len, new_len, to);
}

} // namespace mm
