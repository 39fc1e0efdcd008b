// hugetlbfs: files backed by huge pages. Models fs/hugetlbfs/inode.c (v6.1, torvalds/linux
// 0010b838db9f): hugetlbfs_get_inode, hugetlbfs_file_mmap, hugetlb_vmtruncate, hugetlbfs_setattr,
// hugetlbfs_punch_hole, hugetlbfs_fallocate, remove_inode_hugepages, remove_inode_single_folio,
// hugetlb_unmap_file_folio, hugetlb_vmdelete_list, hugetlb_vma_maps_page, hugetlbfs_evict_inode,
// hugetlb_file_setup; and the pool's sysctl entry points.
//
// Truncation and hole punch unmap every VMA of the range (trylocking each vma lock, since
// i_mmap_rwsem is already held), then drop the pages under the hugetlb fault mutex; a page a
// racing fault mapped meanwhile is unmapped again there, waiting for its vma lock if needed.
//
// Differences: one mount, no size limits (subpools), no seals, no read/write(2); an inode is
// evicted when it has no name and no references (one count for open files and mappings); the
// final __fput() runs as task work, after the syscall dropped its locks, as in the kernel.
#include "mm/hugetlb.hpp"

#include "mm/internal.hpp"
#include "sim/frame.hpp"
#include "sim/verify.hpp"

#include <algorithm>
#include <climits>

