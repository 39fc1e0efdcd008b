// hugetlb invariants at quiescent points (races.md §3 items 13-14, §4.4): the pool's counters
// agree with its free list and with the hugetlb folios that exist, and the reserved count equals
// what the reserve maps promise. Part of Invariants::check() (invariants.hpp).
#include "check/invariants.hpp"

#include "check/hugetlb_oracle.hpp"
#include "check/memory_failure_check.hpp"

#include "mm/hugetlb.hpp"
#include "sim/engine.hpp"

namespace check {
namespace {

using namespace mm;

[[noreturn]] void fail(std::string msg, std::vector<std::string> detail = {})
{
	sim::raise(sim::ViolationKind::invariant, std::move(msg), std::move(detail));
}

std::string counters(const hstate& h)
{
	return "(Total " + std::to_string(h.nr_huge_pages) + ", Free " + std::to_string(h.free_huge_pages) +
	       ", Rsvd " + std::to_string(h.resv_huge_pages) + ", Surp " +
	       std::to_string(h.surplus_huge_pages) + ")";
}

} // namespace

void Invariants::check_hugetlb(const Kernel& kc)
{
	auto& k = const_cast<Kernel&>(kc);
	const hugetlb_globals& hg = k.hugetlb();
	const hstate& h = hg.h;
	// Strings only when something is wrong: this runs at every quiescent point.
	auto c = [&h] { return counters(h); };

	// §3 item 13: counter relations.
	if (h.free_huge_pages > h.nr_huge_pages || h.surplus_huge_pages > h.nr_huge_pages)
		fail("hugetlb counters out of order " + c() + ": free and surplus must not exceed total");
	if (h.resv_huge_pages > h.free_huge_pages)
		fail("hugetlb counters " + c() + ": more pages reserved than free",
		     {"a reservation promises a free page to a later fault"});
	if (h.free_huge_pages != h.hugepage_freelist.size())
		fail("hugetlb counters " + c() + ": the free list holds " +
		     std::to_string(h.hugepage_freelist.size()) + " pages");
	unsigned long usable = 0;
	for (const folio* f : h.hugepage_freelist) {
		if (!folio_test(f, PG_hugetlb) || !folio_test(f, HPG_freed) || f->_refcount.peek() != 0 ||
		    f->_entire_mapcount.peek() != -1 || f->mapping != nullptr)
			fail("free hugetlb pfn " + std::to_string(f->pfn) +
			     " is not a clean free huge page (flags, refcount, mapcount or page cache)");
		// A page a hard memory error poisoned may break a reservation (issue #8, races.md §4).
		if (!folio_test(f, PG_hwpoison) || hard_error(k, f->pfn))
			++usable;
	}
	if (usable < h.resv_huge_pages)
		fail("hugetlb: " + std::to_string(usable) + " usable free pages for " +
		     std::to_string(h.resv_huge_pages) + " reservations " + c());
	// Every hugetlb folio in existence is free or in use, and counted.
	unsigned long in_use = 0;
	const Phys& phys = k.phys();
	for (pfn_t pfn = 0; pfn < phys.high_water(); ++pfn) {
		if (phys.is_free(pfn))
			continue;
		const page* pg = k.phys().pfn_to_page(pfn);
		if (pg->head != pg)
			continue;
		if (pg->order > 0)
			pfn += static_cast<pfn_t>(folio_nr_pages(pg)) - 1; // to the next folio
		if (!folio_test(pg, PG_hugetlb) || folio_test(pg, HPG_freed))
			continue;
		++in_use;
		if (folio_test(pg, HPG_restore_reserve))
			fail("hugetlb pfn " + std::to_string(pfn) +
			     " is in use with HPG_restore_reserve set at a quiescent point",
			     {"an instantiated page must have given up its claim on a reservation"});
	}
	if (h.nr_huge_pages != h.free_huge_pages + in_use)
		fail("hugetlb counters " + c() + ": " + std::to_string(in_use) +
		     " hugetlb pages are in use, so Total should be " +
		     std::to_string(h.free_huge_pages + in_use));

	// §4.4: the reservation identity. Each term is visited by `term(what, total, taken)`:
	// once to add it up and, only when the sum is wrong, once more to explain it.
	auto each_term = [&](auto&& term) {
		for (const hugetlbfs_inode_info* info : hg.inodes) {
			if (info->evicted)
				continue;
			const inode* ino = info->vfs_inode;
			const resv_map* map = inode_resv_map(ino);
			term(ino->name, hugetlb_regions_in(map, 0, LONG_MAX),
			     static_cast<long>(ino->i_data.i_pages.size()), false);
		}
		for (const process* p : k.processes()) {
			if (p->mm->dead)
				continue;
			for (const vm_area_struct* vma : p->mm->mmap) {
				if (!is_vm_hugetlb_page(vma) || (vma->flags() & VM_MAYSHARE) ||
				    !is_vma_resv_set(vma, HPAGE_RESV_OWNER))
					continue;
				long start = static_cast<long>(vma_hugecache_offset(vma, vma->start()));
				long end = static_cast<long>(vma_hugecache_offset(vma, vma->end()));
				term(p->name, end - start, hugetlb_regions_in(vma_resv_map(vma), start, end), true);
			}
		}
	};
	for (const hugetlbfs_inode_info* info : hg.inodes) {
		if (info->evicted)
			continue;
		const inode* ino = info->vfs_inode;
		const resv_map* map = inode_resv_map(ino);
		if (map->adds_in_progress != 0)
			fail("reserve map of " + ino->name + " has adds in progress at a quiescent point");
		for (const auto& [index, f] : ino->i_data.i_pages)
			if (hugetlb_regions_in(map, static_cast<long>(index), static_cast<long>(index) + 1) == 0)
				fail("page " + std::to_string(index) + " of " + ino->name +
				     " is in the page cache but not in the inode's reserve map");
	}
	long promised = 0;
	each_term([&](const std::string&, long total, long taken, bool) { promised += total - taken; });
	check_hwpoison_placement(k); // issue #8
	if (promised != static_cast<long>(h.resv_huge_pages)) {
		std::string why;
		each_term([&](const std::string& name, long total, long taken, bool owner) {
			why += owner ? " private owner " + name + ": " + std::to_string(total) + " - " +
					       std::to_string(taken) + " consumed;"
				     : " " + name + ": " + std::to_string(total) +
					       " reserved or instantiated - " + std::to_string(taken) +
					       " in the page cache;";
		});
		fail("hugetlb reservation identity: Rsvd is " + std::to_string(h.resv_huge_pages) +
			     " but the reserve maps promise " + std::to_string(promised) + " pages",
		     {"resv = sum over files (|reserve map| - |page cache|) + sum over private owner "
		      "VMAs (size - consumed) (races.md §4.4):" + why});
	}
}

} // namespace check
