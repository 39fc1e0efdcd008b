// The hugetlb vma lock: a per-VMA rw_semaphore that keeps huge_pmd_unshare() away from faults and
// page-table walkers of a shared VMA (v6.1, Mike Kravetz), and resv_map->rw_sema playing the same
// role for a private owner VMA (v6.7). Models the helpers at the top of mm/hugetlb.c (v6.1,
// torvalds/linux 0010b838db9f, which carries the v6.7 private-VMA lock).
//
// The lock lives in vm_private_data. Its presence is also what page_table_shareable() requires of
// a sharing partner, so freeing it in the final unmap makes a dying VMA unshareable.
#include "mm/hugetlb.hpp"

#include "sim/frame.hpp"

namespace mm {
namespace {

hugetlb_vma_lock* vma_lock_of(const vm_area_struct* vma)
{
	return static_cast<hugetlb_vma_lock*>(vma->vm_private_data);
}

// __hugetlb_vma_unlock_write_put(): the lock leaves its VMA (which becomes unshareable) and the
// VMA's reference goes. Context: lock held for write; i_mmap_rwsem held for write by the final
// unmap, so no huge_pmd_share() can look at the VMA meanwhile.
void hugetlb_vma_unlock_write_put(hugetlb_vma_lock* vma_lock)
{
	vm_area_struct* vma = vma_lock->vma;
	vma_lock->vma = nullptr;
	vma->vm_private_data = nullptr;
	vma_lock->rw_sema.up_write();
	hugetlb_vma_lock_put(vma_lock);
}

} // namespace

void hugetlb_vma_lock::reset()
{
	refs.init(1);
	rw_sema.owner = -1;
	rw_sema.readers = 0;
	vma = nullptr;
	lt.revive();
}

bool __vma_shareable_lock(const vm_area_struct* vma)
{
	return (vma->flags() & (VM_MAYSHARE | VM_SHARED)) && vma->vm_private_data != nullptr;
}

bool __vma_private_lock(const vm_area_struct* vma)
{
	return !(vma->flags() & VM_MAYSHARE) && vma_resv_map(vma) != nullptr &&
	       is_vma_resv_set(vma, HPAGE_RESV_OWNER);
}

void hugetlb_vma_lock_read(vm_area_struct* vma)
{
	if (__vma_shareable_lock(vma))
		vma_lock_of(vma)->rw_sema.down_read();
	else if (__vma_private_lock(vma))
		vma_resv_map(vma)->rw_sema.down_read();
}

void hugetlb_vma_unlock_read(vm_area_struct* vma)
{
	if (__vma_shareable_lock(vma))
		vma_lock_of(vma)->rw_sema.up_read();
	else if (__vma_private_lock(vma))
		vma_resv_map(vma)->rw_sema.up_read();
}

void hugetlb_vma_lock_write(vm_area_struct* vma)
{
	if (__vma_shareable_lock(vma))
		vma_lock_of(vma)->rw_sema.down_write();
	else if (__vma_private_lock(vma))
		vma_resv_map(vma)->rw_sema.down_write();
}

void hugetlb_vma_unlock_write(vm_area_struct* vma)
{
	if (__vma_shareable_lock(vma))
		vma_lock_of(vma)->rw_sema.up_write();
	else if (__vma_private_lock(vma))
		vma_resv_map(vma)->rw_sema.up_write();
}

bool hugetlb_vma_trylock_write(vm_area_struct* vma)
{
	if (__vma_shareable_lock(vma))
		return vma_lock_of(vma)->rw_sema.down_write_trylock();
	if (__vma_private_lock(vma))
		return vma_resv_map(vma)->rw_sema.down_write_trylock();
	return true;
}

void hugetlb_vma_assert_locked(vm_area_struct* vma)
{
	if (__vma_shareable_lock(vma))
		vma_lock_of(vma)->rw_sema.assert_held();
	else if (__vma_private_lock(vma))
		vma_resv_map(vma)->rw_sema.assert_held();
}

// Models hugetlb_vma_lock_alloc() (mm/hugetlb.c, v6.1): a shared VMA gets its lock at mmap (from
// hugetlb_reserve_pages()) and when copied (hugetlb_vm_op_open()). Context: mmap_lock write, or
// the VMA is not yet visible.
void hugetlb_vma_lock_alloc(vm_area_struct* vma)
{
	if (vma == nullptr || !(vma->flags() & VM_MAYSHARE) || vma->vm_private_data != nullptr)
		return;
	hugetlb_vma_lock* vma_lock = hugetlb_of(kernel_of(vma->vm_mm)).vma_locks.alloc();
	vma_lock->vma = vma;
	vma->vm_private_data = vma_lock;
}

// Models hugetlb_vma_lock_free() (mm/hugetlb.c, v6.1): from vm_ops->close (and reservation
// failure). Context: mmap_lock held for write; may sleep.
void hugetlb_vma_lock_free(vm_area_struct* vma)
{
	if (vma == nullptr || !__vma_shareable_lock(vma))
		return;
	hugetlb_vma_lock* vma_lock = vma_lock_of(vma);
	vma_lock->rw_sema.down_write();
	hugetlb_vma_unlock_write_put(vma_lock);
}

// kref_put(&vma_lock->refs, hugetlb_vma_lock_release).
void hugetlb_vma_lock_put(hugetlb_vma_lock* vma_lock)
{
	if (vma_lock->refs.dec_and_test()) {
		MM_FRAME("hugetlb_vma_lock_release");
		sim::lifetime_free(vma_lock->lt, vma_lock);
	}
}

// Models __hugetlb_vma_unlock_write_free() (mm/hugetlb.c, v6.1): unlock, and for a shared VMA
// free the lock, from the final unmap. Context: lock held for write.
void __hugetlb_vma_unlock_write_free(vm_area_struct* vma)
{
	if (__vma_shareable_lock(vma))
		hugetlb_vma_unlock_write_put(vma_lock_of(vma));
	else if (__vma_private_lock(vma))
		vma_resv_map(vma)->rw_sema.up_write(); // no free for private VMAs
}

} // namespace mm

