// Structural invariants of a quiescent Kernel (no syscall or access in progress): they catch a
// bug at its root even when no user access happens to trip over it. races.md §3 items 2, 3, 6
// and "user memory behaves like memory" at the level of pages and tables:
//
//   - every table pointer of a live mm leads to a live table of the right level, and every
//     allocated table is reachable (from one mm; shared PMD tables from 1 + pt_share_count);
//   - every present leaf maps an allocated page; no migration entry is left behind;
//   - mapcount identity: each page's mapcount equals the leaf entries that map it;
//   - refcount identity: each folio's refcount equals its mappings plus the page cache's
//     reference (plus the references check/ is told about, e.g. GUP pins); an allocated data
//     page that nobody references is a leak;
//   - the page cache and i_mmap agree with the pages and VMAs;
//   - no TLB holds a translation the page tables no longer grant (a missed flush), nor any
//     translation of an exited mm.
//
// Each check raises a sim `invariant` violation naming the objects involved.
#pragma once

#include "mm/kernel.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace check {

class Invariants {
public:
	// References held outside page tables and the page cache (e.g. GUP pins), per folio.
	using ExtraRefs = std::function<int(const mm::folio*)>;
	void set_extra_refs(ExtraRefs f) { extra_refs_ = std::move(f); }

	// Runs every check; raises on the first that fails. Not a scheduling point.
	void check(const mm::Kernel& k);

private:
	void walk_tables(const mm::Kernel& k);
	void check_pages(const mm::Kernel& k);
	void check_page_cache(const mm::Kernel& k);
	void check_vmas(const mm::Kernel& k);
	void check_tlbs(const mm::Kernel& k);
	void check_hugetlb(const mm::Kernel& k);
	// THP (issue #7): the PTE tables deposited with the huge PMDs of a PMD table.
	void check_deposits(const mm::Kernel& k, const mm::ptdesc* pmd_table, unsigned long va,
			    const mm::mm_struct* mm);

	// Depth-first walk of one mm's tables: (table, va of its first entry). Reused.
	struct TableAt {
		const mm::ptdesc* pt;
		unsigned long va;
	};
	std::vector<TableAt> stack_;
	ExtraRefs extra_refs_;
	// Per pfn, valid below Phys::high_water() (sized once, cleared per check up to it).
	std::vector<int> maps_;        // present leaf entries mapping that page
	std::vector<int> entire_maps_; // per head pfn: PMD-level leaves mapping the whole folio
	std::vector<int> table_refs_;  // table pointers leading to it
	std::vector<std::uint8_t> in_cache_;
};

} // namespace check
