// Model functions shared between mm/ files (as mm/internal.h in the kernel). Each carries the
// kernel's name; see the .cpp for its Context: and Differences: notes.
#pragma once

#include "mm/kernel.hpp"

namespace mm {

// ---- page-table walk and allocation (memory.cpp) ----
pgd_t* pgd_offset(mm_struct* mm, unsigned long addr);
// Reads the upper entry once; nullptr if it is not a table pointer.
pud_t* pud_offset(pgd_t* pgd, unsigned long addr);
pmd_t* pmd_offset(pud_t* pud, unsigned long addr);
pte_t* pte_offset_map(pmd_t* pmd, unsigned long addr);
// pte_offset_map_lock(): maps and locks the PTE table; nullptr if the PMD is not a table (any
// more). Re-checks the PMD under the lock, as v6.5+ does.
pte_t* pte_offset_map_lock(mm_struct* mm, pmd_t* pmd, unsigned long addr, sim::SpinLock** ptlp);
pud_t* pud_alloc(mm_struct* mm, pgd_t* pgd, unsigned long addr);
pmd_t* pmd_alloc(mm_struct* mm, pud_t* pud, unsigned long addr);
// __pte_alloc(): makes sure *pmd points to a PTE table. Returns false on -ENOMEM.
bool pte_alloc(mm_struct* mm, pmd_t* pmd, unsigned long addr);
// The PMD entry for addr, allocating upper tables; nullptr on -ENOMEM.
pmd_t* walk_to_pmd(mm_struct* mm, unsigned long addr, bool alloc);

// ---- VMAs (mmap.cpp) ----
vm_area_struct* find_vma(mm_struct* mm, unsigned long addr);
vm_area_struct* vma_lookup(mm_struct* mm, unsigned long addr);
void vma_link(mm_struct* mm, vm_area_struct* vma);
void vma_unlink(mm_struct* mm, vm_area_struct* vma);
// Splits `vma` at addr; the new VMA covers [addr, end) when new_below is false.
int split_vma(mm_struct* mm, vm_area_struct* vma, unsigned long addr, bool new_below);
unsigned long get_unmapped_area(mm_struct* mm, unsigned long len, unsigned long align);
int do_munmap(mm_struct* mm, unsigned long start, unsigned long len);
long do_mmap(mm_struct* mm, file* f, unsigned long addr, unsigned long len, int prot, int flags,
	     unsigned long pgoff);
bool vma_is_anonymous(const vm_area_struct* vma);

// ---- faults (memory.cpp) ----
vm_fault_t handle_mm_fault(vm_area_struct* vma, unsigned long addr, unsigned flags);

// ---- zap and teardown (memory.cpp) ----
// unmap_page_range() for [start, end) of vma: clears leaves, drops rmap, queues pages.
void unmap_page_range(mmu_gather& tlb, vm_area_struct* vma, unsigned long start,
		      unsigned long end);
void unmap_vmas(mmu_gather& tlb, mm_struct* mm, const std::vector<vm_area_struct*>& vmas,
		unsigned long start, unsigned long end);
// free_pgtables(): unlinks `vmas` from rmap (anon_vma, i_mmap) and frees the page tables under
// them that no VMA outside [floor, ceiling) still needs.
void free_pgtables(mmu_gather& tlb, mm_struct* mm, const std::vector<vm_area_struct*>& vmas,
		   unsigned long floor, unsigned long ceiling);
void free_pgd_range(mmu_gather& tlb, mm_struct* mm, unsigned long addr, unsigned long end,
		    unsigned long floor, unsigned long ceiling);
void unlink_file_vma(vm_area_struct* vma);
// copy_page_range() for fork (fork.cpp).
int copy_page_range(vm_area_struct* dst, vm_area_struct* src);

// ---- rmap (rmap.cpp) ----
int anon_vma_prepare(vm_area_struct* vma);
int anon_vma_fork(vm_area_struct* dst, vm_area_struct* src);
// anon_vma_clone(): attach dst to every anon_vma of src (VMA split, mremap, fork).
int anon_vma_clone(vm_area_struct* dst, vm_area_struct* src);
void unlink_anon_vmas(vm_area_struct* vma);
void put_anon_vma(anon_vma* av);
void folio_add_new_anon_rmap(folio* f, vm_area_struct* vma, unsigned long addr);
void folio_add_anon_rmap_pte(folio* f, vm_area_struct* vma, unsigned long addr);
void folio_add_file_rmap_pte(folio* f, vm_area_struct* vma);
void folio_remove_rmap_pte(folio* f, vm_area_struct* vma);
void vma_interval_tree_insert(vm_area_struct* vma, address_space* mapping);
void vma_interval_tree_remove(vm_area_struct* vma, address_space* mapping);
// linear_page_index(): the page index of addr in vma.
pgoff_t linear_page_index(const vm_area_struct* vma, unsigned long addr);

// ---- page cache (filemap.cpp) ----
// filemap_fault() core: the locked? no: referenced page at index, allocated if absent.
folio* filemap_get_folio(address_space* mapping, pgoff_t index, bool create);
// Removes pages from the cache (truncate).
void truncate_inode_pages_range(address_space* mapping, pgoff_t start, pgoff_t end);

} // namespace mm