namespace mm {

// Names of hugetlb objects in traces (describe.cpp asks here first).
std::string hugetlb_globals::describe(const void* obj) const
{
	if (obj == &hugetlb_lock)
		return "hugetlb_lock";
	if (obj == &h.resize_lock)
		return "hstate->resize_lock";
	if (obj == &shm_ids_rwsem)
		return "shm_ids.rwsem";
	for (std::size_t i = 0; i < hugetlb_fault_mutex_table.size(); ++i)
		if (obj == &hugetlb_fault_mutex_table[i].m)
			return "hugetlb_fault_mutex[" + std::to_string(i) + "]";
	for (std::size_t i = 0; i < vma_locks.used(); ++i) {
		const hugetlb_vma_lock& l = vma_locks.at(i);
		if (obj == &l.rw_sema || obj == &l.refs || obj == &l.lt) {
			std::string who = l.vma ? " of vma " + std::to_string(l.vma->vm_start.peek() >> 20) +
							  "M (" + (l.vma->vm_mm ? l.vma->vm_mm->name : "?") + ")"
						: "";
			return (obj == &l.rw_sema ? "hugetlb_vma_lock" : "hugetlb_vma_lock refs") + who;
		}
	}
	for (std::size_t i = 0; i < resv_maps.used(); ++i) {
		const resv_map& m = resv_maps.at(i);
		if (obj == &m.lock)
			return "resv_map->lock #" + std::to_string(i);
		if (obj == &m.rw_sema)
			return "resv_map->rw_sema #" + std::to_string(i);
		if (obj == &m.refs || obj == &m.lt)
			return "resv_map #" + std::to_string(i);
	}
	for (std::size_t i = 0; i < inode_infos.used(); ++i) {
		const hugetlbfs_inode_info& info = inode_infos.at(i);
		if (obj == &info.i_count)
			return "i_count (" + info.vfs_inode->name + ")";
	}
	return {};
}

} // namespace mm
