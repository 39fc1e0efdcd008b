// struct page / struct folio: the per-frame descriptor. Models include/linux/mm_types.h,
// page_ref.h, mm.h (v6.x). A folio is its head page; tail pages point at their head.
// Contents are one word per 4 KiB frame (`data`), enough to tell whether user data survived.
#pragma once

#include "mm/types.hpp"
#include "sim/atomic.hpp"
#include "sim/bitlock.hpp"
#include "sim/lifetime.hpp"

namespace mm {

struct anon_vma;
struct address_space;
struct ptdesc;
class Phys;

// page->flags bits other than PG_locked (which is the BitLock `lock`).
enum : unsigned long {
	PG_head = 1ul << 0,           // first page of a compound folio
	PG_anon_exclusive = 1ul << 1, // anon page known to be mapped by one mm only
	PG_hwpoison = 1ul << 2,       // memory error containment
	PG_table = 1ul << 3,          // a page-table page (see ptdesc)
	PG_hugetlb = 1ul << 4,
	PG_uptodate = 1ul << 5,
	PG_swapbacked = 1ul << 6,     // anon or shmem
	PG_isolated = 1ul << 7,       // taken off the LRU by migration/collapse
};

struct page {
	// Immutable after Phys::reset().
	pfn_t pfn = 0;
	Phys* phys = nullptr;

	// References: one per mapping PTE/PMD, page cache, GUP pin, isolation, temporary get.
	// Changed atomically by holders; folio_try_get() increments only if non-zero, which is
	// how a lockless walker avoids reviving a free page. Zero = free.
	sim::Atomic<int> _refcount;
	// PTEs mapping this page, minus one (-1 = none), as the kernel keeps it. Changed under the
	// ptl of the entry being set or cleared; read racily by rmap and migration.
	sim::Atomic<int> _mapcount;
	// PMD-level mappings of a large folio, minus one (head page only).
	sim::Atomic<int> _entire_mapcount;
	// PG_* bits; atomic bit operations.
	sim::Atomic<unsigned long> flags;
	// PG_locked: a sleeping bit lock (folio_lock).
	sim::BitLock lock;

	// Owner: an anon page's anon_vma, or a file page's address_space (never both). Set when
	// the page is added to rmap or the page cache (page locked or exclusively owned), cleared
	// when it is freed; read under the page lock or the rmap/i_pages locks.
	anon_vma* anon = nullptr;
	address_space* mapping = nullptr;
	// File: offset in the file in pages. Anon: linear page index at first fault
	// (vma->vm_pgoff + (addr - vm_start) / PAGE_SIZE). Same rules as mapping.
	pgoff_t index = 0;

	// The contents: user loads and stores go here (one word stands for 4 KiB).
	sim::Atomic<std::uint64_t> data;

	// Compound folios: order of the head; tail pages point to it. Set at allocation.
	std::uint8_t order = 0;
	page* head = nullptr; // self for order-0 and heads

	// Lifetime of this frame's current allocation: use after free is a finding.
	sim::Lifetime lt;
	// Allocation generation: bumped each time the frame is handed out, so a stale pointer
	// (a TLB entry) into a frame that was freed and reused is told apart from a live one.
	std::uint32_t gen = 0;
	// Table descriptor while PG_table is set (owned by the Pgtables pool).
	ptdesc* pt = nullptr;
};

using folio = page;

inline folio* page_folio(page* p)
{
	return p->head;
}
inline bool folio_test(const folio* f, unsigned long bit)
{
	return (f->flags.peek() & bit) != 0;
}
inline bool PageAnon(const page* p)
{
	return p->head->anon != nullptr;
}
inline long folio_nr_pages(const folio* f)
{
	return 1l << f->order;
}

// Refcount operations (include/linux/page_ref.h). Each is one scheduling point and checks that
// the folio is not free.
void folio_get(folio* f);
// Drops a reference; the last one frees the folio. Returns true if it was freed.
bool folio_put(folio* f);
// increment-unless-zero: fails on a free folio (the speculative get of GUP-fast and pagecache).
bool folio_try_get(folio* f);
// folio_ref_add(): `nr` more references; the caller already holds one (GUP's pin bias).
void folio_ref_add(folio* f, int nr);
// folio_put_refs(): drops `nr` references at once; frees the folio if they were the last.
bool folio_put_refs(folio* f, int nr);
int folio_ref_count(const folio* f);
// Mapcount of a small page (0 = unmapped).
int page_mapcount(const page* p);
int folio_mapcount(const folio* f);

void folio_lock(folio* f);
bool folio_trylock(folio* f);
void folio_unlock(folio* f);

// A flag operation that is a scheduling point (set_bit / clear_bit / test_and_set_bit).
void folio_set_flag(folio* f, unsigned long bit);
void folio_clear_flag(folio* f, unsigned long bit);
bool folio_test_set_flag(folio* f, unsigned long bit);

} // namespace mm
