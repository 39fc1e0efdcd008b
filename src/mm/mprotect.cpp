// mprotect(). Models mm/mprotect.c (v6.x): do_mprotect_pkey, mprotect_fixup,
// change_protection / change_pte_range, with one mmu_gather whose flush happens before the
// syscall drops mmap_lock.
//
// Differences: PROT_NONE is modelled by clearing _PAGE_USER (x86 uses _PAGE_PROTNONE; for a
// user access the effect, a fault, is the same); adding write permission makes a PTE writable
// at once only for shared mappings and exclusive anon pages (can_change_pte_writable), others
// take a write fault; no NUMA hinting, no uffd-wp, no VMA merging.
#include "mm/hugetlb.hpp"
#include "mm/internal.hpp"
#include "mm/huge_mm.hpp"

#include "sim/frame.hpp"

namespace mm {

pteval_t pte_modify(pteval_t pte, unsigned long vm_flags)
{
	if (vm_flags & (VM_READ | VM_WRITE | VM_EXEC))
		pte |= _PAGE_USER;
	else
		pte &= ~_PAGE_USER;
	if (!(vm_flags & VM_WRITE))
		pte = pte_wrprotect(pte);
	return pte;
}

namespace {

bool can_change_pte_writable(Kernel& k, vm_area_struct* vma, pteval_t pte)
{
	if (vma->flags() & VM_SHARED)
		return true;
	page* pg = k.phys().pfn_to_page(pte_pfn(pte));
	return PageAnon(pg) && folio_test(pg, PG_anon_exclusive);
}

// change_pte_range(). Context: mmap_lock held for write; takes the PTE table's ptl.
void change_pte_range(mmu_gather& tlb, vm_area_struct* vma, pmd_t* pmd, unsigned long addr,
		      unsigned long end, unsigned long newflags)
{
	MM_FRAME("change_pte_range");
	mm_struct* mm = vma->vm_mm;
	Kernel& k = kernel_of(mm);
	sim::SpinLock* ptl = nullptr;
	pte_t* pte = pte_offset_map_lock(mm, pmd, addr, &ptl);
	if (pte == nullptr)
		return;
	for (; addr < end; addr += PAGE_SIZE, ++pte) {
		pteval_t old = ptep_get(pte);
		if (pte_none(old))
			continue;
		if (!pte_present(old)) {
			// A writable migration entry must not let the page come back writable.
			if (is_writable_migration_entry(old) && !(newflags & VM_WRITE))
				set_pte_at(pte, make_migration_entry(swp_offset_pfn(old), false));
			continue;
		}
		// ptep_modify_prot_start/commit: clear, then write the new value.
		ptep_get_and_clear(pte);
		pteval_t n = pte_modify(old, newflags);
		if ((newflags & VM_WRITE) && !pte_write(n) && can_change_pte_writable(k, vma, old))
			n = pte_mkwrite(n);
		set_pte_at(pte, n);
		if (n != old)
			tlb_flush_range_add(tlb, addr, PAGE_SIZE);
	}
	ptl->unlock();
}

void change_protection(mmu_gather& tlb, vm_area_struct* vma, unsigned long start,
		       unsigned long end, unsigned long newflags)
{
	MM_FRAME("change_protection");
	for (unsigned long addr = start; addr < end;) {
		unsigned long next = std::min((addr & PMD_MASK) + PMD_SIZE, end);
		pmd_t* pmd = walk_to_pmd(vma->vm_mm, addr, false);
		pteval_t pmdval = pmd != nullptr ? ptep_get(pmd) : 0;
		// change_pmd_range(): a THP changes whole, or is split when only part of it does.
		if (pmd_trans_huge(pmdval) && !(vma->flags() & VM_HUGETLB)) {
			if (next - addr != PMD_SIZE)
				__split_huge_pmd(vma, pmd, addr);
			else if (change_huge_pmd(tlb, vma, pmd, addr, newflags))
				pmdval = 0;
		}
		if (!pte_none(pmdval))
			change_pte_range(tlb, vma, pmd, addr, next, newflags);
		addr = next;
	}
}

} // namespace

// do_mprotect_pkey() without pkeys. Context: mmap_lock held for write.
// Returns: 0, -EINVAL (bad range), -ENOMEM (a hole in the range), -EACCES (no VM_MAY*).
int do_mprotect(mm_struct* mm, unsigned long start, unsigned long len, int prot)
{
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (len == 0)
		return 0;
	len = round_up(len, PAGE_SIZE);
	unsigned long end = start + len;
	if (end <= start || end > TASK_SIZE)
		return -ENOMEM;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	// The whole range must be mapped, without holes.
	unsigned long at = start;
	for (vm_area_struct* vma = find_vma(mm, start); at < end; vma = find_vma(mm, at)) {
		if (vma == nullptr || vma->start() > at)
			return -ENOMEM;
		unsigned long want = calc_vm_prot_bits(prot);
		if ((want & ~(vma->flags() >> 4)) & (VM_READ | VM_WRITE | VM_EXEC))
			return -EACCES;
		at = vma->end();
	}
	if (split_range(mm, start, end))
		return -ENOMEM;
	mmu_gather tlb;
	tlb_gather_mmu(tlb, mm);
	for (vm_area_struct* vma = find_vma(mm, start); vma && vma->start() < end;
	     vma = find_vma(mm, vma->end())) {
		MM_FRAME("mprotect_fixup");
		unsigned long newflags =
			(vma->flags() & ~(VM_READ | VM_WRITE | VM_EXEC)) | calc_vm_prot_bits(prot);
		// vm_flags_reset(): under mmap_lock for write (rmap walkers read it racily).
		vma->vm_flags.store(newflags);
		if (is_vm_hugetlb_page(vma))
			hugetlb_change_protection(vma, vma->start(), vma->end(), newflags);
		else
			change_protection(tlb, vma, vma->start(), vma->end(), newflags);
	}
	tlb_finish_mmu(tlb);
	return 0;
}

} // namespace mm
