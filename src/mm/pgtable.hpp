// Page tables: x86-64 4-level radix (PGD -> PUD -> PMD -> PTE; P4D folded), 512 entries per
// table page, x86-like entry encoding including huge leaves and non-present swap-format
// entries for migration and hwpoison. Models arch/x86/include/asm/pgtable*.h,
// include/linux/swapops.h, include/linux/pgtable.h and mm/memory.c's *_alloc (v6.x).
//
// Every entry is a sim::Atomic word: a lockless read (GUP-fast, the hardware walker,
// pte_offset_map) is its own scheduling point. A table page's Lifetime makes any access to a
// freed table (reading an entry, taking its ptl) a use-after-free finding.
#pragma once

#include "mm/lock_classes.hpp" // lock classes and their documented order
#include "mm/page.hpp"
#include "mm/types.hpp"
#include "sim/atomic.hpp"
#include "sim/lifetime.hpp"
#include "sim/spinlock.hpp"

#include <array>
#include <memory>
#include <vector>

namespace mm {

struct mm_struct;
class Phys;
class Kernel;

using pteval_t = std::uint64_t;
// A pointer to an entry: pgd_t*, pud_t*, pmd_t*, pte_t* in the kernel.
using pte_slot = sim::Atomic<pteval_t>;
using pgd_t = pte_slot;
using pud_t = pte_slot;
using pmd_t = pte_slot;
using pte_t = pte_slot;

// x86 entry bits.
inline constexpr pteval_t _PAGE_PRESENT = 1ull << 0;
inline constexpr pteval_t _PAGE_RW = 1ull << 1;
inline constexpr pteval_t _PAGE_USER = 1ull << 2;
inline constexpr pteval_t _PAGE_ACCESSED = 1ull << 5;
inline constexpr pteval_t _PAGE_DIRTY = 1ull << 6;
inline constexpr pteval_t _PAGE_PSE = 1ull << 7; // huge leaf at PMD/PUD level
inline constexpr pteval_t PTE_PFN_MASK = ((1ull << 52) - 1) & ~((1ull << PAGE_SHIFT) - 1);
inline constexpr pteval_t _PAGE_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED;

// Swap-format (non-present) entries: type in bits 1..5, offset (a pfn here) from bit 12.
enum swp_type : unsigned {
	SWP_NONE = 0,
	SWP_MIGRATION_READ = 1,
	SWP_MIGRATION_WRITE = 2,
	SWP_MIGRATION_READ_EXCLUSIVE = 3,
	SWP_HWPOISON = 4,
};

inline bool pte_none(pteval_t v) { return v == 0; }
inline bool pte_present(pteval_t v) { return (v & _PAGE_PRESENT) != 0; }
inline bool pte_write(pteval_t v) { return (v & _PAGE_RW) != 0; }
inline bool pte_huge(pteval_t v) { return pte_present(v) && (v & _PAGE_PSE); }
inline pfn_t pte_pfn(pteval_t v) { return (v & PTE_PFN_MASK) >> PAGE_SHIFT; }
inline pteval_t pfn_pte(pfn_t pfn, bool writable)
{
	return (pfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED |
	       (writable ? _PAGE_RW | _PAGE_DIRTY : 0);
}
inline pteval_t pte_wrprotect(pteval_t v) { return v & ~_PAGE_RW; }
inline pteval_t pte_mkwrite(pteval_t v) { return v | _PAGE_RW | _PAGE_DIRTY; }
inline pteval_t pfn_pmd_huge(pfn_t pfn, bool writable) { return pfn_pte(pfn, writable) | _PAGE_PSE; }

inline bool is_swap_pte(pteval_t v) { return !pte_none(v) && !pte_present(v); }
inline unsigned swp_type_of(pteval_t v) { return static_cast<unsigned>((v >> 1) & 0x1f); }
inline pfn_t swp_offset_pfn(pteval_t v) { return v >> PAGE_SHIFT; }
inline pteval_t swp_entry(unsigned type, pfn_t pfn)
{
	return (pfn << PAGE_SHIFT) | (static_cast<pteval_t>(type) << 1);
}
inline bool is_migration_entry(pteval_t v)
{
	unsigned t = swp_type_of(v);
	return is_swap_pte(v) && t >= SWP_MIGRATION_READ && t <= SWP_MIGRATION_READ_EXCLUSIVE;
}
inline bool is_writable_migration_entry(pteval_t v)
{
	return is_swap_pte(v) && swp_type_of(v) == SWP_MIGRATION_WRITE;
}
inline pteval_t make_migration_entry(pfn_t pfn, bool write)
{
	return swp_entry(write ? SWP_MIGRATION_WRITE : SWP_MIGRATION_READ, pfn);
}
inline bool is_hwpoison_entry(pteval_t v)
{
	return is_swap_pte(v) && swp_type_of(v) == SWP_HWPOISON;
}
inline pteval_t make_hwpoison_entry(pfn_t pfn) { return swp_entry(SWP_HWPOISON, pfn); }

enum pt_level : std::uint8_t { PT_PTE = 1, PT_PMD = 2, PT_PUD = 3, PT_PGD = 4 };

// A page-table page (struct ptdesc). Aligned so that an entry's address finds its table.
struct alignas(4096) ptdesc {
	// Entries. Written under the table's lock (ptl for PTE/PMD tables, mm->page_table_lock
	// for upper levels) or, for a table nobody else can reach yet, freely; read under that
	// lock, or locklessly (hardware walk, GUP-fast, pte_offset_map) as single READ_ONCEs.
	std::array<pte_slot, PTRS_PER_TABLE> entries;
	// Split page-table lock (pte_lockptr / pmd_lockptr). Lives in the table page: taking it
	// after the page was freed is itself a use-after-free.
	sim::SpinLock ptl;
	// hugetlb PMD sharing: PUD entries beyond the first that point here (v6.13
	// ptdesc_pmd_pts_*). Changed by huge_pmd_share (i_mmap_rwsem read) and huge_pmd_unshare
	// (i_mmap_rwsem write); atomic because two sharers may change it at once.
	sim::Atomic<int> pt_share_count;
	// THP (issue #7): PTE tables deposited with the huge PMDs of this PMD table
	// (pgtable_trans_huge_deposit; pmd_huge_pte with split PMD ptlocks), a stack linked
	// through deposit_next. Changed under this table's ptl (the PMD lock).
	ptdesc* pmd_huge_pte = nullptr;
	ptdesc* deposit_next = nullptr;
	// Lifetime of this use of the frame as a table.
	sim::Lifetime lt;
	// Immutable while allocated.
	pt_level level = PT_PTE;
	Kernel* k = nullptr;
	folio* frame = nullptr;
	mm_struct* owner = nullptr;   // mm that allocated it (sharing may add others)
	unsigned long addr = 0;       // first virtual address it maps in its owner

	ptdesc();
};

// ptdesc of an entry pointer.
inline ptdesc* ptdesc_of(const pte_slot* e)
{
	return reinterpret_cast<ptdesc*>(reinterpret_cast<std::uintptr_t>(e) & ~std::uintptr_t(4095));
}
inline int slot_index(const pte_slot* e)
{
	return static_cast<int>(e - ptdesc_of(e)->entries.data());
}

// Table pages: frames from Phys, each with a ptdesc kept in a pool indexed by pfn and reused
// across schedules (no per-schedule heap work once warm).
class Pgtables {
public:
	void reset(Phys& phys, Kernel* k);
	// pagetable_alloc(): a zeroed table page, or nullptr if out of memory.
	ptdesc* alloc(gfp_t gfp, pt_level level, mm_struct* owner, unsigned long addr);
	// pagetable_free(): the frame goes back to Phys; later use of the table is caught.
	void free(ptdesc* pt);
	// Queued free after an RCU grace period (tlb_remove_table with MMU_GATHER_RCU_TABLE_FREE).
	void free_rcu(ptdesc* pt);
	// The ptdesc of a table frame.
	ptdesc* of_pfn(pfn_t pfn);
	// The ptdesc containing `p` if p points into one of this pool's table pages.
	const ptdesc* containing(const void* p) const;
	Phys& phys() { return *phys_; }

private:
	static void rcu_free_cb(void* arg);
	Phys* phys_ = nullptr;
	Kernel* k_ = nullptr;
	std::vector<std::unique_ptr<ptdesc>> by_pfn_;
};

// ---- entry accessors: one scheduling point each, plus a use-after-free check of the table ----

// Use-after-free check of a table page. The table's identity for reports is &pt->lt (the
// entries array starts at the ptdesc's own address, which names entry 0).
inline void pt_check_live(const ptdesc* pt, const char* what)
{
	if (pt->lt.state != sim::Lifetime::State::live) [[unlikely]]
		sim::lifetime_check(pt->lt, &pt->lt, what);
}

// READ_ONCE of an entry (ptep_get / pmdp_get / ptep_get_lockless).
pteval_t ptep_get(const pte_slot* e);
// WRITE_ONCE of an entry (set_pte_at / set_pmd_at / pud_populate...).
void set_pte_at(pte_slot* e, pteval_t v);
// xchg with none (ptep_get_and_clear / pmdp_huge_get_and_clear).
pteval_t ptep_get_and_clear(pte_slot* e);
// The table a table-pointer entry points to.
ptdesc* entry_table(Pgtables& pts, pteval_t v);

// Lock of the table containing `e` (pte_lockptr / pmd_lockptr) taken with a use-after-free check.
sim::SpinLock* ptl_of(pte_slot* e);
void ptl_lock(sim::SpinLock* ptl, pte_slot* e, int subclass = 0);

inline int pgd_index(unsigned long a) { return static_cast<int>((a >> PGDIR_SHIFT) & 511); }
inline int pud_index(unsigned long a) { return static_cast<int>((a >> PUD_SHIFT) & 511); }
inline int pmd_index(unsigned long a) { return static_cast<int>((a >> PMD_SHIFT) & 511); }
inline int pte_index(unsigned long a) { return static_cast<int>((a >> PAGE_SHIFT) & 511); }

} // namespace mm
