// Memory failure (issue #8): soft offline (a page with corrected errors is taken out of use
// without anybody noticing) and hard offline (memory_failure(): the data is lost, mappers are
// unmapped and may be killed). Models mm/memory-failure.c (v5.18, torvalds/linux 003fa195911d;
// the 2018 code of the seed-004 thread, v4.17, behind Fix::soft_offline_hugetlb_race) and
// mm/madvise.c madvise_inject_error().
//
// Differences: soft offline handles free pages, hugetlb pages and order-0 anon or page-cache
// pages (by migration); hard offline handles hugetlb pages and free pages (an in-use small page
// is marked and -EBUSY returned, as for an unhandlable page; no me_pagecache_* handlers). The error is on the head page of a huge page.
// No hwpoison filter, no unpoison, no memory_failure_queue (the error is handled in the
// calling task), no MCE "action required" context.
#pragma once

#include "mm/kernel.hpp"
#include "mm/lock_classes.hpp"
#include "sim/mutex.hpp"

#include <vector>

namespace mm {

// enum mf_flags (include/linux/mm.h).
inline constexpr int MF_COUNT_INCREASED = 1 << 0;
inline constexpr int MF_ACTION_REQUIRED = 1 << 1;
inline constexpr int MF_MUST_KILL = 1 << 2;
inline constexpr int MF_SOFT_OFFLINE = 1 << 3;
inline constexpr int MF_SW_SIMULATED = 1 << 5;

// madvise() advice (include/uapi/asm-generic/mman-common.h).
inline constexpr int MADV_HWPOISON = 100;
inline constexpr int MADV_SOFT_OFFLINE = 101;

// The globals of mm/memory-failure.c for one Kernel.
struct memory_failure_state {
	// Serialises memory_failure() and soft_offline_page() (v5.15+; the 2018 code had none, and
	// the model keeps it in both: the seed races need one soft offline only).
	sim::Mutex mf_mutex{&mf_mutex_class};
	// Protected by mf_mutex.
	long num_poisoned_pages = 0;
	// vm.memory_failure_early_kill: signal every mapper at once (1) or only those that touch
	// the page later (0, the default). Set by the sysctl before the race.
	bool early_kill = false;
	// Dbg: checks only. Frames a hard memory error hit (memory_failure() was called for them),
	// and frames on which memory failure holds its permanent reference (page_handle_poison()'s
	// page_ref_inc(), or the reference memory_failure() keeps), one entry per reference.
	std::vector<pfn_t> hard_errors;
	std::vector<pfn_t> poison_refs;
	void reset();
};

// Models soft_offline_page() (mm/memory-failure.c). Returns 0 or -errno.
int soft_offline_page(Kernel& k, pfn_t pfn, int flags);
// Models memory_failure() (mm/memory-failure.c). Returns 0 or -errno.
int memory_failure(Kernel& k, pfn_t pfn, int flags);
// Models madvise_inject_error() (mm/madvise.c): MADV_SOFT_OFFLINE / MADV_HWPOISON of the pages
// p maps in [start, end). Context: no locks held (it takes mmap_lock to find each page).
int madvise_inject_error(Kernel& k, process& p, int behavior, unsigned long start,
			 unsigned long end);

// Models page_handle_poison() / __page_handle_poison() (memory_failure.cpp): take a free page or
// huge page out of the pool and the allocator; then mark it and hold it for good.
bool page_handle_poison(Kernel& k, page* p, bool hugepage_or_freepage, bool release);
bool __page_handle_poison(Kernel& k, page* p);
// The page p maps at addr, with a reference, faulted in if needed (get_user_pages_fast() of
// one page; follow_hugetlb_page() for hugetlb VMAs). Returns: 1 or -EFAULT.
long hugetlb_get_user_page(Kernel& k, process& p, unsigned long addr, page** out);

// The hugetlb rmap unmap walks (migrate_hugetlb.cpp): every PMD entry mapping f becomes a
// migration entry, or with `poison` a hwpoison entry (try_to_migrate() / try_to_unmap()).
// Context: f locked; for a page-cache folio, i_mmap_rwsem held for write.
void try_to_unmap_hugetlb(Kernel& k, folio* f, bool poison);
// hugetlb_page_mapping_lock_write(): the folio's mapping with i_mmap_rwsem held for write
// (trylock), or nullptr.
address_space* hugetlb_page_mapping_lock_write(folio* f);

} // namespace mm
