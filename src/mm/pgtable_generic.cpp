// Generic PMD helpers for THP. Models mm/pgtable-generic.c (v6.10): pmdp_collapse_flush,
// pmdp_invalidate, pgtable_trans_huge_deposit/withdraw.
//
// Differences: x86 behaviour only; powerpc's pmdp_collapse_flush() that also IPIs every CPU
// (serialize_against_pte_lookup, 2015) is not modelled: that is the "IPI after the PMD
// clear" of Proposal::collapse_ipi_after_pmd_clear.
#include "mm/huge_mm.hpp"

#include "sim/frame.hpp"

namespace mm {

// Models pmdp_collapse_flush(). Context: the PMD lock held. Returns the old PMD (a table
// pointer).
pteval_t pmdp_collapse_flush(vm_area_struct* vma, unsigned long address, pmd_t* pmdp)
{
	MM_FRAME("pmdp_collapse_flush");
	ptl_of(pmdp)->assert_held();
	pteval_t pmd = ptep_get_and_clear(pmdp); // pmdp_huge_get_and_clear()
	trace_notef("PMD cleared: PTE table pfn %llu unhooked",
		    static_cast<unsigned long long>(pte_pfn(pmd)));
	// flush_tlb_range(): the hardware may cache the PTE table the PMD pointed to. With IPI
	// flushing this also waits for every CPU of mm that has IRQs off, i.e. for GUP-fast.
	flush_tlb_mm_range(vma->vm_mm, address, address + PMD_SIZE);
	trace_notef(kernel_of(vma->vm_mm).config().tlb_flush == TlbFlushMode::broadcast
			    ? "broadcast flush: waits for no CPU"
			    : "IPI flush: every CPU of mm took it");
	return pmd;
}

// Models pmdp_invalidate() (x86: pmdp_establish(pmd_mkinvalid())). Context: the PMD lock
// held. Returns the old (present) PMD.
pteval_t pmdp_invalidate(vm_area_struct* vma, unsigned long address, pmd_t* pmdp)
{
	MM_FRAME("pmdp_invalidate");
	ptl_of(pmdp)->assert_held();
	pteval_t old = pmdp->fetch_and(~_PAGE_PRESENT); // pmdp_establish(pmd_mkinvalid())
	pt_check_live(ptdesc_of(pmdp), "invalidation of a huge PMD");
	flush_tlb_mm_range(vma->vm_mm, address, address + PMD_SIZE);
	return old;
}

// Models pgtable_trans_huge_deposit() (a stack here; FIFO in the kernel: either serves).
// Context: the PMD lock held.
void pgtable_trans_huge_deposit(pmd_t* pmdp, ptdesc* pgtable)
{
	ptdesc* pmd_table = ptdesc_of(pmdp);
	pmd_table->ptl.assert_held();
	pgtable->deposit_next = pmd_table->pmd_huge_pte;
	pmd_table->pmd_huge_pte = pgtable;
}

// Models pgtable_trans_huge_withdraw(). Context: the PMD lock held.
ptdesc* pgtable_trans_huge_withdraw(pmd_t* pmdp)
{
	ptdesc* pmd_table = ptdesc_of(pmdp);
	pmd_table->ptl.assert_held();
	ptdesc* pgtable = pmd_table->pmd_huge_pte;
	if (pgtable == nullptr)
		sim::raise(sim::ViolationKind::invariant,
			   "pgtable_trans_huge_withdraw: no PTE table deposited with the huge PMD");
	pmd_table->pmd_huge_pte = pgtable->deposit_next;
	pgtable->deposit_next = nullptr;
	return pgtable;
}

} // namespace mm
