// rmap completeness and migration entries (races.md §3 items 8 and 9, issue #6). Read model
// state with peek() only; raise `invariant` violations naming the objects involved.
//
//   - every present PTE and every migration entry of a live mm is found by the rmap of its
//     page: some VMA of that mm in the page's anon_vma tree (or the file's i_mmap) computes that
//     address from its fields as they are stored now (quiescent points);
//   - when remove_migration_ptes() finds nothing where vma_address() points in a VMA, every
//     migration entry of its page inside that VMA is findable that way (else the walk has just
//     passed it by: the VMA's fields and its page tables disagree, Kamezawa's "(vma, page) <->
//     address <-> pte" relation);
//   - once a migration is over, no migration entry for its page is left anywhere.
#pragma once

#include "mm/kernel.hpp"

namespace check {

// Whether an rmap walk of page p's folio (its anon_vma tree, or its file's i_mmap) would find
// the entry at (mm, addr) now: a VMA of mm in that tree whose vm_start/vm_pgoff/vm_end give
// addr for p's index.
bool rmap_finds(const mm::page& p, const mm::mm_struct& mm, unsigned long addr);
// The present PTE or migration entry v at (mm, va) is found by its page's rmap (called for
// every PTE-level entry by Invariants' table walk at quiescent points).
void check_rmap_entry(const mm::Kernel& k, const mm::mm_struct& mm, unsigned long va, mm::pteval_t v);
// remove_migration_ptes() restoring src's entries, walking `walked`'s rmap, found nothing of
// src in vma at `address` (EFAULT: vma_address() gave none), with that PTE's ptl held.
void check_rmap_miss(const mm::Kernel& k, const mm::folio& walked, const mm::folio& src,
		      const mm::vm_area_struct& vma, unsigned long address);
// The migration of src is over: no migration entry for it anywhere.
void check_migration_end(const mm::Kernel& k, const mm::folio& src);

} // namespace check