namespace mm {
namespace {

// vma_offset_start() / vma_offset_end(): [start, end) in pages of the file, as offsets in vma.
unsigned long vma_offset_start(const vm_area_struct* vma, pgoff_t start)
{
	pgoff_t pgoff = vma->vm_pgoff.peek();
	return pgoff < start ? (start - pgoff) << PAGE_SHIFT : 0;
}

unsigned long vma_offset_end(const vm_area_struct* vma, pgoff_t end)
{
	if (end == 0)
		return vma->end();
	unsigned long t_end = ((end - vma->vm_pgoff.peek()) << PAGE_SHIFT) + vma->start();
	return std::min(t_end, vma->end());
}

bool vma_overlaps(const vm_area_struct* vma, pgoff_t start, pgoff_t end)
{
	pgoff_t first = vma->vm_pgoff.peek();
	pgoff_t last = first + ((vma->end() - vma->start()) >> PAGE_SHIFT); // exclusive
	return first < (end == 0 ? ~pgoff_t(0) : end) && start < last;
}

// hugetlb_vma_maps_page(). Context: i_mmap_rwsem held (hugetlb_walk() rule 2).
bool hugetlb_vma_maps_page(vm_area_struct* vma, unsigned long addr, folio* page)
{
	pte_t* ptep = hugetlb_walk(vma, addr);
	if (ptep == nullptr)
		return false;
	pteval_t pte = ptep_get(ptep);
	if (!pte_present(pte))
		return false;
	return page_folio(kernel_of(vma->vm_mm).phys().pfn_to_page(pte_pfn(pte))) == page;
}

// Models hugetlb_vmdelete_list() (fs/hugetlbfs/inode.c, v6.1): unmap file pages [start, end)
// (in base pages; end == 0: to the end) from every VMA. A VMA whose vma lock is busy is
// skipped: remove_inode_single_folio() finds its pages still mapped and unmaps them there.
// Context: i_mmap_rwsem held for write.
void hugetlb_vmdelete_list(address_space* mapping, pgoff_t start, pgoff_t end, unsigned zap_flags)
{
	MM_FRAME("hugetlb_vmdelete_list");
	for (vm_area_struct* vma : mapping->i_mmap) {
		if (!vma_overlaps(vma, start, end))
			continue;
		if (!hugetlb_vma_trylock_write(vma))
			continue;
		unsigned long v_start = vma_offset_start(vma, start);
		unsigned long v_end = vma_offset_end(vma, end);
		unmap_hugepage_range(vma, vma->start() + v_start, v_end, nullptr, zap_flags);
		hugetlb_vma_unlock_write(vma);
	}
}

// Models hugetlb_unmap_file_folio() (fs/hugetlbfs/inode.c, v6.1): a racing fault mapped the
// folio after hugetlb_vmdelete_list(): unmap it everywhere. Since i_mmap_rwsem is taken before
// vma locks, a busy vma lock is waited for with i_mmap_rwsem dropped, holding a reference on the
// lock (the VMA may go away meanwhile). Context: the folio's fault mutex held.
void hugetlb_unmap_file_folio(address_space* mapping, folio* f, pgoff_t index)
{
	MM_FRAME("hugetlb_unmap_file_folio");
	pgoff_t start = index << HUGETLB_PAGE_ORDER;
	pgoff_t end = (index + 1) << HUGETLB_PAGE_ORDER;
	mapping->i_mmap_rwsem.down_write();
	for (;;) {
		hugetlb_vma_lock* vma_lock = nullptr;
		for (vm_area_struct* vma : mapping->i_mmap) {
			if (!vma_overlaps(vma, start, end))
				continue;
			unsigned long v_start = vma_offset_start(vma, start);
			unsigned long v_end = vma_offset_end(vma, end);
			if (!hugetlb_vma_maps_page(vma, vma->start() + v_start, f))
				continue;
			if (!hugetlb_vma_trylock_write(vma)) {
				vma_lock = static_cast<hugetlb_vma_lock*>(vma->vm_private_data);
				vma_lock->refs.inc(); // kref_get(): keeps the lock while i_mmap is dropped
				break;
			}
			unmap_hugepage_range(vma, vma->start() + v_start, v_end, nullptr,
					     ZAP_FLAG_DROP_MARKER);
			hugetlb_vma_unlock_write(vma);
		}
		mapping->i_mmap_rwsem.up_write();
		if (vma_lock == nullptr)
			return;
		// Wait for the vma lock in lock order, then look again.
		vma_lock->rw_sema.down_write();
		mapping->i_mmap_rwsem.down_write();
		vm_area_struct* vma = vma_lock->vma;
		if (vma == nullptr) {
			// The lock left its VMA (the VMA went away): drop it and rescan.
			vma_lock->rw_sema.up_write();
			hugetlb_vma_lock_put(vma_lock);
			continue;
		}
		unsigned long v_start = vma_offset_start(vma, start);
		unsigned long v_end = vma_offset_end(vma, end);
		if (hugetlb_vma_maps_page(vma, vma->start() + v_start, f))
			unmap_hugepage_range(vma, vma->start() + v_start, v_end, nullptr,
					     ZAP_FLAG_DROP_MARKER);
		hugetlb_vma_lock_put(vma_lock);
		hugetlb_vma_unlock_write(vma);
	}
}

// hugetlb_delete_from_page_cache(). Context: folio locked.
void hugetlb_delete_from_page_cache(address_space* mapping, folio* f)
{
	filemap_remove_folio(mapping, f);
	folio_put(f); // the page cache's reference
}

// Models remove_inode_single_folio() (fs/hugetlbfs/inode.c, v6.1). Context: fault mutex held.
bool remove_inode_single_folio(inode* ino, address_space* mapping, folio* f, pgoff_t index,
			       bool truncate_op)
{
	// Mapped: faulted in after the caller's unmap. The fault mutex keeps new faults out.
	if (f->_entire_mapcount.load() >= 0)
		hugetlb_unmap_file_folio(mapping, f, index);
	folio_lock(f);
	if (folio_test(f, HPG_restore_reserve))
		sim::raise(sim::ViolationKind::assertion,
			   "remove_inode_single_folio: a page-cache page with HPG_restore_reserve (VM_BUG_ON)");
	hugetlb_delete_from_page_cache(mapping, f);
	if (!truncate_op)
		hugetlb_unreserve_pages(ino, static_cast<long>(index), static_cast<long>(index) + 1, 1);
	folio_unlock(f);
	return true;
}

// Models remove_inode_hugepages() (fs/hugetlbfs/inode.c, v6.1): drop the pages of [lstart, lend)
// (bytes; lend == LONG_MAX: truncation) from the page cache. A hole punch releases the
// reservation of each page it removes; truncation releases the reservations of the whole range
// at the end. Context: i_rwsem held (or the inode is being evicted); may sleep.
void remove_inode_hugepages(inode* ino, unsigned long lstart, unsigned long lend)
{
	MM_FRAME("remove_inode_hugepages");
	Kernel& k = *ino->k;
	address_space* mapping = &ino->i_data;
	bool truncate_op = lend == static_cast<unsigned long>(LONG_MAX);
	pgoff_t start = lstart >> HPAGE_SHIFT;
	pgoff_t end = truncate_op ? ~pgoff_t(0) : lend >> HPAGE_SHIFT;
	long freed = 0;
	std::vector<folio*> batch;
	filemap_get_folios(mapping, start, end, batch);
	for (folio* f : batch) {
		pgoff_t index = f->index;
		// Same mutex as a fault on this page: no new mapping appears while we remove it.
		sim::Mutex& m = hugetlb_fault_mutex(k, mapping, index);
		m.lock();
		if (f->mapping == mapping &&
		    remove_inode_single_folio(ino, mapping, f, index, truncate_op))
			++freed;
		m.unlock();
		folio_put(f);
	}
	if (truncate_op)
		hugetlb_unreserve_pages(ino, static_cast<long>(start), LONG_MAX, freed);
}

// Models hugetlbfs_evict_inode() (fs/hugetlbfs/inode.c, v6.1).
void hugetlbfs_evict_inode(inode* ino)
{
	MM_FRAME("hugetlbfs_evict_inode");
	remove_inode_hugepages(ino, 0, static_cast<unsigned long>(LONG_MAX));
	if (resv_map* resv = inode_resv_map(ino))
		resv_map_put(resv);
	ino->i_data.private_data = nullptr;
	HUGETLBFS_I(*ino->k, ino)->evicted = true;
}

// hugetlbfs_get_inode(): a new regular file with its reserve map.
file* hugetlbfs_new_file(Kernel& k, std::string_view name, bool shm)
{
	hugetlb_globals& hg = hugetlb_of(k);
	inode* ino = k.inode_alloc(name);
	ino->hugetlbfs = true;
	ino->i_data.private_data = resv_map_alloc(k);
	hugetlbfs_inode_info* info = hg.inode_infos.alloc();
	info->vfs_inode = ino;
	info->ino = hg.next_ino++;
	info->i_count.init(1); // the file being opened
	info->shm = shm;
	ino->hugetlbfs_info = info;
	hg.inodes.push_back(info);
	return k.file_alloc(ino);
}

} // namespace

hugetlbfs_inode_info* HUGETLBFS_I(Kernel&, const inode* ino)
{
	MMCHECK_VERIFY(ino->hugetlbfs_info != nullptr, "HUGETLBFS_I of an inode that is not on hugetlbfs");
	return ino->hugetlbfs_info;
}

void hugetlbfs_get_file(file* f)
{
	HUGETLBFS_I(*f->f_inode->k, f->f_inode)->i_count.inc();
}

bool hugetlbfs_fdget(file* f)
{
	if (f == nullptr || !f->f_inode->hugetlbfs)
		return true;
	return HUGETLBFS_I(*f->f_inode->k, f->f_inode)->i_count.inc_not_zero();
}

void hugetlbfs_fdput(file* f)
{
	if (f != nullptr && f->f_inode->hugetlbfs)
		hugetlbfs_fput(f);
}

// fput(): the last reference to an unlinked inode evicts it, as task work of this CPU.
void hugetlbfs_fput(file* f)
{
	Kernel& k = *f->f_inode->k;
	if (!HUGETLBFS_I(k, f->f_inode)->i_count.dec_and_test())
		return;
	hugetlb_of(k).task_work[static_cast<std::size_t>(k.this_cpu())].push_back(f);
}

void hugetlb_task_work(Kernel& k)
{
	auto& work = hugetlb_of(k).task_work[static_cast<std::size_t>(k.this_cpu())];
	while (!work.empty()) {
		file* f = work.back();
		work.pop_back();
		MM_FRAME("__fput");
		inode* ino = f->f_inode;
		if (ino->nlink == 0 && !HUGETLBFS_I(k, ino)->evicted)
			hugetlbfs_evict_inode(ino);
	}
}

// Models hugetlbfs_file_mmap() (fs/hugetlbfs/inode.c, v6.1): reserve pages for the new VMA.
// Context: mmap_lock held for write; takes i_rwsem. Returns: 0, -EINVAL or -ENOMEM.
int hugetlbfs_file_mmap(file* f, vm_area_struct* vma)
{
	MM_FRAME("hugetlbfs_file_mmap");
	inode* ino = f->f_inode;
	Kernel& k = *ino->k;
	vma->vm_flags.init(vma->flags() | VM_HUGETLB); // | VM_DONTEXPAND; the VMA is not visible yet
	if (vma->vm_pgoff.peek() & ((HPAGE_SIZE >> PAGE_SHIFT) - 1))
		return -EINVAL;
	unsigned long len = (vma->end() - vma->start()) + (vma->vm_pgoff.peek() << PAGE_SHIFT);
	ino->i_rwsem.down_write();
	int ret = -ENOMEM;
	unsigned long vm_flags = vma->flags();
	// SysV segments were reserved at shmget().
	if (HUGETLBFS_I(k, ino)->shm)
		vm_flags |= VM_NORESERVE;
	if (hugetlb_reserve_pages(ino, static_cast<long>(vma->vm_pgoff.peek() >> HUGETLB_PAGE_ORDER),
				  static_cast<long>(len >> HPAGE_SHIFT), vma, vm_flags)) {
		ret = 0;
		if ((vma->flags() & VM_WRITE) && ino->i_size.load() < len)
			ino->i_size.store(len);
	}
	ino->i_rwsem.up_write();
	return ret;
}

// Models hugetlb_file_setup() (fs/hugetlbfs/inode.c, v6.1): an unlinked hugetlbfs file for
// MAP_HUGETLB mappings and SysV segments, reserved now unless acctflag is VM_NORESERVE.
file* hugetlb_file_setup(Kernel& k, std::string_view name, unsigned long size,
			 unsigned long acctflag, bool shm)
{
	MM_FRAME("hugetlb_file_setup");
	file* f = hugetlbfs_new_file(k, name, shm);
	inode* ino = f->f_inode;
	ino->i_size.init(size);
	ino->nlink = 0; // clear_nlink()
	if (!hugetlb_reserve_pages(ino, 0, static_cast<long>(size >> HPAGE_SHIFT), nullptr, acctflag)) {
		hugetlbfs_fput(f); // iput(): evicted as task work
		return nullptr;
	}
	k.register_file(f);
	return f;
}

// Models hugetlb_vmtruncate() (fs/hugetlbfs/inode.c, v6.1). Context: i_rwsem held for write.
void hugetlb_vmtruncate(inode* ino, unsigned long offset)
{
	MM_FRAME("hugetlb_vmtruncate");
	address_space* mapping = &ino->i_data;
	ino->i_size.store(offset);
	mapping->i_mmap_rwsem.down_write();
	if (!mapping->i_mmap.empty())
		hugetlb_vmdelete_list(mapping, offset >> PAGE_SHIFT, 0, ZAP_FLAG_DROP_MARKER);
	mapping->i_mmap_rwsem.up_write();
	remove_inode_hugepages(ino, offset, static_cast<unsigned long>(LONG_MAX));
}

// Models hugetlbfs_punch_hole() (fs/hugetlbfs/inode.c, v6.1): zero the partial huge pages at the
// edges, unmap and remove the whole ones. Context: may sleep; takes i_rwsem.
int hugetlbfs_punch_hole(inode* ino, unsigned long offset, unsigned long len)
{
	MM_FRAME("hugetlbfs_punch_hole");
	address_space* mapping = &ino->i_data;
	unsigned long hole_start = round_up(offset, HPAGE_SIZE);
	unsigned long hole_end = (offset + len) & HPAGE_MASK;
	auto zero_partial = [&](unsigned long s, unsigned long e) {
		// hugetlbfs_zero_partial_page(): under the folio lock, like a write.
		folio* f = find_lock_hugetlb_folio(mapping, s >> HPAGE_SHIFT);
		if (f == nullptr)
			return;
		for (unsigned long a = s & PAGE_MASK; a < e; a += PAGE_SIZE)
			(f + ((a & ~HPAGE_MASK) >> PAGE_SHIFT))->data.store(0);
		folio_unlock(f);
		folio_put(f);
	};
	ino->i_rwsem.down_write();
	mapping->i_mmap_rwsem.down_write();
	if (offset < hole_start)
		zero_partial(offset, std::min(offset + len, hole_start));
	if (hole_end > hole_start && !mapping->i_mmap.empty())
		hugetlb_vmdelete_list(mapping, hole_start >> PAGE_SHIFT, hole_end >> PAGE_SHIFT, 0);
	if (offset + len > hole_end && offset + len > hole_start)
		zero_partial(hole_end, offset + len);
	mapping->i_mmap_rwsem.up_write();
	if (hole_end > hole_start)
		remove_inode_hugepages(ino, hole_start, hole_end);
	ino->i_rwsem.up_write();
	return 0;
}

// Models hugetlbfs_fallocate() (fs/hugetlbfs/inode.c, v6.1) without FALLOC_FL_PUNCH_HOLE:
// instantiate the pages of [offset, offset + len) in the page cache, consuming reservations
// where the inode has them. Context: may sleep; takes i_rwsem, then each page's fault mutex.
int hugetlbfs_fallocate(file* f, int mode, unsigned long offset, unsigned long len)
{
	MM_FRAME("hugetlbfs_fallocate");
	inode* ino = f->f_inode;
	Kernel& k = *ino->k;
	address_space* mapping = &ino->i_data;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;
	if (mode & FALLOC_FL_PUNCH_HOLE)
		return hugetlbfs_punch_hole(ino, offset, len);
	pgoff_t start = offset >> HPAGE_SHIFT;
	pgoff_t end = (offset + len + HPAGE_SIZE - 1) >> HPAGE_SHIFT;
	ino->i_rwsem.down_write();
	// A pseudo VMA for the allocator: shared, so the inode's reservations apply.
	vm_area_struct pseudo_vma;
	pseudo_vma.reset();
	pseudo_vma.vm_flags.init(VM_HUGETLB | VM_MAYSHARE | VM_SHARED);
	pseudo_vma.vm_end.init(~0ul & HPAGE_MASK);
	pseudo_vma.vm_file = f;
	int error = 0;
	for (pgoff_t index = start; index < end; ++index) {
		unsigned long addr = index * HPAGE_SIZE; // the offset in the file
		sim::Mutex& m = hugetlb_fault_mutex(k, mapping, index);
		m.lock();
		mapping->i_pages_lock.lock();
		bool present = mapping->find(index) != nullptr;
		mapping->i_pages_lock.unlock();
		if (present) {
			m.unlock();
			continue;
		}
		int err = 0;
		folio* page = alloc_hugetlb_folio(&pseudo_vma, addr, false, &err);
		if (page == nullptr) {
			m.unlock();
			error = err;
			break;
		}
		clear_huge_page(page);
		if (int e = hugetlb_add_to_page_cache(page, mapping, index)) {
			restore_reserve_on_error(&pseudo_vma, addr, page);
			folio_put(page);
			m.unlock();
			error = e;
			break;
		}
		m.unlock();
		folio_set_flag(page, HPG_migratable);
		folio_unlock(page);
		folio_put(page); // the allocation's reference; the page cache keeps its own
	}
	if (error == 0 && !(mode & FALLOC_FL_KEEP_SIZE) && offset + len > ino->i_size.load())
		ino->i_size.store(offset + len);
	ino->i_rwsem.up_write();
	return error;
}

// vm_ops->open of a hugetlb VMA (fork, split): shm_open(), hugetlb_vm_op_open(), get_file().
void hugetlb_vma_open(vm_area_struct* vma)
{
	Kernel& k = kernel_of(vma->vm_mm);
	if (is_shm_file(k, vma->vm_file))
		shm_open(vma);
	hugetlb_vm_op_open(vma);
	hugetlbfs_get_file(vma->vm_file);
}

// remove_vma() of a hugetlb VMA: vm_ops->close (shm_close() then hugetlb_vm_op_close()), fput().
void hugetlb_vma_close(vm_area_struct* vma)
{
	Kernel& k = kernel_of(vma->vm_mm);
	hugetlb_globals& hg = hugetlb_of(k);
	if (is_shm_file(k, vma->vm_file))
		shm_close(vma);
	hugetlb_vm_op_close(vma);
	hugetlbfs_fput(vma->vm_file);
	std::erase(hg.dying, vma);
	std::erase_if(hg.shared_with_dying, [vma](const auto& e) { return e.first == vma; });
}

// ---- the syscalls (Kernel's user-visible operations) ----

int Kernel::sys_set_nr_hugepages(unsigned long count)
{
	MM_FRAME("hugetlb_sysctl_handler");
	return set_max_huge_pages(*this, count);
}

int Kernel::sys_set_nr_overcommit_hugepages(unsigned long count)
{
	MM_FRAME("hugetlb_overcommit_handler");
	hugetlb_globals& hg = hugetlb_of(*this);
	hg.hugetlb_lock.lock_irq();
	hg.h.nr_overcommit_huge_pages = count;
	hg.hugetlb_lock.unlock_irq();
	return 0;
}

Kernel::hugetlb_meminfo Kernel::hugetlb_report_meminfo() const
{
	const hstate& h = hugetlb_->h;
	return {h.nr_huge_pages, h.free_huge_pages, h.resv_huge_pages, h.surplus_huge_pages};
}

file* Kernel::hugetlbfs_create(std::string_view name, unsigned long size)
{
	MM_FRAME("hugetlbfs_create");
	if (size & ~HPAGE_MASK)
		return nullptr;
	file* f = hugetlbfs_new_file(*this, name, false);
	register_file(f);
	if (size > 0 && sys_ftruncate(f, size) != 0)
		return nullptr;
	return f;
}

int Kernel::sys_fallocate(file* f, int mode, unsigned long offset, unsigned long len)
{
	MM_FRAME("vfs_fallocate");
	// vfs_fallocate(): a hole punch must keep the size.
	if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	if (!is_file_hugepages(f))
		return -EOPNOTSUPP;
	if (!hugetlbfs_fdget(f))
		return -EBADF;
	int r = hugetlbfs_fallocate(f, mode, offset, len);
	observer_commit(*this, r);
	hugetlbfs_fdput(f);
	hugetlb_task_work(*this);
	return r;
}

int Kernel::sys_unlink(file* f)
{
	MM_FRAME("do_unlinkat");
	if (!is_file_hugepages(f) || f->f_inode->nlink == 0)
		return -ENOENT;
	f->f_inode->nlink = 0;
	hugetlbfs_fput(f); // and close() of the creator's descriptor
	hugetlb_task_work(*this);
	return 0;
}

// hugetlbfs_setattr() for ATTR_SIZE. Context: i_rwsem held for write. Returns 0 or -EINVAL.
int hugetlbfs_setattr(inode* ino, unsigned long newsize)
{
	if (newsize & ~HPAGE_MASK)
		return -EINVAL;
	hugetlb_vmtruncate(ino, newsize);
	return 0;
}

} // namespace mm
