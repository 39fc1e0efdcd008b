// VMA management, mmap and munmap. Models mm/mmap.c and mm/vma.c (v6.x): do_mmap,
// do_vmi_munmap + vms_complete_munmap_vmas + unmap_region, __split_vma.
//
// Differences: the VMA tree is a sorted vector; munmap keeps mmap_lock for write throughout
// (no downgrade to read); no VMA merging; no per-VMA locks.
#include "mm/hugetlb.hpp"
#include "mm/internal.hpp"
#include "mm/huge_mm.hpp"
#include "mm/vma.hpp"
#include "sim/frame.hpp"

#include <algorithm>

namespace mm {

vm_area_struct* find_vma(mm_struct* mm, unsigned long addr)
{
	for (vm_area_struct* vma : mm->mmap)
		if (addr < vma->end())
			return vma;
	return nullptr;
}

vm_area_struct* vma_lookup(mm_struct* mm, unsigned long addr)
{
	vm_area_struct* vma = find_vma(mm, addr);
	return (vma && vma->start() <= addr) ? vma : nullptr;
}

void vma_link(mm_struct* mm, vm_area_struct* vma)
{
	auto it = std::lower_bound(mm->mmap.begin(), mm->mmap.end(), vma,
				   [](auto* a, auto* b) { return a->start() < b->start(); });
	mm->mmap.insert(it, vma);
	if (vma->vm_file)
		vma_interval_tree_insert(vma, vma->vm_file->f_mapping);
}

void vma_unlink(mm_struct* mm, vm_area_struct* vma)
{
	mm->mmap.erase(std::find(mm->mmap.begin(), mm->mmap.end(), vma));
}

pgoff_t linear_page_index(const vm_area_struct* vma, unsigned long addr)
{
	return ((addr - vma->start()) >> PAGE_SHIFT) + vma->vm_pgoff.peek();
}

unsigned long get_unmapped_area(mm_struct* mm, unsigned long len, unsigned long align)
{
	// Bottom-up first fit above 1 GiB: predictable addresses for scenarios.
	unsigned long addr = round_up(1ul << 30, align);
	for (vm_area_struct* vma : mm->mmap) {
		if (addr + len <= vma->start())
			break;
		addr = std::max(addr, round_up(vma->end(), align));
	}
	return addr + len <= TASK_SIZE ? addr : 0;
}

// __split_vma(). Context: mmap_lock held for write.
int split_vma(mm_struct* mm, vm_area_struct* vma, unsigned long addr, bool new_below)
{
	MM_FRAME("__split_vma");
	Kernel& k = kernel_of(mm);
	if (is_vm_hugetlb_page(vma)) // vm_ops->may_split
		if (int r = hugetlb_vm_op_split(vma, addr))
			return r;
	vm_area_struct* n = k.vm_area_alloc(mm);
	n->vm_flags.init(vma->flags());
	n->vm_file = vma->vm_file;
	n->vm_private_data = vma->vm_private_data;
	n->anon.init(vma->anon.peek());
	if (new_below) {
		n->vm_start.init(vma->start());
		n->vm_end.init(addr);
		n->vm_pgoff.init(vma->vm_pgoff.peek());
	} else {
		n->vm_start.init(addr);
		n->vm_end.init(vma->end());
		n->vm_pgoff.init(vma->vm_pgoff.peek() + ((addr - vma->start()) >> PAGE_SHIFT));
	}
	if (anon_vma_clone(n, vma))
		return -ENOMEM;
	vma_adjust_trans_huge(vma, addr); // no THP may straddle the new boundary
	if (is_vm_hugetlb_page(n))
		hugetlb_vma_open(n); // vm_ops->open
	// vma_prepare()/vma_complete() (2.6.34: vma_adjust()): the fields change under the
	// file's i_mmap_rwsem and the anon_vma root lock, so rmap walkers never see a
	// half-updated VMA (issue #6 has the versions that did not).
	if (new_below)
		vma_adjust(vma, addr, vma->end(),
			   vma->vm_pgoff.peek() + ((addr - vma->start()) >> PAGE_SHIFT));
	else
		vma_adjust(vma, vma->start(), addr, vma->vm_pgoff.peek());
	vma_link(mm, n);
	return 0;
}

int split_range(mm_struct* mm, unsigned long start, unsigned long end)
{
	if (vm_area_struct* vma = find_vma(mm, start); vma && vma->start() < start && start < vma->end())
		if (int r = split_vma(mm, vma, start, false))
			return r;
	if (vm_area_struct* vma = find_vma(mm, end); vma && vma->start() < end && end < vma->end())
		if (int r = split_vma(mm, vma, end, true))
			return r;
	return 0;
}

bool is_cow_mapping(unsigned long flags)
{
	return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

namespace {

unsigned long calc_vm_flags(int prot, int flags)
{
	unsigned long f = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | calc_vm_prot_bits(prot);
	if (flags & MAP_SHARED)
		f |= VM_SHARED | VM_MAYSHARE;
	if (flags & MAP_GROWSDOWN)
		f |= VM_GROWSDOWN;
	if (flags & MAP_NORESERVE)
		f |= VM_NORESERVE;
	return f;
}

} // namespace

// do_mmap(). Context: mmap_lock held for write.
long do_mmap(mm_struct* mm, file* f, unsigned long addr, unsigned long len, int prot,
	     int flags, unsigned long pgoff)
{
	MM_FRAME("do_mmap");
	Kernel& k = kernel_of(mm);
	if (len == 0)
		return -EINVAL;
	len = round_up(len, PAGE_SIZE);
	if (!(flags & (MAP_SHARED | MAP_PRIVATE)))
		return -EINVAL;
	file* hugetlb_setup = nullptr;
	if ((flags & MAP_HUGETLB) && f == nullptr) {
		// ksys_mmap_pgoff(): anonymous huge pages are an unlinked hugetlbfs file; the
		// reservation is taken by its mmap below.
		len = round_up(len, HPAGE_SIZE);
		f = hugetlb_setup = hugetlb_file_setup(k, "anon_hugepage", len, VM_NORESERVE, false);
		if (f == nullptr)
			return -ENOMEM;
		pgoff = 0;
	}
	unsigned long align = PAGE_SIZE;
	if (is_file_hugepages(f)) {
		// hugetlb_get_unmapped_area() / prepare_hugepage_range().
		align = HPAGE_SIZE;
		if ((len & ~HPAGE_MASK) || ((flags & MAP_FIXED) && (addr & ~HPAGE_MASK))) {
			if (hugetlb_setup)
				hugetlbfs_fput(hugetlb_setup);
			return -EINVAL;
		}
	}
	if (flags & MAP_FIXED) {
		if ((addr & ~PAGE_MASK) || addr + len > TASK_SIZE || addr + len < addr)
			return -EINVAL;
		if (int r = do_munmap(mm, addr, len))
			return r;
	} else {
		addr = get_unmapped_area(mm, len, align);
		if (addr == 0)
			return -ENOMEM;
	}
	if ((flags & MAP_SHARED) && f == nullptr) {
		// shmem_zero_setup(): shared anonymous memory is a shmem file ("/dev/zero (deleted)").
		f = k.create_file("dev/zero#" + std::to_string(k.files().size()), len);
		pgoff = 0;
	}
	vm_area_struct* vma = k.vm_area_alloc(mm);
	vma->vm_start.init(addr);
	vma->vm_end.init(addr + len);
	vma->vm_flags.init(calc_vm_flags(prot, flags));
	vma->vm_file = f;
	// Anon VMAs use the virtual page number, so page->index stays valid across mremap.
	vma->vm_pgoff.init(f ? pgoff : addr >> PAGE_SHIFT);
	if (is_file_hugepages(f)) {
		// call_mmap(): hugetlbfs_file_mmap() reserves the pages; the VMA holds the file.
		int r = hugetlbfs_file_mmap(f, vma);
		if (r == 0) {
			hugetlbfs_get_file(f);
			if (is_shm_file(k, f))
				shm_open(vma); // shm_mmap() -> __shm_open()
		}
		if (hugetlb_setup)
			hugetlbfs_fput(hugetlb_setup); // fput() of the file ksys_mmap_pgoff() made
		if (r != 0) {
			k.vm_area_free(vma);
			return r;
		}
	}
	vma_link(mm, vma);
	return static_cast<long>(addr);
}

// do_vmi_munmap(). Context: mmap_lock held for write.
int do_munmap(mm_struct* mm, unsigned long start, unsigned long len)
{
	MM_FRAME("do_vmi_munmap");
	Kernel& k = kernel_of(mm);
	if ((start & ~PAGE_MASK) || start >= TASK_SIZE || len > TASK_SIZE - start)
		return -EINVAL;
	len = round_up(len, PAGE_SIZE);
	if (len == 0)
		return -EINVAL;
	unsigned long end = start + len;
	// Split the VMAs straddling the boundaries.
	if (split_range(mm, start, end))
		return -ENOMEM;
	std::vector<vm_area_struct*> doomed;
	unsigned long floor = 0, ceiling = 0;
	for (vm_area_struct* vma : mm->mmap) {
		if (vma->end() <= start)
			floor = vma->end();
		else if (vma->start() >= end) {
			ceiling = vma->start();
			break;
		} else
			doomed.push_back(vma);
	}
	if (doomed.empty())
		return 0;
	for (vm_area_struct* vma : doomed)
		vma_unlink(mm, vma);
	// unmap_region(): zap, then free the tables, then flush and free in tlb_finish_mmu.
	{
		MM_FRAME("unmap_region");
		mmu_gather tlb;
		tlb_gather_mmu(tlb, mm);
		unmap_vmas(tlb, mm, doomed, start, end);
		free_pgtables(tlb, mm, doomed, floor, ceiling);
		tlb_finish_mmu(tlb);
	}
	for (vm_area_struct* vma : doomed) {
		if (is_vm_hugetlb_page(vma))
			hugetlb_vma_close(vma); // remove_vma(): vm_ops->close, fput
		k.vm_area_free(vma);
	}
	return 0;
}

} // namespace mm

namespace mm {

// exit_mmap(). Models mm/mmap.c exit_mmap (v6.1+): the leaves are zapped under mmap_lock for
// read, the tables freed under mmap_lock for write (which waits out anyone who still walks
// this mm's VMAs, e.g. a remote GUP). Context: the mm has no users left.
// Differences: no OOM reaper, no maple-tree RCU mode.
void exit_mmap(mm_struct* mm)
{
	MM_FRAME("exit_mmap");
	Kernel& k = kernel_of(mm);
	// Before v6.0 exit_mmap() took no mmap_lock: nobody else used the mm, it was thought.
	bool locked = k.fixed(Fix::exit_mmap_lock);
	if (locked)
		mm->mmap_lock.down_read();
	std::vector<vm_area_struct*> vmas = mm->mmap;
	mmu_gather tlb;
	tlb_gather_mmu(tlb, mm, true);
	unmap_vmas(tlb, mm, vmas, 0, TASK_SIZE);
	if (locked) {
		mm->mmap_lock.up_read();
		mm->mmap_lock.down_write();
	}
	free_pgtables(tlb, mm, vmas, 0, 0);
	tlb_finish_mmu(tlb);
	mm->mmap.clear();
	for (vm_area_struct* vma : vmas) {
		if (is_vm_hugetlb_page(vma))
			hugetlb_vma_close(vma); // remove_vma(): vm_ops->close, fput
		k.vm_area_free(vma);
	}
	mm->dead = true;
	if (locked)
		mm->mmap_lock.up_write();
}

bool mmget_not_zero(mm_struct* mm)
{
	return mm->mm_users.inc_not_zero();
}

// mmput(). The last user tears the address space down, then __mmdrop() frees the pgd.
void mmput(mm_struct* mm)
{
	if (!mm->mm_users.dec_and_test())
		return;
	MM_FRAME("mmput");
	exit_mmap(mm);
	for (const pte_slot& e : mm->pgd->entries)
		if (e.peek() != 0)
			sim::raise(sim::ViolationKind::invariant,
				   "__mmdrop: pgd of " + mm->name + " still has entries after exit_mmap");
	kernel_of(mm).pgtables().free(mm->pgd);
}

} // namespace mm
