// reset() of pooled objects: back to the state a fresh allocation has in the kernel.
#include "mm/mm_types.hpp"

#include <algorithm>

namespace mm {

namespace {
void reset_lock(sim::LockBase& l)
{
	l.owner = -1;
	l.readers = 0;
}
} // namespace

void vm_area_struct::reset()
{
	vm_start.init(0);
	vm_end.init(0);
	vm_pgoff.init(0);
	vm_flags.init(0);
	vm_mm = nullptr;
	vm_file = nullptr;
	anon.init(nullptr);
	anon_vma_chain.clear();
	vm_private_data = nullptr;
	unstable_rmap.init(0);
	adjusting = -1;
	adjusting_by = nullptr;
	lt.revive();
}

void mm_struct::reset()
{
	k = nullptr;
	id = 0;
	name.clear();
	reset_lock(mmap_lock);
	reset_lock(page_table_lock);
	pgd = nullptr;
	mmap.clear();
	mm_users.init(1);
	cpumask.init(0);
	write_protect_seq.init(0);
	reset_lock(anon_vma_chain_lock);
	dead = false;
	lt.revive();
}

folio* address_space::find(pgoff_t index) const
{
	auto it = std::lower_bound(i_pages.begin(), i_pages.end(), index,
				   [](const auto& e, pgoff_t i) { return e.first < i; });
	return (it != i_pages.end() && it->first == index) ? it->second : nullptr;
}

void address_space::reset()
{
	host = nullptr;
	reset_lock(i_mmap_rwsem);
	i_mmap.clear();
	reset_lock(i_pages_lock);
	i_pages.clear();
	private_data = nullptr;
}

void inode::reset()
{
	k = nullptr;
	name.clear();
	reset_lock(i_rwsem);
	i_data.reset();
	i_data.host = this;
	i_size.init(0);
	hugetlbfs = false;
	hugetlbfs_info = nullptr;
	shmem = false;
	nlink = 1;
}

void anon_vma::reset()
{
	root = this;
	parent = nullptr;
	reset_lock(rwsem);
	reset_lock(lock);
	refcount.init(1);
	rb_root.clear();
	lt.revive();
}

} // namespace mm
