// World operations of hugetlb: the pool sysctls, hugetlbfs files, SysV shm (world.hpp, issue #5).
// Like the core operations, each tells the oracle what is about to change and lets the
// syscall's commit linearise it.
#include "check/world.hpp"

#include "mm/hugetlb.hpp"

namespace check {

using Kind = Pending::Kind;

int World::set_nr_hugepages(unsigned long count)
{
	begin_op();
	int r = k_.sys_set_nr_hugepages(count);
	end_op();
	return r;
}

int World::set_nr_overcommit_hugepages(unsigned long count)
{
	begin_op();
	int r = k_.sys_set_nr_overcommit_hugepages(count);
	end_op();
	return r;
}

mm::file* World::hugetlbfs_create(std::string_view name, unsigned long size)
{
	begin_op();
	mm::file* f = k_.hugetlbfs_create(name, size);
	if (f != nullptr)
		oracle_.add_file(*f);
	end_op();
	return f;
}

int World::fallocate(mm::file& f, int mode, unsigned long offset, unsigned long len)
{
	begin_op();
	if (mode & mm::FALLOC_FL_PUNCH_HOLE) {
		Pending& op = oracle_.begin(cpu(), Kind::punch_hole, nullptr);
		op.file = &f;
		op.hole_start = offset;
		op.hole_end = offset + len;
		op.whole_start = mm::round_up(offset, mm::HPAGE_SIZE);
		op.whole_end = (offset + len) & mm::HPAGE_MASK;
	}
	int r = k_.sys_fallocate(&f, mode, offset, len);
	if (mode & mm::FALLOC_FL_PUNCH_HOLE)
		oracle_.end(cpu());
	else if (r == 0)
		oracle_.sync_file_size(f);
	end_op();
	return r;
}

int World::unlink(mm::file& f)
{
	begin_op();
	int r = k_.sys_unlink(&f);
	end_op();
	return r;
}

int World::shmget(int key, unsigned long size, int shmflg)
{
	begin_op();
	int r = k_.sys_shmget(key, size, shmflg);
	end_op();
	return r;
}

long World::shmat(mm::process& p, int shmid, unsigned long addr, int shmflg)
{
	begin_op();
	// The segment's file, for the oracle: its contents are what every attach sees.
	const mm::file* seg = nullptr;
	for (const mm::shmid_kernel* shp : k_.hugetlb().shm_ids)
		if (shp->id == shmid)
			seg = shp->shm_file;
	Pending& op = oracle_.begin(cpu(), Kind::mmap, &p);
	op.new_vma.prot = mm::calc_vm_prot_bits((shmflg & mm::SHM_RDONLY) ? mm::PROT_READ
									 : mm::PROT_READ | mm::PROT_WRITE);
	op.new_vma.kind = MapKind::file_shared;
	op.new_vma.file = seg;
	op.new_vma.hugetlb = true;
	op.new_len = seg ? seg->f_inode->i_size.peek() : 0;
	if (addr != 0) {
		op.start = addr;
		op.end = addr + op.new_len;
	}
	long r = k_.sys_shmat(p, shmid, addr, shmflg);
	oracle_.end(cpu());
	end_op();
	return r;
}

int World::shmdt(mm::process& p, unsigned long addr)
{
	begin_op();
	Pending& op = oracle_.begin(cpu(), Kind::munmap, &p);
	op.start = addr;
	op.end = addr;
	for (const mm::vm_area_struct* v : p.mm->mmap)
		if (v->start() == addr && v->vm_file != nullptr)
			op.end = addr + v->vm_file->f_inode->i_size.peek();
	int r = k_.sys_shmdt(p, addr);
	oracle_.end(cpu());
	end_op();
	return r;
}

int World::shmctl(int shmid, int cmd)
{
	begin_op();
	int r = k_.sys_shmctl(shmid, cmd);
	end_op();
	return r;
}

} // namespace check
