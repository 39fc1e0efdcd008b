// GUP-fast: a lockless walk of the current mm's page tables with IRQs off. Models the
// "Fast GUP" part of mm/gup.c (v6.10 names: gup_fast, gup_fast_pgd_range ..
// gup_fast_pte_range, gup_fast_pmd_leaf, try_grab_folio_fast; code read in the v6.0
// version, CachyOS/linux 055d1afd, where they are gup_pte_range & co.).
//
// What makes it safe (the 2014 thread, races.md §2.2):
//   - IRQs off: an IPI TLB flush cannot complete while we walk, so with IPI flushing no
//     page or table we saw can be freed under us; IRQs off is also an RCU read side, so a
//     table freed by RCU (MMU_GATHER_RCU_TABLE_FREE) stays readable until we finish;
//   - increment-unless-zero, then recheck the entry: with broadcast flushing a page can be
//     freed and reused while we hold a stale PTE value; a reference taken on it is undone
//     when the recheck sees the PTE changed (Fix::gup_fast_speculative_ref);
//   - recheck the PMD too: khugepaged unhooks the whole PTE table before it checks for
//     pins, and the stale table still holds the old PTEs (Fix::gup_fast_pmd_recheck).
//
// Differences: no hugepd, PUD leaves, devmap or special PTEs; no FOLL_LONGTERM checks; a
// hugetlb PMD leaf falls back to the slow path, which refuses it (gup.cpp).
#include "mm/gup.hpp"

#include "mm/huge_mm.hpp"
#include "sim/frame.hpp"
#include "sim/irq.hpp"

