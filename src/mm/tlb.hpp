// Per-CPU TLBs, TLB flushing and mmu_gather. Models arch/x86/mm/tlb.c (flush by IPI),
// broadcast invalidation (arm64 TLBI IS, AMD INVLPGB: no interrupt, no wait), and
// mm/mmu_gather.c + include/asm-generic/tlb.h (v6.x): zap -> flush -> free pages -> free tables.
#pragma once

#include "mm/page.hpp"
#include "mm/pgtable.hpp"
#include "mm/types.hpp"

#include <array>
#include <cstdint>
#include <span>

namespace mm {

struct mm_struct;
class Kernel;

enum class TlbFlushMode : std::uint8_t {
	ipi,       // x86 native: IPI every CPU in mm_cpumask and wait (held off by IRQ-off CPUs)
	broadcast, // hardware broadcast: invalidates everywhere at once, waits for nobody
};

enum class TableFreeMode : std::uint8_t {
	immediate, // free table pages right after the TLB flush
	rcu,       // MMU_GATHER_RCU_TABLE_FREE: after an RCU grace period (tlb_remove_table)
	ipi_sync,  // tlb_remove_table_sync_one(): an IPI that waits for IRQ-off walkers, then free
};

// One cached translation. Leaf entries map a page (4 KiB or 2 MiB); pde entries cache the PTE
// table a PMD entry pointed to (the paging-structure cache), so a stale one makes the hardware
// walk a table that may have been freed.
struct tlb_entry {
	const mm_struct* mm = nullptr;
	unsigned long va = 0;    // aligned to the entry's size
	unsigned long size = 0;  // PAGE_SIZE, PMD_SIZE, or PMD_SIZE for a pde entry
	pfn_t pfn = 0;           // leaf: the frame of va
	ptdesc* table = nullptr; // pde: the PTE table for [va, va + PMD_SIZE)
	std::uint32_t gen = 0;   // page::gen of the frame (leaf) or table frame (pde) at fill
	bool writable = false;
	bool pde = false;
	bool valid = false;
};

// The TLB of one CPU. Only that CPU fills it (its own hardware walks); others invalidate it by
// IPI (run on this CPU) or broadcast.
struct cpu_tlb {
	static constexpr int kEntries = 32;
	std::array<tlb_entry, kEntries> e{};
	int next = 0; // FIFO replacement
	// Slots [0, used) were filled since the last clear(); the rest are invalid, so lookups
	// scan only those (a schedule fills a few; the explorer looks up at every user access).
	int used = 0;

	const tlb_entry* lookup_leaf(const mm_struct* mm, unsigned long va) const;
	const tlb_entry* lookup_pde(const mm_struct* mm, unsigned long va) const;
	void insert(const tlb_entry& t);
	// Drops entries of `mm` overlapping [start, end); all of mm's if end == 0.
	void invalidate(const mm_struct* mm, unsigned long start, unsigned long end);
	void clear();
	// The slots that may hold a valid entry.
	std::span<const tlb_entry> slots() const { return {e.data(), static_cast<std::size_t>(used)}; }
};

// flush_tlb_mm_range(): invalidate [start, end) of mm on every CPU that may cache it.
void flush_tlb_mm_range(mm_struct* mm, unsigned long start, unsigned long end);
inline void flush_tlb_mm(mm_struct* mm) { flush_tlb_mm_range(mm, 0, 0); }

// struct mmu_gather. Pages and tables are batched and freed only after the flush.
struct mmu_gather {
	static constexpr int kBatch = 64;
	mm_struct* mm = nullptr;
	bool fullmm = false;
	bool freed_tables = false;
	unsigned long start = ~0ul, end = 0;
	std::array<folio*, kBatch> pages{};
	int nr_pages = 0;
	std::array<ptdesc*, kBatch> tables{};
	int nr_tables = 0;
};

void tlb_gather_mmu(mmu_gather& tlb, mm_struct* mm, bool fullmm = false);
// Records that [addr, addr + size) had entries cleared and must be flushed.
void tlb_flush_range_add(mmu_gather& tlb, unsigned long addr, unsigned long size);
// tlb_flush_pmd_range(): a range whose PMD-level entries (or, for an unshared hugetlb PMD table,
// its PUD entry) were cleared.
inline void tlb_flush_pmd_range(mmu_gather& tlb, unsigned long addr, unsigned long size)
{
	tlb_flush_range_add(tlb, addr, size);
}
// tlb_flush_mmu_tlbonly(): flush the range gathered so far now, freeing nothing yet.
void tlb_flush_mmu_tlbonly(mmu_gather& tlb);
// Queues the mapping's reference on `f` for dropping after the flush (tlb_remove_page).
void tlb_remove_page(mmu_gather& tlb, folio* f);
// Queues a table page for freeing after the flush (pte_free_tlb / tlb_remove_table).
void tlb_remove_table(mmu_gather& tlb, ptdesc* pt);
// Flush, then free pages, then free tables (tlb_flush_mmu).
void tlb_flush_mmu(mmu_gather& tlb);
void tlb_finish_mmu(mmu_gather& tlb);
// tlb_remove_table_sync_one(): IPI all CPUs and wait, so no IRQ-off lockless walker still
// uses a table we are about to free or reuse.
void tlb_remove_table_sync_one();

} // namespace mm
