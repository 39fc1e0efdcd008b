// execve()'s address-space steps. Models fs/exec.c as of 2.6.34 (bprm_mm_init, __bprm_mm_init,
// copy_strings/get_arg_page, exec_mmap, setup_arg_pages, shift_arg_pages), whose steps are
// unchanged in today's mm/vma_exec.c (create_init_stack_vma, relocate_vma_down, v6.15):
//
//   S1 vma_adjust/vma_expand   vm_start lowered to new_start; vm_pgoff kept, so rmap now
//                              computes the new addresses
//   S2 move_page_tables        the PTEs follow (allocates tables: may sleep)
//   S3 free_pgd_range          the vacated tables go
//   S4 vma_adjust/vma_shrink   vm_end lowered to new_end
//
// Between S1 and S2 rmap and the page tables disagree, and only mmap_lock (which migration
// does not take) is held. Thread 003's fix keeps migration out of the temporary stack
// (VM_STACK_INCOMPLETE_SETUP until setup_arg_pages() is done); the rejected proposals are here
// too: Andrea's anon_vma spinlock across S1-S2, his fake VMA at the old address, Kamezawa's
// unstable_rmap flag (Mel's patch 3/3 lives in move_ptes()).
//
// Differences: the temporary stack is made as large as argv (the kernel grows it page by page
// while copying); copy_strings() faults the pages in and writes the words directly (kmap) rather
// than through GUP; no binfmt, no mprotect_fixup of the final stack flags, no randomisation.
#include "mm/internal.hpp"
#include "mm/rmap.hpp"
#include "mm/vma.hpp"

#include "sim/frame.hpp"

