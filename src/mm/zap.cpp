// Zapping user mappings. Models mm/memory.c (v6.x): zap_pte_range, zap_pmd_range ..
// unmap_page_range, unmap_vmas, zap_page_range_single, unmap_mapping_range.
//
// Differences: hugetlb VMAs go to __unmap_hugepage_range() (hugetlb_unmap.cpp); THP PMDs go to
// zap_huge_pmd() or are split (huge_memory.cpp); no rss counters; the walk goes PMD by PMD from
// the top instead of level by level.
#include "mm/hugetlb.hpp"
#include "mm/internal.hpp"
#include "mm/huge_mm.hpp"
#include "sim/frame.hpp"

#include <algorithm>

namespace mm {

namespace {

// zap_skip_check_mapping(): with details, leave pages that are not the file's (anon COW
// copies) unless even_cows.
bool zap_skip(const zap_details* details, const folio* f)
{
	if (details == nullptr || details->even_cows)
		return false;
	return f->mapping != details->mapping;
}

// zap_pte_range() for the part of [addr, end) inside one PTE table.
// Context: mmap_lock held (read or write) or the mm is dying; takes the PTE table's ptl.
void zap_pte_range(mmu_gather& tlb, vm_area_struct* vma, pmd_t* pmd, unsigned long addr,
		   unsigned long end, const zap_details* details)
{
	MM_FRAME("zap_pte_range");
	mm_struct* mm = vma->vm_mm;
	Kernel& k = kernel_of(mm);
	sim::SpinLock* ptl = nullptr;
	pte_t* pte = pte_offset_map_lock(mm, pmd, addr, &ptl);
	if (pte == nullptr)
		return;
	for (; addr < end; addr += PAGE_SIZE, ++pte) {
		pteval_t v = ptep_get(pte);
		if (pte_none(v))
			continue;
		if (pte_present(v)) {
			// The page's mapcount, the folio's reference (a PTE-mapped THP has many pages).
			page* pg = k.phys().pfn_to_page(pte_pfn(v));
			folio* f = page_folio(pg);
			if (zap_skip(details, f))
				continue;
			ptep_get_and_clear(pte);
			tlb_flush_range_add(tlb, addr, PAGE_SIZE);
			if (!k.mutant(Mutant::zap_skips_mapcount))
				folio_remove_rmap_pte(pg, vma);
			// The mapping's reference is dropped only after the TLB flush.
			tlb_remove_page(tlb, f);
			continue;
		}
		// Migration and hwpoison entries hold no reference: just clear them. A zap
		// limited to file pages leaves them (they stand for anon or poisoned pages).
		if (details != nullptr && !details->even_cows)
			continue;
		ptep_get_and_clear(pte);
	}
	ptl->unlock();
}

} // namespace

void unmap_page_range(mmu_gather& tlb, vm_area_struct* vma, unsigned long start,
		      unsigned long end, const zap_details* details)
{
	MM_FRAME("unmap_page_range");
	mm_struct* mm = vma->vm_mm;
	for (unsigned long addr = start; addr < end;) {
		unsigned long next = std::min((addr & PMD_MASK) + PMD_SIZE, end);
		pmd_t* pmd = walk_to_pmd(mm, addr, false);
		pteval_t pmdval = pmd != nullptr ? ptep_get(pmd) : 0;
		// zap_pmd_range(): a THP is zapped whole, or split when only part of it goes;
		// if it stopped being huge meanwhile, its PTEs are zapped.
		if (pmd_trans_huge(pmdval) && !(vma->flags() & VM_HUGETLB)) {
			if (next - addr != PMD_SIZE)
				__split_huge_pmd(vma, pmd, addr);
			else if (zap_huge_pmd(tlb, vma, pmd, addr))
				pmdval = 0;
		}
		if (!pte_none(pmdval))
			zap_pte_range(tlb, vma, pmd, addr, next, details);
		addr = next;
	}
}

void unmap_vmas(mmu_gather& tlb, mm_struct* mm, const std::vector<vm_area_struct*>& vmas,
		unsigned long start, unsigned long end)
{
	MM_FRAME("unmap_vmas");
	(void)mm;
	for (vm_area_struct* vma : vmas) {
		unsigned long s = std::max(start, vma->start());
		unsigned long e = std::min(end, vma->end());
		if (s < e && is_vm_hugetlb_page(vma))
			__unmap_hugepage_range_final(tlb, vma, s, e, nullptr,
						     ZAP_FLAG_DROP_MARKER | ZAP_FLAG_UNMAP);
		else if (s < e)
			unmap_page_range(tlb, vma, s, e);
	}
}

// zap_page_range_single(). Context: mmap_lock or i_mmap_rwsem held, so the VMA is stable.
void zap_page_range_single(vm_area_struct* vma, unsigned long start, unsigned long end,
			   const zap_details* details)
{
	MM_FRAME("zap_page_range_single");
	mmu_gather tlb;
	tlb_gather_mmu(tlb, vma->vm_mm);
	if (is_vm_hugetlb_page(vma))
		__unmap_hugepage_range_final(tlb, vma, start, end, nullptr, 0);
	else
		unmap_page_range(tlb, vma, start, end, details);
	tlb_finish_mmu(tlb);
}

// unmap_mapping_range(). Context: may sleep; takes i_mmap_rwsem for read. Walks every VMA
// mapping the file (any mm) and zaps the part that maps [start, end).
void unmap_mapping_range(address_space* mapping, pgoff_t start, pgoff_t end, bool even_cows)
{
	MM_FRAME("unmap_mapping_range");
	zap_details details{mapping, even_cows};
	mapping->i_mmap_rwsem.down_read();
	for (vm_area_struct* vma : mapping->i_mmap) {
		// unmap_mapping_range_tree(): the VMA's file range clipped to [start, end).
		pgoff_t vba = vma->vm_pgoff.peek();
		pgoff_t vea = vba + ((vma->end() - vma->start()) >> PAGE_SHIFT);
		pgoff_t zba = std::max(start, vba);
		pgoff_t zea = std::min(end, vea);
		if (zba >= zea)
			continue;
		zap_page_range_single(vma, vma->start() + ((zba - vba) << PAGE_SHIFT),
				      vma->start() + ((zea - vba) << PAGE_SHIFT), &details);
	}
	mapping->i_mmap_rwsem.up_read();
}

} // namespace mm
