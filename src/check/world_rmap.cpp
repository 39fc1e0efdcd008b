// World operations of issue #6: migration and exec (world.hpp). Migration changes nothing the
// user can see, so it has no oracle state of its own: every access across it is checked
// against the abstract memory as is. exec replaces the address space at exec_mmap() and moves
// the stack at setup_arg_pages(), both linearised at their commit.
#include "check/rmap_check.hpp"
#include "check/world.hpp"

#include "mm/pgtable.hpp"
#include "mm/vma.hpp"

namespace check {

using Kind = Pending::Kind;

int World::move_pages(mm::process& p, unsigned long addr)
{
	begin_op();
	int r = k_.sys_move_pages(p, addr);
	end_op();
	return r;
}

int World::migrate_pfn(mm::pfn_t pfn)
{
	begin_op();
	int r = k_.migrate_pfn(pfn);
	end_op();
	return r;
}

mm::pfn_t World::pfn_of(const mm::process& p, unsigned long addr) const
{
	auto& pts = const_cast<mm::Kernel&>(k_).pgtables();
	const mm::ptdesc* pt = p.mm->pgd;
	for (int level = mm::PT_PGD; level > mm::PT_PTE; --level) {
		int shift = level == mm::PT_PGD ? mm::PGDIR_SHIFT : level == mm::PT_PUD ? mm::PUD_SHIFT
										: mm::PMD_SHIFT;
		mm::pteval_t v = pt->entries[(addr >> shift) & 511].peek();
		if (!mm::pte_present(v))
			return no_pfn;
		if (mm::pte_huge(v))
			return mm::pte_pfn(v); // a huge page's head (issue #8: hugetlb pages too)
		pt = pts.of_pfn(mm::pte_pfn(v));
	}
	mm::pteval_t v = pt->entries[(addr >> mm::PAGE_SHIFT) & 511].peek();
	return mm::pte_present(v) ? mm::pte_pfn(v) : no_pfn;
}

int World::exec_begin(mm::process& p, const std::vector<std::uint64_t>& argv)
{
	begin_op();
	Pending& op = oracle_.begin(cpu(), Kind::exec, &p);
	op.new_vma.end = mm::STACK_TOP_MAX;
	op.new_vma.start = mm::STACK_TOP_MAX - argv.size() * mm::PAGE_SIZE;
	op.new_vma.prot = mm::VM_READ | mm::VM_WRITE;
	op.new_vma.kind = MapKind::anon_private;
	for (std::size_t i = 0; i < argv.size(); ++i)
		op.new_contents.push_back({op.new_vma.start + i * mm::PAGE_SIZE, Cell::of(argv[i])});
	int r = k_.exec_begin(p, argv);
	oracle_.end(cpu());
	end_op();
	return r;
}

int World::exec_setup_arg_pages(mm::process& p, unsigned long stack_top)
{
	begin_op();
	Pending& op = oracle_.begin(cpu(), Kind::exec_stack, &p);
	for (const mm::vm_area_struct* v : p.mm->mmap) {
		if (v->start() < mm::STACK_TOP_MAX && mm::STACK_TOP_MAX <= v->end()) {
			op.start = v->start();
			op.end = v->end();
		}
	}
	stack_top = mm::round_up(stack_top, mm::PAGE_SIZE);
	op.new_start = op.start - (op.end - stack_top);
	op.new_vma.start = op.new_start - mm::STACK_EXPAND;
	op.new_vma.end = stack_top;
	op.new_vma.prot = mm::VM_READ | mm::VM_WRITE;
	op.new_vma.kind = MapKind::anon_private;
	int r = k_.exec_setup_arg_pages(p, stack_top);
	oracle_.end(cpu());
	end_op();
	return r;
}

void World::on_rmap_miss(const mm::folio& walked, const mm::folio& src,
			  const mm::vm_area_struct& vma, unsigned long address)
{
	if (check_migration_)
		check_rmap_miss(k_, walked, src, vma, address);
}

void World::on_migration_end(const mm::folio& src)
{
	if (check_migration_)
		check_migration_end(k_, src);
}

} // namespace check
