// hugetlb judgement for the memory oracle (hugetlb_oracle.hpp).
#include "check/hugetlb_oracle.hpp"

#include "mm/hugetlb.hpp"

#include <algorithm>

namespace check {
namespace {

using namespace mm;

const vm_area_struct* vma_at(const process& p, unsigned long addr)
{
	for (const vm_area_struct* v : p.mm->mmap)
		if (addr >= v->start() && addr < v->end())
			return v;
	return nullptr;
}

// Whether a present entry maps addr in mm (a walk with peek()).
bool mapped(Kernel& k, const mm_struct* mm, unsigned long addr)
{
	pteval_t v = mm->pgd->entries[static_cast<std::size_t>(pgd_index(addr))].peek();
	if (!pte_present(v))
		return false;
	const ptdesc* pud = k.pgtables().of_pfn(pte_pfn(v));
	v = pud->entries[static_cast<std::size_t>(pud_index(addr))].peek();
	if (!pte_present(v) || pte_huge(v))
		return pte_present(v);
	const ptdesc* pmd = k.pgtables().of_pfn(pte_pfn(v));
	return pte_present(pmd->entries[static_cast<std::size_t>(pmd_index(addr))].peek());
}

} // namespace

long hugetlb_regions_in(const resv_map* map, long f, long t)
{
	long n = 0;
	for (const file_region& r : map->regions) {
		long lo = std::max(r.from, f), hi = std::min(r.to, t);
		if (lo < hi)
			n += hi - lo;
	}
	return n;
}

bool in_hugetlb_vma(const process& p, unsigned long addr)
{
	if (p.exited || p.mm->dead)
		return false;
	const vm_area_struct* vma = vma_at(p, addr);
	return vma != nullptr && is_vm_hugetlb_page(vma);
}

bool hugetlb_fault_may_fail(Kernel& k, const process& p, unsigned long addr)
{
	// Runs before every user access: one look at the VMA list.
	if (p.exited || p.mm->dead)
		return false;
	const vm_area_struct* vma = vma_at(p, addr);
	if (vma == nullptr || !is_vm_hugetlb_page(vma))
		return false;
	if (is_vma_resv_set(vma, HPAGE_RESV_UNMAPPED))
		return true;
	long idx = static_cast<long>(vma_hugecache_offset(vma, addr & HPAGE_MASK));
	if (vma->flags() & VM_MAYSHARE) {
		const inode* ino = vma->vm_file->f_inode;
		if (ino->i_data.find(static_cast<pgoff_t>(idx)) != nullptr)
			return false; // the page exists: the fault maps it
		const resv_map* map = inode_resv_map(ino);
		return map == nullptr || hugetlb_regions_in(map, idx, idx + 1) == 0;
	}
	if (is_vma_resv_set(vma, HPAGE_RESV_OWNER)) {
		// The owner never fails a COW (unmap_ref_private() takes the page back); it needs
		// an unreserved page only where it consumed its reservation and maps nothing now.
		bool consumed = hugetlb_regions_in(vma_resv_map(vma), idx, idx + 1) > 0;
		return consumed && !mapped(k, p.mm, addr);
	}
	return true; // a fork child or a NORESERVE private mapping
}

} // namespace check
