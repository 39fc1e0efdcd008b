// Memory-failure checks (memory_failure_check.hpp).
#include "check/memory_failure_check.hpp"
#include "mm/hex.hpp"

#include "mm/hugetlb.hpp"
#include "mm/memory_failure.hpp"
#include "sim/engine.hpp"

#include <algorithm>
#include <cstdio>

namespace check {
namespace {

using namespace mm;

// The PMD-level entry of addr in mm, or 0 (a walk with peek()).
pteval_t pmd_entry(const Kernel& kc, const mm_struct* mm, unsigned long addr)
{
	auto& k = const_cast<Kernel&>(kc);
	pteval_t v = mm->pgd->entries[static_cast<std::size_t>(pgd_index(addr))].peek();
	if (!pte_present(v))
		return 0;
	const ptdesc* pud = k.pgtables().of_pfn(pte_pfn(v));
	v = pud->entries[static_cast<std::size_t>(pud_index(addr))].peek();
	if (!pte_present(v) || pte_huge(v))
		return 0;
	const ptdesc* pmd = k.pgtables().of_pfn(pte_pfn(v));
	return pmd->entries[static_cast<std::size_t>(pmd_index(addr))].peek();
}

} // namespace

bool hard_error(const Kernel& k, pfn_t pfn)
{
	const auto& h = k.mf().hard_errors;
	return std::find(h.begin(), h.end(), pfn) != h.end();
}

int poison_refs(const Kernel& k, const folio* f)
{
	const auto& r = k.mf().poison_refs;
	return static_cast<int>(std::count(r.begin(), r.end(), f->pfn));
}

std::optional<std::string> poison_sigbus(const Kernel& k, const process& p, unsigned long addr,
					 bool* hard_ok)
{
	*hard_ok = !k.mf().hard_errors.empty();
	if (p.exited || p.mm->dead)
		return std::nullopt;
	const vm_area_struct* vma = nullptr;
	for (const vm_area_struct* v : p.mm->mmap)
		if (addr >= v->start() && addr < v->end())
			vma = v;
	if (vma == nullptr || !is_vm_hugetlb_page(vma))
		return std::nullopt;
	pfn_t pfn = 0;
	bool poisoned = false;
	std::string where;
	pteval_t v = pmd_entry(k, p.mm, addr);
	if (is_hwpoison_entry(v)) {
		pfn = swp_offset_pfn(v);
		poisoned = true;
		where = "a hwpoison entry";
	} else if (vma->flags() & VM_MAYSHARE) {
		pgoff_t idx = vma_hugecache_offset(vma, addr & HPAGE_MASK);
		const folio* f = vma->vm_file->f_inode->i_data.find(idx);
		if (f != nullptr && folio_test(f, PG_hwpoison)) {
			pfn = f->pfn;
			poisoned = true;
			where = "page " + std::to_string(idx) + " of " + vma->vm_file->f_inode->name +
				" in the page cache, marked PG_hwpoison";
		}
	}
	if (!poisoned || hard_error(k, pfn))
		return std::nullopt;
	return p.name + " got SIGBUS at " + hex(addr) + " from " + where + " (pfn " +
	       std::to_string(pfn) + "), but no memory error hit that page: only a soft offline did";
}

void check_hwpoison_placement(const Kernel& kc)
{
	auto& k = const_cast<Kernel&>(kc);
	const hugetlb_globals& hg = k.hugetlb();
	for (const hugetlbfs_inode_info* info : hg.inodes) {
		if (info->evicted)
			continue;
		for (const auto& [index, f] : info->vfs_inode->i_data.i_pages)
			if (folio_test(f, PG_hwpoison) && !hard_error(k, f->pfn))
				sim::raise(sim::ViolationKind::invariant,
					   "pfn " + std::to_string(f->pfn) + ", page " + std::to_string(index) + " of " +
						   info->vfs_inode->name +
						   " in the page cache, is marked PG_hwpoison but no memory error hit it",
					   {"soft offline may mark a page only once it is out of use: a fault that "
					    "finds it gets SIGBUS (races.md §3 items 17, 18)"});
	}
	for (const folio* f : hg.h.hugepage_freelist)
		if (folio_test(f, PG_hwpoison) && !hard_error(k, f->pfn))
			sim::raise(sim::ViolationKind::invariant,
				   "pfn " + std::to_string(f->pfn) +
					   " sits on the hugetlb free list marked PG_hwpoison after a soft offline",
				   {"a failed soft offline must leave the page as it was; a poisoned free page "
				    "still counts as free but no fault can use it (races.md §3 item 17)"});
}

} // namespace check
