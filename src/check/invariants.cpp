// Structural invariants (invariants.hpp). Reads model state with peek(): never a scheduling
// point, never a change.
#include "check/invariants.hpp"
#include "mm/hex.hpp"

#include "check/rmap_check.hpp"

#include "mm/pgtable.hpp"
#include "sim/engine.hpp"

#include <algorithm>
#include <cstdio>

namespace check {
namespace {

using namespace mm;

[[noreturn]] void fail(std::string msg, std::vector<std::string> detail = {})
{
	sim::raise(sim::ViolationKind::invariant, std::move(msg), std::move(detail));
}

const char* level_name(pt_level l)
{
	return l == PT_PTE ? "PTE" : l == PT_PMD ? "PMD" : l == PT_PUD ? "PUD" : "PGD";
}

unsigned long span_of(pt_level l)
{
	return l == PT_PTE ? PAGE_SIZE : l == PT_PMD ? PMD_SIZE : l == PT_PUD ? PUD_SIZE : PGDIR_SIZE;
}

// The first entry at or after i that is not none, or PTRS_PER_TABLE. Most of a table is
// empty and this runs at every quiescent point, so blocks of 16 entries are tested with one
// vector OR reduction (GCC/Clang vector extension: SSE2 on x86-64).
int next_used_entry(const ptdesc& pt, int i)
{
	// Two entries; may alias the Atomic words. The table is page-aligned, so a block of 16
	// entries starting at a multiple of 16 is 16-byte aligned.
	using u64x2 = std::uint64_t __attribute__((vector_size(16), may_alias));
	static_assert(sizeof(pte_slot) == sizeof(pteval_t), "an entry is one plain word");
	static_assert(alignof(ptdesc) % 16 == 0);
	const pte_slot* e = pt.entries.data();
	for (; i % 16 != 0 && i < PTRS_PER_TABLE; ++i)
		if (e[i].peek() != 0)
			return i;
	for (; i < PTRS_PER_TABLE; i += 16) {
		const auto* v = reinterpret_cast<const u64x2*>(e + i);
		const u64x2 any = ((v[0] | v[1]) | (v[2] | v[3])) | ((v[4] | v[5]) | (v[6] | v[7]));
		if ((any[0] | any[1]) != 0)
			break;
	}
	while (i < PTRS_PER_TABLE && e[i].peek() == 0)
		++i;
	return i;
}

} // namespace

void Invariants::check(const Kernel& k)
{
	// Only frames below the high-water mark were ever handed out this schedule, so only they
	// can be counted (a pointer to any other frame is reported as a free frame before it is
	// counted): clear just that prefix. The check runs at every quiescent point, and clearing
	// per-frame arrays of the whole machine was most of its cost.
	const std::size_t n = k.phys().nr_frames();
	const std::size_t hw = k.phys().high_water();
	if (maps_.size() < n) {
		maps_.resize(n);
		entire_maps_.resize(n);
		table_refs_.resize(n);
		in_cache_.resize(n);
	}
	std::fill_n(maps_.begin(), hw, 0);
	std::fill_n(entire_maps_.begin(), hw, 0);
	std::fill_n(table_refs_.begin(), hw, 0);
	std::fill_n(in_cache_.begin(), hw, std::uint8_t{0});
	check_vmas(k);
	walk_tables(k);
	check_page_cache(k);
	check_pages(k);
	check_tlbs(k);
	check_hugetlb(k);
}

void Invariants::walk_tables(const Kernel& k)
{
	const Phys& phys = k.phys();
	auto& pts = const_cast<Kernel&>(k).pgtables();
	for (const process* p : k.processes()) {
		const mm_struct* mm = p->mm;
		if (mm->dead)
			continue;
		// Built only for a report: this runs at every quiescent point.
		const auto who = [mm] { return " of " + mm->name; };
		// Depth-first over the radix tree: (table, va of its first entry).
		stack_.clear();
		stack_.push_back({mm->pgd, 0});
		while (!stack_.empty()) {
			TableAt it = stack_.back();
			stack_.pop_back();
			const ptdesc* pt = it.pt;
			unsigned long span = span_of(pt->level);
			if (pt->level == PT_PMD)
				check_deposits(k, pt, it.va, mm);
			for (int i = 0; i < PTRS_PER_TABLE; ++i) {
				i = next_used_entry(*pt, i);
				if (i == PTRS_PER_TABLE)
					break;
				pteval_t v = pt->entries[static_cast<std::size_t>(i)].peek();
				unsigned long va = it.va + static_cast<unsigned long>(i) * span;
				bool leaf = pt->level == PT_PTE || pte_huge(v);
				if (pte_present(v) && !leaf) {
					pfn_t pfn = pte_pfn(v);
					const ptdesc* next = pts.of_pfn(pfn);
					if (next == nullptr || !next->lt.live() || phys.is_free(pfn))
						fail(std::string(level_name(pt->level)) + " entry " + hex(va) + who() +
							     " points to a freed page-table page (pfn " +
							     std::to_string(pfn) + ")");
					if (next->level + 1 != pt->level)
						fail(std::string(level_name(pt->level)) + " entry " + hex(va) + who() +
						     " points to a " + level_name(next->level) + " table");
					// A shared PMD table is reached once per sharer: count every
					// pointer, walk (and count the leaves in) it once.
					if (table_refs_[pfn]++ == 0)
						stack_.push_back({next, va});
					continue;
				}
				if (pt->level == PT_PTE)
					check_rmap_entry(k, *mm, va, v); // issue #6: rmap completeness
				if (pte_present(v)) {
					pfn_t pfn = pte_pfn(v);
					// A free hugetlb page is allocated to its pool but freed as an object.
					if (!phys.pfn_valid(pfn) || phys.is_free(pfn) ||
					    !const_cast<Kernel&>(k).phys().pfn_to_page(pfn)->lt.live())
						fail(std::string(level_name(pt->level)) + " entry " + hex(va) + who() +
							     " maps pfn " + std::to_string(pfn) + ", a freed page",
						     {"a page must be unmapped from every page table before it is "
						      "freed"});
					if (pt->level == PT_PTE)
						++maps_[pfn];
					else
						++entire_maps_[pfn]; // a huge leaf maps its whole folio
					continue;
				}
				if (is_migration_entry(v)) {
					pfn_t pfn = swp_offset_pfn(v);
					const page* pg = const_cast<Kernel&>(k).phys().pfn_to_page(pfn);
					if (!pg->head->lock.is_locked())
						fail("migration entry for pfn " + std::to_string(pfn) + " left at " +
							     hex(va) + who() + " after the migration ended",
						     {"remove_migration_ptes() must replace every migration entry "
						      "before the page is unlocked"});
				}
			}
		}
	}
}

void Invariants::check_deposits(const Kernel& k, const ptdesc* pmd_table, unsigned long va,
				const mm_struct* mm)
{
	// THP (issue #7): one PTE table deposited per huge PMD of this table, each empty and
	// reachable from nowhere else (pgtable_trans_huge_deposit()).
	if (pmd_table->pmd_huge_pte == nullptr) {
		bool any_huge = false;
		for (int i = next_used_entry(*pmd_table, 0); i < PTRS_PER_TABLE && !any_huge;
		     i = next_used_entry(*pmd_table, i + 1))
			any_huge = pte_huge(pmd_table->entries[static_cast<std::size_t>(i)].peek());
		if (!any_huge)
			return; // the common case: no THP here
	}
	auto& phys = const_cast<Kernel&>(k).phys();
	int huge = 0, deposited = 0;
	for (int i = next_used_entry(*pmd_table, 0); i < PTRS_PER_TABLE;
	     i = next_used_entry(*pmd_table, i + 1)) {
		pteval_t v = pmd_table->entries[static_cast<std::size_t>(i)].peek();
		if (pte_huge(v) && !folio_test(phys.pfn_to_page(pte_pfn(v))->head, PG_hugetlb))
			++huge;
	}
	auto where = [&] { return "PMD table " + hex(va) + " of " + mm->name; }; // only to report
	for (const ptdesc* d = pmd_table->pmd_huge_pte; d != nullptr; d = d->deposit_next) {
		++deposited;
		pfn_t pfn = d->frame->pfn;
		if (!d->lt.live() || d->level != PT_PTE)
			fail(where() + " has a freed or non-PTE table deposited");
		++table_refs_[pfn];
		if (next_used_entry(*d, 0) != PTRS_PER_TABLE)
			fail("PTE table pfn " + std::to_string(pfn) + " deposited with a huge PMD of " +
			     where() + " is not empty");
	}
	if (huge != deposited)
		fail(where() + " has " + std::to_string(huge) + " huge PMDs but " +
			     std::to_string(deposited) + " deposited PTE tables",
		     {"every huge PMD keeps a PTE table for its split (pgtable_trans_huge_deposit)"});
}

void Invariants::check_page_cache(const Kernel& k)
{
	for (const file* f : k.files()) {
		const address_space& m = f->f_inode->i_data;
		for (const auto& [index, fo] : m.i_pages) {
			if (!fo->lt.live() || k.phys().is_free(fo->pfn))
				fail("page cache of " + f->name() + " holds freed pfn " +
				     std::to_string(fo->pfn) + " at index " + std::to_string(index));
			if (fo->mapping != &m || fo->index != index)
				fail("page cache of " + f->name() + ": pfn " + std::to_string(fo->pfn) +
				     " at index " + std::to_string(index) +
				     " does not point back to it (mapping/index)");
			in_cache_[fo->pfn] = 1;
		}
	}
}

void Invariants::check_pages(const Kernel& k)
{
	auto& phys = const_cast<Kernel&>(k).phys();
	auto& pts = const_cast<Kernel&>(k).pgtables();
	const std::size_t n = phys.high_water();
	for (pfn_t pfn = 0, next = 1; pfn < n; pfn = next, next = pfn + 1) {
		if (phys.is_free(pfn))
			continue;
		const auto name = [pfn] { return "pfn " + std::to_string(pfn); };
		const page* pg = phys.pfn_to_page(pfn);
		if (pg->head == pg && pg->order > 0 && folio_test(pg, PG_hugetlb)) {
			// The tail pages of a hugetlb folio are never mapped by PTEs and their mapcounts
			// never touched: checked without reading 511 page descriptors.
			next = pfn + static_cast<pfn_t>(folio_nr_pages(pg));
			for (pfn_t t = pfn + 1; t < next; ++t)
				if (maps_[t] != 0)
					fail("a PTE maps pfn " + std::to_string(t) + ", a tail page of a hugetlb folio");
		}
		if (folio_test(pg->head, PG_table)) {
			const ptdesc* pt = pts.of_pfn(pfn);
			// A pgd is owned by its mm, not pointed to; a freed mm's pgd is freed too. A
			// table whose RCU-deferred free is queued is unreachable already (walk_tables
			// reports a pointer to it) and goes back to the allocator after the grace period.
			if (pt->level == PT_PGD || pt->lt.state == sim::Lifetime::State::rcu_pending)
				continue;
			int want = 1 + pt->pt_share_count.peek();
			if (table_refs_[pfn] == 0)
				fail(std::string(level_name(pt->level)) + " table " + name() + " (" + hex(pt->addr) +
					     ") is allocated but no page table points to it: leaked");
			if (table_refs_[pfn] != want)
				fail(std::string(level_name(pt->level)) + " table " + name() + " is pointed to " +
				     std::to_string(table_refs_[pfn]) + " times, but its share count says " +
				     std::to_string(want));
			continue;
		}
		int mapcount = pg->_mapcount.peek() + 1;
		if (pg->head == pg && pg->_entire_mapcount.peek() + 1 != entire_maps_[pfn])
			fail("entire mapcount of " + name() + " is " +
				     std::to_string(pg->_entire_mapcount.peek() + 1) + " but " +
				     std::to_string(entire_maps_[pfn]) + " huge entries map it",
			     {"mapcount must change exactly when a leaf entry is set or cleared"});
		if (mapcount != maps_[pfn])
			fail("mapcount of " + name() + " is " + std::to_string(mapcount) + " but " +
				     std::to_string(maps_[pfn]) + " page-table entries map it",
			     {"mapcount must change exactly when a leaf entry is set or cleared"});
		if (pg->head != pg)
			continue;
		// Refcount identity for the folio: one reference per mapping, small or huge.
		int maps = entire_maps_[pfn];
		for (long i = 0; i < folio_nr_pages(pg); ++i)
			maps += maps_[pfn + static_cast<pfn_t>(i)];
		int want = maps + in_cache_[pfn] + (extra_refs_ ? extra_refs_(pg) : 0);
		int have = pg->_refcount.peek();
		if (have != want)
			fail("refcount of " + name() + " is " + std::to_string(have) + " but " +
				     std::to_string(maps) + " mappings" + (in_cache_[pfn] ? " + the page cache" : "") +
				     " account for " + std::to_string(want),
			     {have > want ? "a reference was leaked (the page can never be freed)"
					  : "a reference was dropped too often (the page can be freed while in use)"});
		if (pg->lock.is_locked())
			fail(name() + " is still locked (PG_locked) at a quiescent point");
	}
}

void Invariants::check_vmas(const Kernel& k)
{
	for (const process* p : k.processes()) {
		const mm_struct* mm = p->mm;
		if (mm->dead) {
			if (!mm->mmap.empty())
				fail(mm->name + " exited but still has VMAs");
			continue;
		}
		unsigned long prev_end = 0;
		for (const vm_area_struct* v : mm->mmap) {
			if (!v->lt.live())
				fail("the VMA list of " + mm->name + " holds a freed VMA");
			if (v->start() >= v->end() || v->start() < prev_end)
				fail("VMAs of " + mm->name + " overlap or are empty at " + hex(v->start()));
			prev_end = v->end();
			if (v->vm_mm != mm)
				fail("VMA " + hex(v->start()) + " of " + mm->name + " names another mm");
			if (v->vm_file) {
				const auto& l = v->vm_file->f_mapping->i_mmap;
				if (std::find(l.begin(), l.end(), v) == l.end())
					fail("VMA " + hex(v->start()) + " of " + mm->name +
					     " maps a file but is not in its i_mmap (rmap cannot find it)");
			}
		}
	}
	for (const file* f : k.files()) {
		for (const vm_area_struct* v : f->f_inode->i_data.i_mmap)
			if (!v->lt.live())
				fail("i_mmap of " + f->name() + " holds a freed VMA");
	}
}

void Invariants::check_tlbs(const Kernel& k)
{
	auto& kk = const_cast<Kernel&>(k);
	for (int cpu = 0; cpu < k.ncpus(); ++cpu) {
		for (const tlb_entry& t : k.tlb(cpu).slots()) {
			if (!t.valid)
				continue;
			const auto where = [&t, cpu] {
				return "TLB of CPU " + std::to_string(cpu) + " still caches " +
				       (t.pde ? "the PTE table of " : "") + hex(t.va) + " of " + t.mm->name;
			};
			if (t.mm->dead)
				fail(where() + " after the mm exited", {"exit_mmap must flush every CPU"});
			// What the page tables say now.
			const ptdesc* pt = t.mm->pgd;
			pteval_t v = pt->entries[static_cast<std::size_t>(pgd_index(t.va))].peek();
			pt_level lvl = PT_PGD;
			while (pte_present(v) && !pte_huge(v) && lvl > (t.pde ? PT_PMD : PT_PTE)) {
				pt = kk.pgtables().of_pfn(pte_pfn(v));
				lvl = pt->level;
				int idx = lvl == PT_PUD ? pud_index(t.va) : lvl == PT_PMD ? pmd_index(t.va) : pte_index(t.va);
				v = pt->entries[static_cast<std::size_t>(idx)].peek();
			}
			if (t.pde) {
				bool same = pte_present(v) && !pte_huge(v) && t.table != nullptr &&
					    pte_pfn(v) == t.table->frame->pfn && t.table->frame->gen == t.gen;
				if (!same)
					fail(where() + ", but the PMD entry no longer points to that table",
					     {"a freed page-table page must be flushed from every CPU's "
					      "paging-structure cache before it is freed"});
				continue;
			}
			bool maps = pte_present(v) && (v & _PAGE_USER) && pte_pfn(v) == t.pfn;
			if (!maps)
				fail(where() + " -> pfn " + std::to_string(t.pfn) +
					     ", which the page tables no longer map there",
				     {"the flush after clearing the entry missed this CPU"});
			if (t.writable && !pte_write(v))
				fail(where() + " as writable, but the entry is read-only",
				     {"write-protecting an entry must be followed by a flush before the "
				      "lock that orders it is dropped"});
		}
	}
}

} // namespace check
