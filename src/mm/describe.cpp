// Names of model objects for traces: what a kernel developer would write next to a step
// ("pte 0x40001000 (A)", "ptl of PTE table 0x40000000 (A)", "mmap_lock (B)"). Only used in
// trace mode, so it may search linearly.
#include "mm/hugetlb.hpp"
#include "mm/hex.hpp"
#include "mm/kernel.hpp"

#include <cstdio>

namespace mm {
namespace {

template <class T> bool inside(const void* p, const T& obj)
{
	auto a = reinterpret_cast<std::uintptr_t>(p);
	auto b = reinterpret_cast<std::uintptr_t>(&obj);
	return a >= b && a < b + sizeof(T);
}

const char* level_name(pt_level l)
{
	switch (l) {
	case PT_PTE:
		return "pte";
	case PT_PMD:
		return "pmd";
	case PT_PUD:
		return "pud";
	case PT_PGD:
		return "pgd";
	}
	return "?";
}

const char* table_name(pt_level l)
{
	switch (l) {
	case PT_PTE:
		return "PTE table";
	case PT_PMD:
		return "PMD table";
	case PT_PUD:
		return "PUD table";
	case PT_PGD:
		return "pgd";
	}
	return "?";
}

unsigned long entry_span(pt_level l)
{
	switch (l) {
	case PT_PTE:
		return PAGE_SIZE;
	case PT_PMD:
		return PMD_SIZE;
	case PT_PUD:
		return PUD_SIZE;
	case PT_PGD:
		return PGDIR_SIZE;
	}
	return 0;
}

std::string owner_of(const ptdesc* pt)
{
	return pt->owner ? " (" + pt->owner->name + ")" : "";
}

std::string describe_table(const ptdesc* pt, const void* obj)
{
	if (obj == &pt->lt)
		return std::string(table_name(pt->level)) + " " + hex(pt->addr) + owner_of(pt);
	if (obj == &pt->ptl)
		return std::string("ptl of ") + table_name(pt->level) + " " + hex(pt->addr) +
		       owner_of(pt);
	if (obj == &pt->pt_share_count)
		return "pt_share_count of PMD table " + hex(pt->addr) + owner_of(pt);
	auto a = reinterpret_cast<std::uintptr_t>(obj);
	auto b = reinterpret_cast<std::uintptr_t>(pt->entries.data());
	if (a >= b && a < b + sizeof(pt->entries)) {
		auto i = (a - b) / sizeof(pte_slot);
		return std::string(level_name(pt->level)) + " " +
		       hex(pt->addr + i * entry_span(pt->level)) + owner_of(pt);
	}
	return std::string(table_name(pt->level)) + " " + hex(pt->addr) + owner_of(pt);
}

std::string describe_page(const page* p, const void* obj)
{
	std::string pfn = "pfn " + std::to_string(p->pfn);
	if (obj == &p->_refcount)
		return "refcount of " + pfn;
	if (obj == &p->_mapcount || obj == &p->_entire_mapcount)
		return "mapcount of " + pfn;
	if (obj == &p->flags)
		return "flags of " + pfn;
	if (obj == &p->lock)
		return "PG_locked of " + pfn;
	if (obj == &p->data)
		return "data of " + pfn;
	return "page " + pfn;
}

std::string describe_mm(const mm_struct& mm, const void* obj)
{
	std::string who = " (" + mm.name + ")";
	if (obj == &mm.mmap_lock)
		return "mmap_lock" + who;
	if (obj == &mm.page_table_lock)
		return "page_table_lock" + who;
	if (obj == &mm.mm_users)
		return "mm_users" + who;
	if (obj == &mm.cpumask)
		return "mm_cpumask" + who;
	if (obj == &mm.write_protect_seq)
		return "write_protect_seq" + who;
	if (obj == &mm.anon_vma_chain_lock)
		return "anon_vma_chain_lock" + who;
	return "mm" + who;
}

std::string describe_vma(const vm_area_struct& v, const void* obj)
{
	std::string who = "vma " + hex(v.vm_start.peek()) + (v.vm_mm ? " (" + v.vm_mm->name + ")" : "");
	if (obj == &v.lt)
		return who;
	if (obj == &v.vm_start)
		return "vm_start of " + who;
	if (obj == &v.vm_end)
		return "vm_end of " + who;
	if (obj == &v.vm_pgoff)
		return "vm_pgoff of " + who;
	if (obj == &v.vm_flags)
		return "vm_flags of " + who;
	if (obj == &v.anon)
		return "anon_vma of " + who;
	if (obj == &v.unstable_rmap)
		return "unstable_rmap of " + who;
	return who;
}

std::string describe_inode(const inode& ino, const void* obj)
{
	std::string who = " (" + ino.name + ")";
	if (obj == &ino.i_rwsem)
		return "i_rwsem" + who;
	if (obj == &ino.i_size)
		return "i_size" + who;
	if (obj == &ino.i_data.i_mmap_rwsem)
		return "i_mmap_rwsem" + who;
	if (obj == &ino.i_data.i_pages_lock)
		return "i_pages" + who;
	return "inode" + who;
}

} // namespace

std::string Kernel::describe(sim::Op op, const void* obj) const
{
	(void)op;
	if (obj == nullptr)
		return {};
	if (obj == &phys_)
		return "page allocator";
	if (obj == &thp_enabled_)
		return "transparent_hugepage/enabled";
	if (const page* p = phys_.page_containing(obj))
		return describe_page(p, obj);
	if (const ptdesc* pt = pgtables_.containing(obj))
		return describe_table(pt, obj);
	if (std::string s = hugetlb_->describe(obj); !s.empty())
		return s;
	for (std::size_t i = 0; i < mms_.used(); ++i)
		if (inside(obj, mms_.at(i)))
			return describe_mm(mms_.at(i), obj);
	for (std::size_t i = 0; i < vmas_.used(); ++i)
		if (inside(obj, vmas_.at(i)))
			return describe_vma(vmas_.at(i), obj);
	for (std::size_t i = 0; i < inode_pool_.used(); ++i)
		if (inside(obj, inode_pool_.at(i)))
			return describe_inode(inode_pool_.at(i), obj);
	for (std::size_t i = 0; i < anon_vmas_.used(); ++i) {
		const anon_vma& av = anon_vmas_.at(i);
		if (obj == &av.rwsem)
			return "anon_vma->rwsem #" + std::to_string(i);
		if (obj == &av.lock)
			return "anon_vma->lock #" + std::to_string(i);
		if (obj == &av.refcount)
			return "refcount of anon_vma #" + std::to_string(i);
		if (inside(obj, av))
			return "anon_vma #" + std::to_string(i);
	}
	return {};
}

} // namespace mm
