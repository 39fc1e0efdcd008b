// World operations of memory failure (world.hpp, issue #8). Soft offline has no oracle state:
// it must be invisible. A hard error loses the contents of the file page it hits: the oracle
// sees it as a hole punched over that page, linearised where me_huge_page() takes the page out
// of the page cache (the accesses of its mappers get SIGBUS from their hwpoison entries, which
// check_fault() allows once a hard error happened).
#include "check/world.hpp"

#include "mm/hugetlb.hpp"
#include "mm/memory_failure.hpp"

namespace check {

using Kind = Pending::Kind;

int World::soft_offline(mm::pfn_t pfn)
{
	begin_op();
	int r = k_.sys_soft_offline_page(pfn);
	end_op();
	return r;
}

void World::begin_hard_error(mm::pfn_t pfn)
{
	mm::Phys& phys = k_.phys();
	if (!phys.pfn_valid(pfn) || pfn >= phys.high_water() || phys.is_free(pfn))
		return;
	const mm::folio* f = phys.pfn_to_page(pfn)->head;
	if (f == nullptr || f->mapping == nullptr || !mm::folio_test(f, mm::PG_hugetlb))
		return;
	for (const mm::file* file : k_.files()) {
		if (&file->f_inode->i_data != f->mapping)
			continue;
		Pending& op = oracle_.begin(cpu(), Kind::punch_hole, nullptr);
		op.file = file;
		op.hole_start = f->index << mm::HPAGE_SHIFT;
		op.hole_end = op.hole_start + mm::HPAGE_SIZE;
		op.whole_start = op.hole_start;
		op.whole_end = op.hole_end;
		return;
	}
}

int World::memory_failure(mm::pfn_t pfn)
{
	begin_op();
	begin_hard_error(pfn);
	int r = k_.sys_memory_failure(pfn);
	oracle_.end(cpu());
	end_op();
	return r;
}

int World::inject_error(mm::process& p, unsigned long addr, unsigned long len, int advice)
{
	begin_op();
	if (advice == mm::MADV_HWPOISON) {
		// Only a page of the file mapped at addr.
		mm::pfn_t pfn = pfn_of(p, addr);
		const mm::page* pg =
		    pfn != no_pfn && k_.phys().pfn_valid(pfn) ? k_.phys().pfn_to_page(pfn) : nullptr;
		for (const mm::vm_area_struct* v : p.mm->mmap)
			if (addr >= v->start() && addr < v->end() && v->vm_file != nullptr && pg != nullptr &&
			    pg->head != nullptr && pg->head->mapping == v->vm_file->f_mapping)
				begin_hard_error(pfn);
	}
	int r = k_.sys_madvise(p, addr, len, advice);
	oracle_.end(cpu());
	end_op();
	return r;
}

void World::set_memory_failure_early_kill(bool on)
{
	k_.mf().early_kill = on;
}

mm::folio* World::next_free_hugepage()
{
	const auto& l = k_.hugetlb().h.hugepage_freelist;
	for (auto it = l.rbegin(); it != l.rend(); ++it)
		if (!mm::folio_test(*it, mm::PG_hwpoison))
			return *it;
	return nullptr;
}

} // namespace check
