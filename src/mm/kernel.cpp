// The Kernel world: pools, reset, and the syscall entry points. Each sys_* takes the locks the
// kernel's syscall takes around the model function (mm/mmap.c, mm/mprotect.c, mm/mremap.c,
// mm/madvise.c, kernel/fork.c, mm/shmem.c; v6.x), so a scenario operation is the whole syscall.
#include "mm/hugetlb.hpp"
#include "mm/internal.hpp"
#include "mm/memory_failure.hpp"

#include "sim/engine.hpp"
#include "sim/frame.hpp"
#include "sim/verify.hpp"

namespace mm {

const char* access_kind_name(access_result::Kind k)
{
	switch (k) {
	case access_result::ok:
		return "ok";
	case access_result::sigsegv:
		return "sigsegv";
	case access_result::sigbus:
		return "sigbus";
	case access_result::oom:
		return "oom";
	case access_result::dead:
		return "dead";
	}
	return "?";
}

void observer_commit(Kernel& k, long result)
{
	if (AccessObserver* o = k.observer())
		o->on_commit(k.this_cpu(), result);
}

Kernel::Kernel()
	: hugetlb_(std::make_unique<hugetlb_globals>()),
	  mf_(std::make_unique<memory_failure_state>())
{
}
Kernel::~Kernel() = default;

void Kernel::reset(const Config& cfg)
{
	MMCHECK_VERIFY(cfg.ncpus >= 1 && cfg.ncpus <= static_cast<int>(tlbs_.size()),
		       "Config::ncpus out of range");
	cfg_ = cfg;
	phys_.reset(cfg.nr_frames);
	pgtables_.reset(phys_, this);
	hugetlb_->reset(*this);
	mf_->reset();
	for (cpu_tlb& t : tlbs_)
		t.clear();
	mms_.clear();
	vmas_.clear();
	anon_vmas_.clear();
	avcs_.clear();
	inode_pool_.clear();
	files_.clear();
	proc_pool_.clear();
	procs_.clear();
	files_list_.clear();
	next_id_ = 1;
	rmap_walk_restarts = 0;
	fork_copied_migration_entries = 0;
	thp_enabled_.init(cfg.transparent_hugepage);
}

int Kernel::this_cpu() const
{
	int id = sim::current_task_id();
	return id < 0 ? 0 : id;
}

mm_struct* Kernel::mm_alloc(std::string_view name)
{
	mm_struct* mm = mms_.alloc();
	mm->k = this;
	mm->id = next_id_++;
	mm->name = name;
	// mm_alloc_pgd(): the top-level table; a process without one cannot exist.
	mm->pgd = pgtables_.alloc(GFP_KERNEL, PT_PGD, mm, 0);
	if (mm->pgd == nullptr)
		return nullptr;
	return mm;
}

vm_area_struct* Kernel::vm_area_alloc(mm_struct* mm)
{
	vm_area_struct* vma = vmas_.alloc();
	vma->vm_mm = mm;
	return vma;
}

void Kernel::vm_area_free(vm_area_struct* vma)
{
	sim::lifetime_free(vma->lt, &vma->lt); // named "vma ..." in traces, not after its first field
}

anon_vma* Kernel::anon_vma_alloc()
{
	anon_vma* av = anon_vmas_.alloc();
	av->k = this;
	return av;
}

anon_vma_chain* Kernel::avc_alloc()
{
	return avcs_.alloc();
}

inode* Kernel::inode_alloc(std::string_view name)
{
	inode* ino = inode_pool_.alloc();
	ino->k = this;
	ino->name = name;
	return ino;
}

file* Kernel::file_alloc(inode* ino)
{
	file* f = files_.alloc();
	f->f_inode = ino;
	f->f_mapping = &ino->i_data;
	return f;
}

process* Kernel::process_of(const mm_struct* mm) const
{
	for (process* p : procs_)
		if (p->mm == mm)
			return p;
	return nullptr;
}

file* Kernel::find_file(std::string_view name) const
{
	for (file* f : files_list_)
		if (f->name() == name)
			return f;
	return nullptr;
}

process* Kernel::create_process(std::string_view name)
{
	mm_struct* mm = mm_alloc(name);
	if (mm == nullptr)
		return nullptr;
	process* p = proc_pool_.alloc();
	p->pid = mm->id;
	p->name = name;
	p->mm = mm;
	procs_.push_back(p);
	return p;
}

file* Kernel::create_file(std::string_view name, unsigned long size)
{
	inode* ino = inode_alloc(name);
	ino->shmem = true;
	ino->i_size.init(size);
	file* f = file_alloc(ino);
	files_list_.push_back(f);
	return f;
}

long Kernel::sys_mmap(process& p, unsigned long addr, unsigned long len, int prot, int flags,
		      file* f, unsigned long off)
{
	MM_FRAME("ksys_mmap_pgoff");
	if (off & ~PAGE_MASK)
		return -EINVAL;
	mm_struct* mm = p.mm;
	if (!hugetlbfs_fdget(f))
		return -EBADF;
	mm->mmap_lock.down_write();
	long r = do_mmap(mm, f, addr, len, prot, flags, off >> PAGE_SHIFT);
	observer_commit(*this, r);
	mm->mmap_lock.up_write();
	hugetlbfs_fdput(f);
	hugetlb_task_work(*this);
	return r;
}

int Kernel::sys_munmap(process& p, unsigned long addr, unsigned long len)
{
	MM_FRAME("__vm_munmap");
	mm_struct* mm = p.mm;
	mm->mmap_lock.down_write();
	int r = do_munmap(mm, addr, len);
	observer_commit(*this, r);
	mm->mmap_lock.up_write();
	hugetlb_task_work(*this);
	return r;
}

int Kernel::sys_mprotect(process& p, unsigned long addr, unsigned long len, int prot)
{
	MM_FRAME("do_mprotect_pkey");
	mm_struct* mm = p.mm;
	mm->mmap_lock.down_write();
	int r = do_mprotect(mm, addr, len, prot);
	observer_commit(*this, r);
	mm->mmap_lock.up_write();
	return r;
}

long Kernel::sys_mremap(process& p, unsigned long old_addr, unsigned long old_len,
			unsigned long new_len, int flags, unsigned long new_addr)
{
	MM_FRAME("sys_mremap");
	mm_struct* mm = p.mm;
	mm->mmap_lock.down_write();
	long r = do_mremap(mm, old_addr, old_len, new_len, flags, new_addr);
	observer_commit(*this, r);
	mm->mmap_lock.up_write();
	return r;
}

int Kernel::sys_madvise(process& p, unsigned long addr, unsigned long len, int advice)
{
	MM_FRAME("do_madvise");
	// Error injection runs before any mmap_lock is taken (issue #8).
	if (advice == MADV_HWPOISON || advice == MADV_SOFT_OFFLINE)
		return madvise_inject_error(*this, p, advice, addr & PAGE_MASK, addr + len);
	return do_madvise(p.mm, addr, len, advice);
}

process* Kernel::sys_fork(process& parent, std::string_view child_name)
{
	MM_FRAME("copy_process");
	// dup_mm(): a new mm, then the parent's mappings copied into it.
	mm_struct* mm = mm_alloc(child_name);
	if (mm == nullptr)
		return nullptr;
	if (dup_mmap(mm, parent.mm) != 0) {
		mmput(mm);
		return nullptr;
	}
	process* c = proc_pool_.alloc();
	c->pid = mm->id;
	c->name = child_name;
	c->mm = mm;
	procs_.push_back(c);
	return c;
}

void Kernel::sys_exit(process& p)
{
	MM_FRAME("do_exit");
	if (p.exited)
		return;
	p.exited = true;
	observer_commit(*this, 0);
	// exit_mm() -> mmput(): the mm goes when its last user (a racing access, a remote GUP)
	// lets go of it.
	mmput(p.mm);
	hugetlb_task_work(*this); // exit_task_work(): the files the mappings held
}

int Kernel::sys_ftruncate(file* f, unsigned long size)
{
	MM_FRAME("do_truncate");
	inode* ino = f->f_inode;
	if (!hugetlbfs_fdget(f))
		return -EBADF;
	ino->i_rwsem.down_write();
	if (ino->hugetlbfs) {
		int r = hugetlbfs_setattr(ino, size);
		observer_commit(*this, r);
		ino->i_rwsem.up_write();
		hugetlbfs_fdput(f);
		hugetlb_task_work(*this);
		return r;
	}
	unsigned long old = ino->i_size.load();
	ino->i_size.store(size);
	if (size < old) {
		// shmem_setattr() -> truncate_pagecache(): unmap, drop the pages, unmap again
		// for a racing fault that mapped a page between the two.
		pgoff_t start = round_up(size, PAGE_SIZE) >> PAGE_SHIFT;
		pgoff_t end = round_up(old, PAGE_SIZE) >> PAGE_SHIFT;
		unmap_mapping_range(f->f_mapping, start, end, true);
		truncate_inode_pages_range(f->f_mapping, start, end);
		unmap_mapping_range(f->f_mapping, start, end, true);
	}
	observer_commit(*this, 0);
	ino->i_rwsem.up_write();
	return 0;
}

} // namespace mm