namespace mm {
namespace {

// Models try_grab_folio_fast(). Context: IRQs off. The page may be freed (refcount 0) or
// freed and reused under us: only an increment-unless-zero may touch it.
// Returns: the folio with the references taken, or nullptr.
folio* try_grab_folio_fast(page* pg, int refs, unsigned flags)
{
	for (;;) {
		folio* f = page_folio(pg);
		// folio_ref_try_add(): add unless zero.
		if (!f->_refcount.add_unless(refs, 0))
			return nullptr;
		// The page may have become part of another folio since we looked it up.
		if (page_folio(pg) == f) {
			if (flags & FOLL_PIN)
				folio_ref_add(f, refs * (GUP_PIN_COUNTING_BIAS - 1));
			return f;
		}
		folio_put_refs(f, refs);
	}
}

// Without Fix::gup_fast_speculative_ref the reference is x86's own GUP-fast one
// (arch/x86/mm/gup.c before 2017): try_grab_folio()'s plain increment. It cannot fail, so it
// may revive a page that was just freed; only an IPI flush that waits for this CPU's IRQ-off
// section keeps the page from being freed before it happens.

// Models gup_fast_pte_range(). Context: IRQs off; the PTE table comes from the PMD value
// read once (pte_offset_map(&pmd, addr)), never from a re-read of *pmdp.
// Returns: true if every page of [addr, end) was taken (pages[*nr..] filled).
bool gup_fast_pte_range(Kernel& k, pteval_t pmd, pmd_t* pmdp, unsigned long addr,
			unsigned long end, unsigned flags, page** pages, int* nr)
{
	MM_FRAME("gup_fast_pte_range");
	ptdesc* pt = entry_table(k.pgtables(), pmd);
	pte_t* ptep = &pt->entries[static_cast<std::size_t>(pte_index(addr))];
	// Andrea's 2014 proposals stand in for the PMD recheck (fixed() is false with one on):
	// collapse itself excludes us.
	const bool recheck_pmd = k.fixed(Fix::gup_fast_pmd_recheck);
	for (; addr != end; addr += PAGE_SIZE, ++ptep) {
		pteval_t pte = ptep_get(ptep); // ptep_get_lockless()
		if (!pte_access_permitted(pte, flags & FOLL_WRITE))
			return false;
		trace_notef("pte -> pfn %llu", static_cast<unsigned long long>(pte_pfn(pte)));
		page* pg = k.phys().pfn_to_page(pte_pfn(pte));
		if (!k.fixed(Fix::gup_fast_speculative_ref)) {
			try_grab_folio(pg, 1, flags);
			pages[(*nr)++] = pg;
			continue;
		}
		folio* f = try_grab_folio_fast(pg, 1, flags);
		if (f == nullptr)
			return false;
		//   CPU0 (GUP-fast)                       CPU1 (collapse_huge_page)
		//   pmd = READ_ONCE(*pmdp)
		//                                         pmdp_collapse_flush(): *pmdp = none
		//                                         __collapse_huge_page_isolate():
		//                                           refcount == mapcount: no pin, go
		//   pte = READ_ONCE(*ptep)   (stale table, PTE still there)
		//   try_grab_folio_fast()
		//   recheck pte: same -> success          __collapse_huge_page_copy(): copy,
		//                                         then clear the PTE: too late
		// Collapse writes the PMD, then reads refcounts; we write the refcount, then read
		// the PMD: one of us sees the other.
		if ((recheck_pmd && ptep_get(pmdp) != pmd) || ptep_get(ptep) != pte) {
			trace_notef("changed: back off");
			gup_put_folio(f, 1, flags);
			return false;
		}
		trace_notef("%s unchanged: keep pfn %llu", recheck_pmd ? "pmd and pte" : "pte",
			    static_cast<unsigned long long>(pg->pfn));
		if (!pte_write(pte) && gup_must_unshare(flags, pg)) {
			gup_put_folio(f, 1, flags);
			return false;
		}
		pages[(*nr)++] = pg;
	}
	return true;
}

// Models gup_fast_pmd_leaf(): a PMD-mapped THP.
bool gup_fast_pmd_leaf(Kernel& k, pteval_t orig, pmd_t* pmdp, unsigned long addr,
		       unsigned long end, unsigned flags, page** pages, int* nr)
{
	MM_FRAME("gup_fast_pmd_leaf");
	if (!pte_access_permitted(orig, flags & FOLL_WRITE))
		return false;
	// GUP of hugetlb pages is not modelled (the pin checks know THPs only): the slow path
	// refuses them.
	if (folio_test(k.phys().pfn_to_page(pte_pfn(orig))->head, PG_hugetlb))
		return false;
	int refs = static_cast<int>((end - addr) >> PAGE_SHIFT);
	page* pg = k.phys().pfn_to_page(pte_pfn(orig) + ((addr & ~PMD_MASK) >> PAGE_SHIFT));
	folio* f = k.fixed(Fix::gup_fast_speculative_ref) ? try_grab_folio_fast(pg, refs, flags)
							   : try_grab_folio(pg, refs, flags);
	if (f == nullptr)
		return false;
	if (k.fixed(Fix::gup_fast_speculative_ref) && ptep_get(pmdp) != orig) {
		gup_put_folio(f, refs, flags);
		return false;
	}
	if (!pte_write(orig) && gup_must_unshare(flags, f)) {
		gup_put_folio(f, refs, flags);
		return false;
	}
	for (int i = 0; i < refs; ++i)
		pages[(*nr)++] = pg + i;
	return true;
}

// Models gup_fast_pgd_range() .. gup_fast_pmd_range(): one READ_ONCE per level; each lower
// table is found from the value read, as pud_offset_lockless()/pmd_offset_lockless() do.
void gup_fast_pgd_range(mm_struct* mm, unsigned long addr, unsigned long end, unsigned flags,
			page** pages, int* nr)
{
	Kernel& k = kernel_of(mm);
	Pgtables& pts = k.pgtables();
	for (unsigned long next; addr != end; addr = next) {
		next = std::min((addr & PMD_MASK) + PMD_SIZE, end);
		pteval_t pgd = ptep_get(pgd_offset(mm, addr));
		if (pte_none(pgd))
			return;
		ptdesc* pudt = entry_table(pts, pgd);
		pud_t* pudp = &pudt->entries[static_cast<std::size_t>(pud_index(addr))];
		pteval_t pud = ptep_get(pudp);
		if (!pte_present(pud) || pte_huge(pud))
			return; // PUD leaves (1 GiB hugetlb) are not modelled here
		MM_FRAME("gup_fast_pmd_range");
		ptdesc* pmdt = entry_table(pts, pud);
		pmd_t* pmdp = &pmdt->entries[static_cast<std::size_t>(pmd_index(addr))];
		pteval_t pmd = ptep_get(pmdp); // pmdp_get_lockless()
		if (!pmd_present(pmd))
			return;
		if (!pmd_trans_huge(pmd))
			trace_notef("pmd -> PTE table pfn %llu",
				    static_cast<unsigned long long>(pte_pfn(pmd)));
		bool ok = pmd_trans_huge(pmd)
				  ? gup_fast_pmd_leaf(k, pmd, pmdp, addr, next, flags, pages, nr)
				  : gup_fast_pte_range(k, pmd, pmdp, addr, next, flags, pages, nr);
		if (!ok)
			return;
	}
}

// Models gup_fast(). Context: any; disables IRQs for the walk.
// Returns: the number of pages taken (maybe fewer than asked, maybe 0).
long gup_fast(mm_struct* mm, unsigned long start, unsigned long end, unsigned gup_flags,
	      page** pages)
{
	MM_FRAME("gup_fast");
	Kernel& k = kernel_of(mm);
	const bool seq_check = (gup_flags & FOLL_PIN) && k.fixed(Fix::gup_fast_fork_seqcount);
	unsigned seq = 0;
	if (seq_check) {
		// fork() write-protects under write_protect_seq: a pin taken meanwhile may be on
		// a page about to be COW-shared with the child.
		seq = mm->write_protect_seq.raw_read();
		if (seq & 1)
			return 0;
	}
	// This CPU runs mm (switch_mm put it in mm_cpumask), so IPI flushes of mm reach it.
	int cpu = k.this_cpu();
	mm->cpumask.init(mm->cpumask.peek() | (sim::TaskMask(1) << cpu));
	int nr = 0;
	unsigned long flags = sim::local_irq_save();
	gup_fast_pgd_range(mm, start, end, gup_flags, pages, &nr);
	sim::local_irq_restore(flags);
	if (seq_check && mm->write_protect_seq.read_retry(seq)) {
		for (int i = 0; i < nr; ++i)
			gup_put_folio(page_folio(pages[i]), 1, gup_flags);
		return 0;
	}
	return nr;
}

} // namespace

// Models gup_fast_fallback() (internal_get_user_pages_fast before v6.10). Context: may sleep
// (the slow path).
long gup_fast_fallback(mm_struct* mm, unsigned long start, long nr_pages, unsigned gup_flags,
		       page** pages)
{
	MM_FRAME("gup_fast_fallback");
	long nr_pinned = gup_fast(mm, start, start + (static_cast<unsigned long>(nr_pages) << PAGE_SHIFT),
				  gup_flags, pages);
	if (nr_pinned == nr_pages)
		return nr_pinned;
	// Slow path: the rest with mmap_lock held.
	long ret = get_user_pages_unlocked(mm, start + (static_cast<unsigned long>(nr_pinned) << PAGE_SHIFT),
					   nr_pages - nr_pinned, gup_flags, pages + nr_pinned);
	if (ret < 0)
		return nr_pinned ? nr_pinned : ret;
	return ret + nr_pinned;
}

} // namespace mm
