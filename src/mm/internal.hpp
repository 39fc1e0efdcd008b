// Model functions shared between mm/ files (as mm/internal.h in the kernel). Each carries the
// kernel's name; see the .cpp for its Context: and Differences: notes.
#pragma once

#include "mm/kernel.hpp"
#include "sim/engine.hpp"

namespace mm {

// ---- page-table walk and allocation (pgalloc.cpp) ----
pgd_t* pgd_offset(mm_struct* mm, unsigned long addr);
// Reads the upper entry once; nullptr if it is not a table pointer.
pud_t* pud_offset(pgd_t* pgd, unsigned long addr);
pmd_t* pmd_offset(pud_t* pud, unsigned long addr);
pte_t* pte_offset_map(pmd_t* pmd, unsigned long addr);
// pte_offset_map_lock(): maps and locks the PTE table; nullptr if the PMD is not a table (any
// more). Re-checks the PMD under the lock, as v6.5+ does.
pte_t* pte_offset_map_lock(mm_struct* mm, pmd_t* pmd, unsigned long addr, sim::SpinLock** ptlp,
			   int subclass = 0);
pud_t* pud_alloc(mm_struct* mm, pgd_t* pgd, unsigned long addr);
pmd_t* pmd_alloc(mm_struct* mm, pud_t* pud, unsigned long addr);
// __pte_alloc(): makes sure *pmd points to a PTE table. Returns false on -ENOMEM.
bool pte_alloc(mm_struct* mm, pmd_t* pmd, unsigned long addr);
// The PMD entry for addr, allocating upper tables; nullptr on -ENOMEM or (no alloc) absent.
pmd_t* walk_to_pmd(mm_struct* mm, unsigned long addr, bool alloc);
// The table a table-pointer entry points to, with the Kernel found from the entry's table.
ptdesc* entry_table_of(const pte_slot* upper, pteval_t v);

// ---- VMAs (mmap.cpp) ----
vm_area_struct* find_vma(mm_struct* mm, unsigned long addr);
vm_area_struct* vma_lookup(mm_struct* mm, unsigned long addr);
void vma_link(mm_struct* mm, vm_area_struct* vma);
void vma_unlink(mm_struct* mm, vm_area_struct* vma);
// Splits `vma` at addr; the new VMA covers [addr, end) when new_below is false.
int split_vma(mm_struct* mm, vm_area_struct* vma, unsigned long addr, bool new_below);
// Splits at start and end so that [start, end) is covered by whole VMAs.
int split_range(mm_struct* mm, unsigned long start, unsigned long end);
unsigned long get_unmapped_area(mm_struct* mm, unsigned long len, unsigned long align);
int do_munmap(mm_struct* mm, unsigned long start, unsigned long len);
long do_mmap(mm_struct* mm, file* f, unsigned long addr, unsigned long len, int prot, int flags,
	     unsigned long pgoff);
bool vma_is_anonymous(const vm_area_struct* vma);
// is_cow_mapping(): private and may become writable.
bool is_cow_mapping(unsigned long flags);
// exit_mmap(): tear down every mapping of a dying mm. Context: no mmap_lock on entry.
void exit_mmap(mm_struct* mm);
// mmget_not_zero() / mmput(): the last mmput runs exit_mmap and frees the mm.
bool mmget_not_zero(mm_struct* mm);
void mmput(mm_struct* mm);

// ---- faults (memory.cpp) ----
vm_fault_t handle_mm_fault(vm_area_struct* vma, unsigned long addr, unsigned flags);
// The folio a present leaf entry maps.
folio* vm_normal_folio(Kernel& k, pteval_t v);

// ---- zap and teardown (zap.cpp, pgfree.cpp) ----
// struct zap_details: which pages a zap may drop. Without it, all.
struct zap_details {
	const address_space* mapping = nullptr; // only pages of this file (and, with even_cows,
	bool even_cows = false;                 // also private COW copies of them)
};
// unmap_page_range() for [start, end) of vma: clears leaves, drops rmap, queues pages.
void unmap_page_range(mmu_gather& tlb, vm_area_struct* vma, unsigned long start,
		      unsigned long end, const zap_details* details = nullptr);
void unmap_vmas(mmu_gather& tlb, mm_struct* mm, const std::vector<vm_area_struct*>& vmas,
		unsigned long start, unsigned long end);
// zap_page_range_single(): zap [start, end) of one VMA with its own mmu_gather.
void zap_page_range_single(vm_area_struct* vma, unsigned long start, unsigned long end,
			   const zap_details* details = nullptr);
// free_pgtables(): unlinks `vmas` from rmap (anon_vma, i_mmap) and frees the page tables under
// them that no VMA outside [floor, ceiling) still needs.
void free_pgtables(mmu_gather& tlb, mm_struct* mm, const std::vector<vm_area_struct*>& vmas,
		   unsigned long floor, unsigned long ceiling);
void free_pgd_range(mmu_gather& tlb, mm_struct* mm, unsigned long addr, unsigned long end,
		    unsigned long floor, unsigned long ceiling);
void unlink_file_vma(vm_area_struct* vma);

// ---- fork (fork.cpp) ----
int dup_mmap(mm_struct* mm, mm_struct* oldmm);
int copy_page_range(vm_area_struct* dst, vm_area_struct* src);

// ---- mprotect, mremap, madvise (mprotect.cpp, mremap.cpp, madvise.cpp) ----
// pte_modify(): pte with the user and write permissions of vm_flags (never adds write).
pteval_t pte_modify(pteval_t pte, unsigned long vm_flags);
int do_mprotect(mm_struct* mm, unsigned long start, unsigned long len, int prot);
long do_mremap(mm_struct* mm, unsigned long addr, unsigned long old_len, unsigned long new_len,
	       int flags, unsigned long new_addr);
// move_page_tables(): moves the entries of [old_addr, old_addr + len) of vma to new_addr in
// new_vma. Returns the bytes moved (less on -ENOMEM). Used by mremap and exec (issue #6).
unsigned long move_page_tables(vm_area_struct* vma, unsigned long old_addr,
			       vm_area_struct* new_vma, unsigned long new_addr, unsigned long len,
			       bool need_rmap_locks);
// cond_resched(): may schedule, so it must not be called in atomic context (might_sleep).
inline void cond_resched()
{
	if (sim::Engine* e = sim::Engine::active())
		e->might_sleep("cond_resched()");
}
int do_madvise(mm_struct* mm, unsigned long start, unsigned long len, int advice);

// ---- user access (user.cpp) ----
// do_user_addr_fault(): the page-fault handler for a user access. Takes mmap_lock for read.
vm_fault_t do_user_addr_fault(mm_struct* mm, unsigned long addr, bool write, bool* bad_area);

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

// ---- page cache (filemap.cpp, truncate.cpp) ----
// The page-cache folio at index with a reference for the caller; allocated (zeroed, as tmpfs
// does) if absent and `create`. nullptr if absent and !create, or on -ENOMEM.
folio* filemap_get_folio(address_space* mapping, pgoff_t index, bool create);
// filemap_get_folios(): appends the cached folios of [start, end) (in pages) to batch, each
// with a reference for the caller.
void filemap_get_folios(address_space* mapping, pgoff_t start, pgoff_t end,
			std::vector<folio*>& batch);
// unmap_mapping_range(): zap every mapping of file pages [start, end) (in pages), including
// private COW copies when even_cows.
void unmap_mapping_range(address_space* mapping, pgoff_t start, pgoff_t end, bool even_cows);
// filemap_remove_folio(): f leaves the cache (the cache's reference stays with the caller).
// Context: f locked.
void filemap_remove_folio(address_space* mapping, folio* f);
// Removes pages [start, end) from the cache (truncate_inode_pages_range).
void truncate_inode_pages_range(address_space* mapping, pgoff_t start, pgoff_t end);

} // namespace mm