namespace mm {
namespace {

constexpr unsigned long VM_STACK_FLAGS =
	VM_GROWSDOWN | VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

// S3 (and the same in every variant): free the tables the move vacated.
void free_vacated_tables(vm_area_struct* vma, unsigned long old_start, unsigned long old_end,
			 unsigned long new_end)
{
	mm_struct* mm = vma->vm_mm;
	vm_area_struct* next = find_vma(mm, old_end);
	unsigned long ceiling = next ? next->start() : 0;
	mmu_gather tlb;
	tlb_gather_mmu(tlb, mm);
	if (new_end > old_start) // overlapping: clear from new_end
		free_pgd_range(tlb, mm, new_end, old_end, new_end, ceiling);
	else
		free_pgd_range(tlb, mm, old_start, old_end, new_end, ceiling);
	tlb_finish_mmu(tlb);
}

// Andrea's first proposal (thread 003, v2 of 28 Apr 2010): "shift_arg_pages must run atomically
// with respect of rmap_walk, and it's enough to run it under the anon_vma lock". The lock is
// 2.6.34's anon_vma spinlock, and move_page_tables() allocates page tables (Mel: "Both of them
// hold a spinlock (anon_vma->lock) while calling into the page allocator with GFP_KERNEL").
int shift_under_anon_vma_lock(vm_area_struct* vma, unsigned long old_start, unsigned long old_end,
			      unsigned long new_start, unsigned long new_end)
{
	anon_vma* av = vma->anon.peek();
	unsigned long length = old_end - old_start;
	anon_vma_lock_write(av);
	vma->vm_start.store(new_start);
	unsigned long moved = move_page_tables(vma, old_start, vma, new_start, length, false);
	anon_vma_unlock_write(av);
	if (moved != length)
		return -ENOMEM;
	free_vacated_tables(vma, old_start, old_end, new_end);
	vma->vm_end.store(new_end);
	return 0;
}

// Andrea's last proposal (for 2.6.33's anon_vma): a fake VMA with the old vm_start and the same
// vm_pgoff is linked into the anon_vma while the page tables move, "so the pages are reachable
// at all times by the rmap walk". __anon_vma_link() adds it at the tail.
int shift_with_fake_vma(vm_area_struct* vma, unsigned long old_start, unsigned long old_end,
			unsigned long new_start, unsigned long new_end)
{
	mm_struct* mm = vma->vm_mm;
	Kernel& k = kernel_of(mm);
	anon_vma* av = vma->anon.peek();
	unsigned long length = old_end - old_start;
	// Allocated before the spinlock; nobody sees it until it is linked.
	vm_area_struct* tmp = k.vm_area_alloc(mm);
	tmp->vm_start.init(old_start);
	tmp->vm_end.init(old_end);
	tmp->vm_pgoff.init(vma->vm_pgoff.peek());
	tmp->vm_flags.init(vma->flags());
	tmp->anon.init(av);
	anon_vma_chain* avc = k.avc_alloc();
	anon_vma_lock_write(av);
	vma->vm_start.store(new_start);
	anon_vma_chain_link(tmp, avc, av);
	anon_vma_unlock_write(av);
	unsigned long moved = move_page_tables(vma, old_start, vma, new_start, length, false);
	anon_vma_lock_write(av);
	anon_vma_chain_unlink(tmp, avc, av);
	anon_vma_unlock_write(av);
	k.vm_area_free(tmp);
	if (moved != length)
		return -ENOMEM;
	free_vacated_tables(vma, old_start, old_end, new_end);
	vma_adjust(vma, new_start, new_end, vma->vm_pgoff.peek());
	return 0;
}

// Models shift_arg_pages() (fs/exec.c, 2.6.34; relocate_vma_down() in mm/vma_exec.c, v6.15:
// vma_expand, move_page_tables, free_pgd_range, vma_shrink).
// Context: mmap_lock held for write; may sleep. Returns: 0, -EFAULT, -ENOMEM (no rollback:
// "on failure we rely on process cleanup to remove whatever mess we made").
int shift_arg_pages(vm_area_struct* vma, unsigned long shift)
{
	MM_FRAME("shift_arg_pages");
	mm_struct* mm = vma->vm_mm;
	Kernel& k = kernel_of(mm);
	unsigned long old_start = vma->start();
	unsigned long old_end = vma->end();
	unsigned long length = old_end - old_start;
	unsigned long new_start = old_start - shift;
	unsigned long new_end = old_end - shift;
	// Nothing may lie between where the stack goes and where it is.
	if (vma != find_vma(mm, new_start))
		return -EFAULT;
	if (k.proposal(Proposal::shift_arg_pages_anon_vma_lock))
		return shift_under_anon_vma_lock(vma, old_start, old_end, new_start, new_end);
	if (k.proposal(Proposal::exec_fake_temporary_vma))
		return shift_with_fake_vma(vma, old_start, old_end, new_start, new_end);
	// S1: cover the whole range [new_start, old_end).
	vma_adjust(vma, new_start, old_end, vma->vm_pgoff.peek());
	// S2: move the page tables downwards.
	if (move_page_tables(vma, old_start, vma, new_start, length, false) != length)
		return -ENOMEM;
	// S3
	free_vacated_tables(vma, old_start, old_end, new_end);
	// S4: shrink the vma to just the new range.
	vma_adjust(vma, new_start, new_end, vma->vm_pgoff.peek());
	return 0;
}

} // namespace

// Models do_execveat_common() up to the point of no return: bprm_mm_init(), copy_strings(),
// exec_mmap() (fs/exec.c, 2.6.34 and v6.x alike). Context: process context, no locks held;
// may sleep. Returns: 0, -EINVAL, -ENOMEM.
int Kernel::exec_begin(process& p, const std::vector<std::uint64_t>& argv)
{
	MM_FRAME("do_execveat_common");
	if (argv.empty())
		return -EINVAL;
	mm_struct* mm = mm_alloc(p.name);
	if (mm == nullptr)
		return -ENOMEM;
	// __bprm_mm_init(): the temporary stack at the top of the address space. Its flags say
	// it is not set up yet, which is what migration tests for.
	vm_area_struct* vma = nullptr;
	{
		MM_FRAME("__bprm_mm_init");
		mm->mmap_lock.down_write();
		vma = vm_area_alloc(mm);
		vma->vm_end.init(STACK_TOP_MAX);
		vma->vm_start.init(STACK_TOP_MAX - argv.size() * PAGE_SIZE);
		vma->vm_pgoff.init(vma->start() >> PAGE_SHIFT);
		vma->vm_flags.init(VM_STACK_FLAGS | VM_STACK_INCOMPLETE_SETUP);
		vma_link(mm, vma);
		// Kamezawa: "prevent rmap_walk, try_to_unmap() etc..until we get fixed rmap".
		if (proposal(Proposal::unstable_rmap))
			vma->unstable_rmap.store(1);
		mm->mmap_lock.up_write();
	}
	// copy_strings(): get_arg_page() faults each page in, then the words are written in.
	for (std::size_t i = 0; i < argv.size(); ++i) {
		MM_FRAME("copy_strings");
		unsigned long pos = vma->start() + i * PAGE_SIZE;
		mm->mmap_lock.down_read();
		vm_fault_t r = handle_mm_fault(vma, pos, FAULT_FLAG_WRITE);
		folio* f = nullptr;
		if (!(r & VM_FAULT_ERROR)) {
			pmd_t* pmd = walk_to_pmd(mm, pos, false);
			sim::SpinLock* ptl = nullptr;
			if (pte_t* pte = pmd ? pte_offset_map_lock(mm, pmd, pos, &ptl) : nullptr) {
				pteval_t v = ptep_get(pte);
				if (pte_present(v)) {
					f = vm_normal_folio(*this, v);
					folio_get(f);
				}
				ptl->unlock();
			}
		}
		mm->mmap_lock.up_read();
		if (f == nullptr) {
			mmput(mm);
			return -ENOMEM;
		}
		f->data.store(argv[i]);
		folio_put(f);
	}
	// exec_mmap(): the point of no return. The old mm goes with its last user.
	MM_FRAME("exec_mmap");
	mm_struct* old = p.mm;
	p.mm = mm;
	observer_commit(*this, 0);
	mmput(old);
	return 0;
}

// Models setup_arg_pages() (fs/exec.c, 2.6.34 with a8bef8ff6ea1; v6.x has the same order).
// Context: process context; takes mmap_lock for write; may sleep. Returns: 0 or -errno.
// Differences: no mprotect_fixup to the final stack flags, no executable-stack handling.
int Kernel::exec_setup_arg_pages(process& p, unsigned long stack_top)
{
	MM_FRAME("setup_arg_pages");
	mm_struct* mm = p.mm;
	stack_top = round_up(stack_top, PAGE_SIZE);
	mm->mmap_lock.down_write();
	vm_area_struct* vma = find_vma(mm, STACK_TOP_MAX - 1);
	int ret = 0;
	if (vma == nullptr || stack_top > vma->end() || stack_top < vma->end() - vma->start()) {
		ret = -EINVAL;
	} else {
		unsigned long stack_shift = vma->end() - stack_top;
		if (stack_shift != 0)
			ret = shift_arg_pages(vma, stack_shift);
	}
	if (ret == 0) {
		// "mprotect_fixup is overkill to remove the temporary stack flags"
		vma->vm_flags.store(vma->flags() & ~VM_STACK_INCOMPLETE_SETUP);
		if (expand_downwards(vma, vma->start() - STACK_EXPAND) != 0)
			ret = -EFAULT;
	}
	if (vma != nullptr && proposal(Proposal::unstable_rmap))
		vma->unstable_rmap.store(0);
	observer_commit(*this, ret);
	mm->mmap_lock.up_write();
	return ret;
}

} // namespace mm
