// Table pages and entry accessors. Models mm/memory.c pagetable_alloc/free and
// include/linux/pgtable.h accessors (v6.x).
#include "mm/pgtable.hpp"

#include "mm/phys.hpp"
#include "sim/frame.hpp"
#include "sim/rcu.hpp"
#include "sim/verify.hpp"

namespace mm {

ptdesc::ptdesc() : ptl(&ptl_class_for_tables) {}

void Pgtables::reset(Phys& phys, Kernel* k)
{
	phys_ = &phys;
	k_ = k;
	if (by_pfn_.size() < phys.nr_frames())
		by_pfn_.resize(phys.nr_frames());
}

ptdesc* Pgtables::of_pfn(pfn_t pfn)
{
	if (pfn >= by_pfn_.size())
		return nullptr;
	return by_pfn_[pfn].get();
}

ptdesc* Pgtables::alloc(gfp_t gfp, pt_level level, mm_struct* owner, unsigned long addr)
{
	folio* f = phys_->alloc_pages(gfp, 0);
	if (f == nullptr)
		return nullptr;
	auto& slot = by_pfn_[f->pfn];
	if (!slot)
		slot = std::make_unique<ptdesc>();
	ptdesc* pt = slot.get();
	// A new table is reachable by nobody until it is populated: plain initialisation.
	for (pte_slot& e : pt->entries)
		e.init(0);
	pt->ptl.owner = -1;
	pt->ptl.readers = 0;
	pt->pt_share_count.init(0);
	pt->pmd_huge_pte = nullptr;
	pt->deposit_next = nullptr;
	pt->lt.revive();
	pt->level = level;
	pt->k = k_;
	pt->frame = f;
	pt->owner = owner;
	pt->addr = addr;
	f->flags.init(f->flags.peek() | PG_table);
	f->pt = pt;
	return pt;
}

void Pgtables::free(ptdesc* pt)
{
	MM_FRAME("pagetable_free");
	sim::lifetime_free(pt->lt, &pt->lt);
	folio* f = pt->frame;
	f->flags.init(f->flags.peek() & ~PG_table);
	f->pt = nullptr;
	folio_put(f);
}

void Pgtables::rcu_free_cb(void* arg)
{
	// The ptdesc lifetime is already "freed" (lifetime_free_rcu); return the frame.
	auto* pt = static_cast<ptdesc*>(arg);
	folio* f = pt->frame;
	f->flags.init(f->flags.peek() & ~PG_table);
	f->pt = nullptr;
	folio_put(f);
}

void Pgtables::free_rcu(ptdesc* pt)
{
	MM_FRAME("tlb_remove_table");
	sim::lifetime_free_rcu(pt->lt, &pt->lt, &Pgtables::rcu_free_cb, pt);
}

const ptdesc* Pgtables::containing(const void* p) const
{
	auto a = reinterpret_cast<std::uintptr_t>(p);
	for (const auto& slot : by_pfn_) {
		auto b = reinterpret_cast<std::uintptr_t>(slot.get());
		if (slot && a >= b && a < b + sizeof(ptdesc))
			return slot.get();
	}
	return nullptr;
}

pteval_t ptep_get(const pte_slot* e)
{
	pteval_t v = e->load();
	pt_check_live(ptdesc_of(e), "read of a page-table entry");
	return v;
}

void set_pte_at(pte_slot* e, pteval_t v)
{
	e->store(v);
	pt_check_live(ptdesc_of(e), "write of a page-table entry");
}

pteval_t ptep_get_and_clear(pte_slot* e)
{
	pteval_t v = e->xchg(0);
	pt_check_live(ptdesc_of(e), "clear of a page-table entry");
	return v;
}

ptdesc* entry_table(Pgtables& pts, pteval_t v)
{
	if (!pte_present(v) || pte_huge(v))
		return nullptr;
	return pts.of_pfn(pte_pfn(v));
}

sim::SpinLock* ptl_of(pte_slot* e)
{
	return &ptdesc_of(e)->ptl;
}

void ptl_lock(sim::SpinLock* ptl, pte_slot* e, int subclass)
{
	if (subclass)
		ptl->lock_nested(subclass);
	else
		ptl->lock();
	pt_check_live(ptdesc_of(e), "spin_lock of the ptl in a page-table page");
}

} // namespace mm
