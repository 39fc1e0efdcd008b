// Changing a VMA's range in place. Models vma_adjust() (mm/mmap.c, v2.6.34) and what replaced it
// (mm/vma.c vma_prepare/vma_complete around vma_expand/vma_shrink/__split_vma, v6.x), and
// expand_downwards() (mm/mmap.c).
#pragma once

#include "mm/kernel.hpp"

namespace mm {

// The stack growth setup_arg_pages() asks for (fs/exec.c: stack_expand, "randomly 32*4k").
inline constexpr unsigned long STACK_EXPAND = 128ul * 1024;
// x86-64 STACK_TOP_MAX (TASK_SIZE_MAX): where exec puts the temporary stack.
inline constexpr unsigned long STACK_TOP_MAX = TASK_SIZE - PAGE_SIZE;

// vma_adjust(): sets vma's vm_start, vm_end and vm_pgoff, each store a scheduling point, under
// the rmap locks the modelled version takes. Context: mmap_lock held for write.
void vma_adjust(vm_area_struct* vma, unsigned long start, unsigned long end, pgoff_t pgoff);
// expand_downwards(): grows a VM_GROWSDOWN VMA down to address. Context: mmap_lock held.
// Returns: 0, -EFAULT (not a stack), -ENOMEM (no room below).
int expand_downwards(vm_area_struct* vma, unsigned long address);

} // namespace mm
