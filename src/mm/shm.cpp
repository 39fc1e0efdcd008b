// SysV shared memory backed by huge pages (SHM_HUGETLB). Models ipc/shm.c (torvalds/linux
// 00898e8599a1, v6.x): newseg, do_shmat, ksys_shmdt, shmctl(IPC_RMID), shm_open/shm_close,
// shm_destroy. A segment is an unlinked hugetlbfs file reserved at shmget() (hugetlb_file_setup()
// unless SHM_NORESERVE); shmat() maps it MAP_SHARED (hugetlbfs_file_mmap() reserves nothing
// more: the inode is S_PRIVATE); the segment goes when it is marked for removal and detached
// everywhere.
//
// Differences: only SHM_HUGETLB segments; one IPC namespace; no permissions, no IPC_EXCL, no
// shm_rmid_forced; shm_nattch is protected by shm_ids.rwsem (the kernel uses the per-segment
// lock under the rwsem read).
#include "mm/hugetlb.hpp"

#include "mm/internal.hpp"
#include "sim/frame.hpp"

#include <algorithm>

namespace mm {
namespace {

shmid_kernel* shm_find_id(hugetlb_globals& hg, int id)
{
	for (shmid_kernel* shp : hg.shm_ids)
		if (shp->id == id)
			return shp;
	return nullptr;
}

shmid_kernel* shm_of_inode(hugetlb_globals& hg, const inode* ino)
{
	for (shmid_kernel* shp : hg.shm_ids)
		if (shp->shm_file->f_inode == ino)
			return shp;
	return nullptr;
}

// shm_destroy(): the segment's own file reference goes; the inode is evicted once no VMA maps it.
// Context: shm_ids.rwsem held for write.
void shm_destroy(hugetlb_globals& hg, shmid_kernel* shp)
{
	MM_FRAME("shm_destroy");
	shp->destroyed = true;
	std::erase(hg.shm_ids, shp);
	hugetlbfs_fput(shp->shm_file);
}

} // namespace

bool is_shm_file(Kernel& k, const file* f)
{
	return is_file_hugepages(f) && HUGETLBFS_I(k, f->f_inode)->shm;
}

// shm_open(): a VMA of the segment appeared (shmat, fork, split). Context: mmap_lock held.
void shm_open(vm_area_struct* vma)
{
	hugetlb_globals& hg = hugetlb_of(kernel_of(vma->vm_mm));
	hg.shm_ids_rwsem.down_write();
	if (shmid_kernel* shp = shm_of_inode(hg, vma->vm_file->f_inode))
		++shp->shm_nattch;
	hg.shm_ids_rwsem.up_write();
}

// shm_close(): a VMA of the segment went away. Context: mmap_lock held for write.
void shm_close(vm_area_struct* vma)
{
	MM_FRAME("shm_close");
	hugetlb_globals& hg = hugetlb_of(kernel_of(vma->vm_mm));
	hg.shm_ids_rwsem.down_write();
	if (shmid_kernel* shp = shm_of_inode(hg, vma->vm_file->f_inode)) {
		--shp->shm_nattch;
		if (shp->shm_nattch == 0 && shp->dest)
			shm_destroy(hg, shp);
	}
	hg.shm_ids_rwsem.up_write();
}

// Models ksys_shmget() + newseg() (ipc/shm.c). Returns: the id, or -EINVAL / -ENOENT / -ENOMEM.
int Kernel::sys_shmget(int key, unsigned long size, int shmflg)
{
	MM_FRAME("ksys_shmget");
	hugetlb_globals& hg = hugetlb_of(*this);
	if (!(shmflg & SHM_HUGETLB) || size == 0)
		return -EINVAL;
	hg.shm_ids_rwsem.down_write();
	int ret = -ENOENT;
	if (key != IPC_PRIVATE) {
		for (shmid_kernel* shp : hg.shm_ids) {
			if (shp->key == key && !shp->dest) {
				ret = size > shp->shm_segsz ? -EINVAL : shp->id;
				hg.shm_ids_rwsem.up_write();
				return ret;
			}
		}
	}
	if (key == IPC_PRIVATE || (shmflg & IPC_CREAT)) {
		MM_FRAME("newseg");
		unsigned long hugesize = round_up(size, HPAGE_SIZE);
		// hugetlb_file_setup() applies strict accounting unless SHM_NORESERVE.
		unsigned long acctflag = (shmflg & SHM_NORESERVE) ? VM_NORESERVE : 0ul;
		std::string name = "SYSV" + std::to_string(key);
		file* f = hugetlb_file_setup(*this, name, hugesize, acctflag, true);
		if (f == nullptr) {
			ret = -ENOMEM;
		} else {
			shmid_kernel* shp = hg.shms.alloc();
			shp->id = hg.next_shmid++;
			shp->key = key;
			shp->shm_segsz = size;
			shp->shm_file = f;
			hg.shm_ids.push_back(shp);
			ret = shp->id;
		}
	}
	hg.shm_ids_rwsem.up_write();
	hugetlb_task_work(*this);
	return ret;
}

// Models do_shmat() (ipc/shm.c): map the segment MAP_SHARED at addr (0: anywhere). Returns the
// address or a negative errno.
long Kernel::sys_shmat(process& p, int shmid, unsigned long addr, int shmflg)
{
	MM_FRAME("do_shmat");
	hugetlb_globals& hg = hugetlb_of(*this);
	hg.shm_ids_rwsem.down_write();
	shmid_kernel* shp = shm_find_id(hg, shmid);
	if (shp == nullptr) {
		hg.shm_ids_rwsem.up_write();
		return -EINVAL;
	}
	// Pins the segment against IPC_RMID while we map it.
	++shp->shm_nattch;
	file* base = shp->shm_file;
	hg.shm_ids_rwsem.up_write();

	// alloc_file_clone(): the attach's own struct file on the segment's inode.
	file* f = file_alloc(base->f_inode);
	int prot = (shmflg & SHM_RDONLY) ? PROT_READ : PROT_READ | PROT_WRITE;
	unsigned long size = base->f_inode->i_size.load();
	mm_struct* mm = p.mm;
	mm->mmap_lock.down_write();
	long r = do_mmap(mm, f, addr, size, prot, MAP_SHARED | (addr ? MAP_FIXED : 0), 0);
	observer_commit(*this, r);
	mm->mmap_lock.up_write();

	hg.shm_ids_rwsem.down_write();
	--shp->shm_nattch;
	if (shp->shm_nattch == 0 && shp->dest && !shp->destroyed)
		shm_destroy(hg, shp);
	hg.shm_ids_rwsem.up_write();
	hugetlb_task_work(*this);
	return r;
}

// Models ksys_shmdt() (ipc/shm.c): unmap the segment attached at addr. Returns 0 or -EINVAL.
int Kernel::sys_shmdt(process& p, unsigned long addr)
{
	MM_FRAME("ksys_shmdt");
	mm_struct* mm = p.mm;
	mm->mmap_lock.down_write();
	int r = -EINVAL;
	vm_area_struct* vma = find_vma(mm, addr);
	if (vma != nullptr && vma->start() == addr && vma->vm_pgoff.peek() == 0 &&
	    is_shm_file(*this, vma->vm_file)) {
		unsigned long size = vma->vm_file->f_inode->i_size.load();
		r = do_munmap(mm, addr, size);
	}
	observer_commit(*this, r);
	mm->mmap_lock.up_write();
	hugetlb_task_work(*this);
	return r;
}

// Models shmctl(IPC_RMID) (ipc/shm.c do_shm_rmid). Returns 0 or -EINVAL.
int Kernel::sys_shmctl(int shmid, int cmd)
{
	MM_FRAME("ksys_shmctl");
	if (cmd != IPC_RMID)
		return -EINVAL;
	hugetlb_globals& hg = hugetlb_of(*this);
	hg.shm_ids_rwsem.down_write();
	shmid_kernel* shp = shm_find_id(hg, shmid);
	int r = -EINVAL;
	if (shp != nullptr) {
		r = 0;
		if (shp->shm_nattch > 0) {
			shp->dest = true;
			shp->key = IPC_PRIVATE;
		} else {
			shm_destroy(hg, shp);
		}
	}
	hg.shm_ids_rwsem.up_write();
	hugetlb_task_work(*this);
	return r;
}

} // namespace mm
